/* The spoken ballot (ratings.speech): a villager who reads little hears each screen.
 * - "Listen" reads what the screen shows, in the page's language: the elements marked data-say, in
 *   order, and a receipt spelled symbol by symbol (data-say-spell). From then on every screen the
 *   ballot moves to is read as it shows, and a grade is said when it takes the focus, before it is chosen.
 * - "Repeat" says again what was said last; "Slower" plays at three quarters of the speed.
 * - On the code screen (the kiosk's, the phone's start), once listening, each symbol of the code is said
 *   as it is typed or its key pressed, and a key when the keyboard's focus reaches it.
 * Nothing is fetched before "Listen": then the list of clips (text → audio file), once, and the clips
 * of what is said. What is queued is kept in data-queue, and data-state says playing, done or error.
 */
(function () {
  "use strict";

  const bar = document.querySelector("[data-speech]");
  if (!bar || !window.Audio) {
    return;
  }
  bar.hidden = false;
  const form = document.querySelector("form[data-ballot]");
  const status = bar.querySelector("[data-speech-status]");
  const slower = bar.querySelector("[data-slower]");
  let clips = null;
  let playing = [];
  let said = [];
  let active = false;

  function load() {
    if (clips) {
      return Promise.resolve(clips);
    }
    return fetch(bar.dataset.speech, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        clips = data.clips;
        return clips;
      });
  }

  function text(element) {
    return element.textContent.replace(/\s+/g, " ").trim();
  }

  function shown(element) {
    return element.getClientRects().length > 0;
  }

  // What the screen shown now says: its marked elements in order; on the review, the cast too.
  function screenTexts() {
    let scope = document.querySelector("main");
    if (form) {
      scope = form.querySelector("[data-screen]:not([hidden])") || form;
    }
    const elements = Array.from(scope.querySelectorAll("[data-say], [data-say-spell]"));
    if (form && scope.dataset.screen === "review") {
      elements.push.apply(elements, form.querySelectorAll("[data-cast] [data-say]"));
    }
    const texts = [];
    elements.filter(shown).forEach(function (element) {
      if (element.hasAttribute("data-say-spell")) {
        Array.from(text(element)).forEach(function (symbol) {
          if (symbol.trim() && symbol !== "-") {
            texts.push(symbol);
          }
        });
      } else if (text(element)) {
        texts.push(text(element));
      }
    });
    return texts;
  }

  function stop() {
    playing.forEach(function (audio) {
      audio.pause();
    });
    playing = [];
  }

  function rate() {
    return slower.getAttribute("aria-pressed") === "true" ? 0.75 : 1;
  }

  function say(texts) {
    return load().then(function (known) {
      stop();
      said = texts;
      const addresses = texts.map(function (one) { return known[one]; }).filter(Boolean);
      bar.dataset.queue = addresses.join(" ");
      if (!addresses.length) {
        bar.dataset.state = "error";
        status.textContent = status.dataset.none;
        return;
      }
      // Every clip is asked for at once, so that one follows another without a gap.
      playing = addresses.map(function (address) {
        const audio = new Audio(address);
        audio.preload = "auto";
        return audio;
      });
      const queue = playing;
      bar.dataset.state = "playing";
      function next(index) {
        if (queue !== playing) {
          return;
        }
        if (index >= queue.length) {
          bar.dataset.state = "done";
          return;
        }
        const audio = queue[index];
        audio.playbackRate = rate();
        audio.onended = function () { next(index + 1); };
        audio.onerror = function () { next(index + 1); };
        audio.play().catch(function () {
          bar.dataset.state = "error";
        });
      }
      next(0);
    }).catch(function () {
      bar.dataset.state = "error";
      status.textContent = status.dataset.none;
    });
  }

  bar.addEventListener("click", function (event) {
    if (event.target.closest("[data-listen]")) {
      active = true;
      say(screenTexts());
    } else if (event.target.closest("[data-repeat]")) {
      say(said.length ? said : screenTexts());
    } else if (event.target.closest("[data-slower]")) {
      slower.setAttribute("aria-pressed", String(rate() === 1));
      playing.forEach(function (audio) { audio.playbackRate = rate(); });
    }
  });

  // The code screen: a villager who cannot read hears each symbol as it goes in. Typed symbols are
  // read as Crockford reads them (kiosk.js): lower case, O for 0, I and L for 1.
  const codeField = form ? null : document.getElementById("id_code");
  if (codeField) {
    const symbolOf = function (typed) {
      const symbol = typed.toUpperCase().replace("O", "0").replace(/[IL]/, "1");
      return /^[0-9A-HJKMNP-TV-Z]$/.test(symbol) ? symbol : "";
    };
    const keyWord = function (button) {
      return button.dataset.key || text(button);
    };
    codeField.addEventListener("input", function (event) {
      const symbol = active && event.data ? symbolOf(event.data.slice(-1)) : "";
      if (symbol) {
        say([symbol]);
      }
    });
    const keypad = document.querySelector("[data-keypad]");
    if (keypad) {
      keypad.addEventListener("click", function (event) {
        const button = event.target.closest("button");
        if (active && button) {
          say([keyWord(button)]);
        }
      });
      keypad.addEventListener("focusin", function (event) {
        if (active && event.target.matches("button:focus-visible")) {
          say([keyWord(event.target)]);
        }
      });
    }
  }

  if (form) {
    form.addEventListener("ballot:screen", function () {
      if (active) {
        say(screenTexts());
      }
    });
    // A grade under the finger or the keyboard's focus is said before it is chosen.
    form.addEventListener("focusin", function (event) {
      if (!active || !event.target.matches("input[type=radio]")) {
        return;
      }
      const word = form.querySelector("label[for='" + event.target.id + "'] [data-say]");
      if (word) {
        say([text(word)]);
      }
    });
  }
})();
