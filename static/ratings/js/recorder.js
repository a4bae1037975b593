/* A clerk records a text of the spoken ballot in the browser (ratings.speech, the recording page):
 * "Record" beside a text starts the microphone; pressing it again stops, puts the recording and the
 * text into the upload form and sends it. Without a microphone or MediaRecorder the buttons stay
 * hidden and the form takes a sound file. */
(function () {
  "use strict";

  const form = document.querySelector("form[data-recording-form]");
  if (!form || !window.MediaRecorder || !navigator.mediaDevices || !window.DataTransfer) {
    return;
  }
  const buttons = Array.from(document.querySelectorAll("[data-record]"));
  let recorder = null;

  buttons.forEach(function (button) {
    button.hidden = false;
    const label = button.textContent;
    button.addEventListener("click", function () {
      if (recorder) {
        recorder.stop();
        return;
      }
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        const parts = [];
        recorder = new MediaRecorder(stream);
        recorder.addEventListener("dataavailable", function (event) { parts.push(event.data); });
        recorder.addEventListener("stop", function () {
          stream.getTracks().forEach(function (track) { track.stop(); });
          const type = (recorder.mimeType || "audio/webm").split(";")[0];
          const extension = type.indexOf("mp4") >= 0 ? "m4a" : type.split("/")[1];
          const files = new DataTransfer();
          files.items.add(new File(parts, "recording." + extension, { type: type }));
          form.querySelector("input[type=file]").files = files.files;
          form.querySelector("[name=text]").value = button.dataset.record;
          recorder = null;
          button.textContent = label;
          form.requestSubmit();
        });
        recorder.start();
        button.textContent = form.dataset.stopLabel;
      });
    });
  });
})();
