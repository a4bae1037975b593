/* The visit form on a phone with a poor signal (meetings/visits/views/log.py: visit_new).
 *
 * The form is sent by fetch with "Accept: application/json". When there is no network (the phone says
 * so, or the request fails), the visit is kept in localStorage and sent when the network returns: on the
 * "online" event, and whenever the page is opened again. Each visit carries a client key (a UUID made
 * here) that the server stores with a unique constraint: a visit sent twice, because an answer was lost
 * on the way, is saved once, and the server answers the second send like the first.
 *
 * Without this script the form is a plain form and works as one. The service worker (visits-worker.js,
 * served at the visit log's own path) keeps a copy of the page and its files, so that the form opens
 * without a signal. No location is asked for, ever.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-offline-queue]");
  if (!form || !window.fetch || !window.FormData || !window.localStorage || !window.JSON) {
    return;
  }
  // One queue per cadre: a phone shared by two cadres never sends one's visit as the other's.
  var STORE = "portal.visits.queue." + (form.dataset.cadre || "");
  var box = document.querySelector(".visit-queue");
  var sending = false;

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function load() {
    try {
      var kept = JSON.parse(window.localStorage.getItem(STORE));
      return Array.isArray(kept) ? kept : [];
    } catch (error) {
      return [];
    }
  }

  function store(queue) {
    window.localStorage.setItem(STORE, JSON.stringify(queue));
  }

  function csrfToken() {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  /* Say what became of the visits: `which` names the line of news to show ("sent", "saved", "kept",
   * "refused"), or none. The count of visits still kept on the phone shows whenever there are some. */
  function show(which) {
    if (!box) { return; }
    var pending = load().length;
    var count = box.querySelector(".visit-queue-count");
    count.hidden = pending === 0;
    count.textContent = pending === 1 ? count.dataset.one : count.dataset.many + " " + pending;
    ["sent", "refused", "saved", "kept"].forEach(function (name) {
      box.querySelector(".visit-queue-" + name).hidden = name !== which;
    });
    box.hidden = pending === 0 && !which;
  }

  /* Put a refused visit back into the form, to be corrected and saved again. */
  function fill(item) {
    form.reset();
    item.fields.forEach(function (pair) {
      var field = form.elements[pair[0]];
      if (!field || typeof pair[1] !== "string") { return; }
      var choices = field.length !== undefined && !field.options ? Array.prototype.slice.call(field) : null;
      if (choices) {
        choices.forEach(function (choice) { if (choice.value === pair[1]) { choice.checked = true; } });
      } else if (field.type === "checkbox") {
        field.checked = true;
      } else {
        field.value = pair[1];
      }
    });
  }

  function readFile(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve({ name: file.name, type: file.type, data: reader.result }); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(file);
    });
  }

  /* The form's fields as a list of [name, value], a photo as a data: URL, so that it fits in storage. */
  function serialize() {
    var fields = [];
    var files = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") { return; }
      if (typeof value === "string") {
        fields.push([name, value]);
      } else if (value && value.size) {
        files.push(readFile(value).then(function (file) { fields.push([name, file]); }));
      }
    });
    return Promise.all(files).then(function () { return { key: form.elements.client_key.value, fields: fields }; });
  }

  function dataUrlToBlob(url) {
    var parts = url.split(",");
    var type = parts[0].split(":")[1].split(";")[0];
    var binary = window.atob(parts[1]);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    return new Blob([bytes], { type: type });
  }

  /* Send one visit: "saved" (201 or 200: saved now, or already), "refused" (400), or "later" (anything
   * else: no network, a server error, a login page after the session ended). */
  function send(item) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken());
    item.fields.forEach(function (pair) {
      if (typeof pair[1] === "string") {
        body.append(pair[0], pair[1]);
      } else {
        body.append(pair[0], dataUrlToBlob(pair[1].data), pair[1].name);
      }
    });
    return window.fetch(form.action || window.location.pathname, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (json && (response.status === 200 || response.status === 201)) { return "saved"; }
      if (json && response.status === 400) { return "refused"; }
      return "later";
    }, function () {
      return "later";
    });
  }

  /* Send the visits kept on the phone, oldest first, one at a time; stop at the first that must wait.
   * A visit the server refuses leaves the queue and comes back into the form, to be corrected. */
  function flush() {
    if (sending || !navigator.onLine || !load().length) { return Promise.resolve(); }
    sending = true;
    var news = "";
    function next() {
      var item = load()[0];
      if (!item) { return Promise.resolve(); }
      return send(item).then(function (result) {
        if (result === "later") { return; }
        store(load().filter(function (kept) { return kept.key !== item.key; }));
        if (result === "refused") {
          fill(item);
          news = "refused";
          return;
        }
        news = news || "sent";
        return next();
      });
    }
    return next().then(function () {
      sending = false;
      show(news);
    });
  }

  function keep(item) {
    var queue = load().filter(function (kept) { return kept.key !== item.key; });
    queue.push(item);
    store(queue);
  }

  function freshForm() {
    form.reset();
    form.elements.client_key.value = newKey();
  }

  form.addEventListener("submit", function (event) {
    if (!form.elements.client_key) { return; }
    event.preventDefault();
    serialize().then(function (item) {
      var attempt = navigator.onLine ? send(item) : Promise.resolve("later");
      return attempt.then(function (result) {
        if (result === "refused") {
          // The server has the errors to show on the form: let the browser send it as a plain form.
          form.submit();
          return;
        }
        if (result === "later") {
          try {
            keep(item);
          } catch (error) {
            window.alert(box ? box.querySelector(".visit-queue-kept").textContent : String(error));
            return;
          }
          freshForm();
          show("kept");
          return;
        }
        freshForm();
        show("saved");
        return flush();
      });
    });
  });

  // Every page of the form starts a visit of its own, even one opened from the phone's copy of the page.
  form.elements.client_key.value = newKey();
  window.addEventListener("online", flush);
  show("");
  flush();

  if ("serviceWorker" in navigator && form.dataset.worker) {
    navigator.serviceWorker.register(form.dataset.worker, { scope: form.dataset.scope }).catch(function () {});
  }
})();
