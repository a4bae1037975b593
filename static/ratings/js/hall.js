/* The hall's projector steps from screen to screen without reloading: by its buttons, by the arrow keys
 * (the key on the side of the button: in Uyghur, right to left, the left arrow goes forward), by Page
 * Up / Page Down and the space bar (what a presenter's clicker sends), Home and End. The address keeps
 * ?slide=N, so that a reload or the language switch stays on the screen shown. Without this file the
 * buttons are plain links to ?slide=N.
 */
(function () {
  "use strict";

  const fullscreen = document.querySelector("[data-hall-fullscreen]");
  if (fullscreen && document.fullscreenEnabled) {
    fullscreen.hidden = false;
    fullscreen.addEventListener("click", function () {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        document.documentElement.requestFullscreen();
      }
    });
  }

  const screens = Array.from(document.querySelectorAll("[data-hall-screen]"));
  if (screens.length < 2) {
    return;
  }
  const rtl = document.documentElement.dir === "rtl";
  const languageNext = document.querySelector(".language-switch input[name=next]");

  const current = function () {
    const shown = screens.findIndex((screen) => !screen.hidden);
    return shown < 0 ? 1 : shown + 1;
  };

  const show = function (number) {
    if (number < 1 || number > screens.length || number === current()) {
      return;
    }
    screens.forEach(function (screen, index) {
      screen.hidden = index + 1 !== number;
    });
    const address = new URL(window.location.href);
    address.searchParams.set("slide", String(number));
    window.history.replaceState(null, "", address);
    if (languageNext) {
      languageNext.value = address.pathname + address.search;
    }
    // The screen's heading takes the focus, so that a screen reader says where the hall is now.
    const heading = screens[number - 1].querySelector("[tabindex='-1']");
    if (heading) {
      heading.focus({ preventScroll: true });
    }
  };

  document.addEventListener("click", function (event) {
    const link = event.target.closest("[data-hall-step]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    show(Number(link.dataset.hallStep));
  });

  const STEPS = {
    PageDown: 1,
    PageUp: -1,
    ArrowRight: rtl ? -1 : 1,
    ArrowLeft: rtl ? 1 : -1,
    " ": 1,
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) {
      return;
    }
    // A focused button or link answers the space bar (and Enter) itself.
    if (event.key === " " && event.target.closest("button, a, input, select, textarea")) {
      return;
    }
    let target = null;
    if (event.key in STEPS) {
      target = current() + (event.shiftKey && event.key === " " ? -1 : STEPS[event.key]);
    } else if (event.key === "Home") {
      target = 1;
    } else if (event.key === "End") {
      target = screens.length;
    }
    if (target !== null) {
      event.preventDefault();
      show(target);
    }
  });
})();
