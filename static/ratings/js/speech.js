/* The spoken ballot (ratings.speech): a villager who reads little hears each screen.
 * - "Listen" reads what the screen shows, in the page's language: the elements marked data-say, in
 *   order, and a receipt spelled symbol by symbol (data-say-spell). From then on every screen the
 *   ballot moves to is read as it shows, and a grade is said when it takes the focus, before it is chosen.
 * - "Repeat" says again what was said last; "Slower" plays at three quarters of the speed.
 * - On the code screen (the kiosk's, the phone's start), once listening, each symbol of the code is said
 *   as it is typed or its key pressed, and a key when the keyboard's focus reaches it.
 * - A language's button (data-say-language) says the language's name in that language, when the
 *   keyboard's focus reaches it (even before "Listen": it is how a villager who does not read picks
 *   theirs) and among the screen's texts.
 * - A refusal or an alert (the code's, a line missing on the ballot) is said as it appears. An element
 *   whose data-say has a value says that value instead of its text (a lockout's wait, in seconds).
 * - "Listen" pressed on one screen carries to the next one (the welcome, the code screen, a refused
 *   code): the forms' data-listening-field says so to the server, which marks the next page's bar
 *   data-listening, and that page reads itself as it shows, its refusal first.
 * Nothing is fetched before "Listen": then the list of clips (text → audio file), once, and the clips
 * of what is said (every symbol at once, the first time one is spelled: see symbolsFetched). What is queued is kept in data-queue, and data-state says playing, done or error.
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
  let quiet = false;

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

  // What an element says: its data-say's value if it has one, else its text.
  function spoken(element) {
    return element.dataset.say || text(element);
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
    const elements = Array.from(scope.querySelectorAll("[data-say], [data-say-spell], [data-say-language]"));
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
      } else if (spoken(element)) {
        texts.push(spoken(element));
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

  // A symbol spelled out (a receipt, a code typed key by key) would otherwise be fetched in its order,
  // and a server's access log would keep that order. So the first time a symbol is to be said, every
  // symbol the list knows is fetched, in one fixed order, and kept in the page; a symbol is then played
  // from what was kept (an audio element asks the server again, even for a clip the browser holds).
  let alphabet = null;
  let kept = {};

  function symbolsFetched(known, texts) {
    if (alphabet || !texts.some(function (one) { return one.length === 1; })) {
      return alphabet || Promise.resolve();
    }
    const symbols = Object.keys(known).filter(function (one) { return one.length === 1; }).sort();
    alphabet = Promise.all(symbols.map(function (symbol) {
      return fetch(known[symbol], { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.blob();
      }).then(function (clip) {
        kept[known[symbol]] = URL.createObjectURL(clip);
      });
    })).catch(function () {});
    return alphabet;
  }

  function say(texts) {
    return load().then(function (known) {
      return symbolsFetched(known, texts).then(function () { return known; });
    }).then(function (known) {
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
        const audio = new Audio(kept[address] || address);
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
          // A queue stopped by a newer one rejects its play() (AbortError): not an error of what plays.
          if (queue === playing) {
            bar.dataset.state = "error";
          }
        });
      }
      next(0);
    }).catch(function () {
      bar.dataset.state = "error";
      status.textContent = status.dataset.none;
    });
  }

  function listen() {
    active = true;
    document.querySelectorAll("[data-listening-field]").forEach(function (field) {
      field.value = "1";
    });
  }

  // The alerts the screen shows now (a refused code), each as it says itself.
  function alertTexts() {
    return Array.from(document.querySelectorAll("[role=alert] [data-say]")).filter(shown).map(spoken);
  }

  bar.addEventListener("click", function (event) {
    if (event.target.closest("[data-listen]")) {
      listen();
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

  // A language's button says its own name in its own voice: the clip of each language's name is in
  // every language's list. The welcome's buttons are radios whose labels carry the name.
  function languageName(element) {
    if (element.matches("[data-say-language]")) {
      return text(element);
    }
    const label = element.id && document.querySelector("label[for='" + element.id + "'][data-say-language]");
    return label ? text(label) : "";
  }
  document.addEventListener("focusin", function (event) {
    const name = languageName(event.target);
    if (name && !quiet && (active || event.target.matches(":focus-visible"))) {
      say([name]);
    }
  });

  if (form) {
    // A line left unanswered: ballot.js shows the alert and puts the focus on the line's first grade.
    form.addEventListener("ballot:missing", function () {
      const alert = form.querySelector("[data-screen]:not([hidden]) [data-missing-alert]");
      const focused = document.activeElement;
      const grade = focused && focused.id ? form.querySelector("label[for='" + focused.id + "'] [data-say]") : null;
      if (active && alert) {
        say([spoken(alert)].concat(grade ? [text(grade)] : []));
      }
    });
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

  // Listen was pressed on the screen before: this one reads itself, its refusal first.
  if (bar.hasAttribute("data-listening")) {
    // The welcome shown again in the language just chosen: the keyboard stays on the languages.
    const chosen = document.querySelector("form[data-welcome] input[name=language]:checked");
    if (chosen) {
      quiet = true; // the screen is about to be read, its name among it
      chosen.focus({ preventScroll: true });
      quiet = false;
    }
    listen();
    const alerts = alertTexts();
    say(alerts.length ? alerts : screenTexts());
  }
})();
