/* The shared terminal's extras. Everything works without this file; with it, the code has an on-screen
 * keypad and, where the device has a camera and the browser the BarcodeDetector API, a QR scanner;
 * an idle ballot asks "still voting?" and is cleared; the receipt hides itself and the screen resets.
 *
 * Timings come from data attributes on #kiosk (milliseconds), which the page sets from the settings
 * whenever it has the timer; they are read each time a timer starts: data-idle-ms, data-idle-grace-ms,
 * data-receipt-ms, data-heartbeat-ms.
 *
 * While "still voting?" shows, #kiosk (every choice on the page) is hidden, not merely covered: the
 * next person in the queue sees the question and nothing else. The heartbeat tells the server what
 * the screen shows (waiting, voting, idle: data-state, and data-clears, the terminal's count of clears
 * when the ballot began); when the server answers that the ballot was cleared (by the operator), the
 * screen goes back to the welcome page.
 */
(function () {
  "use strict";

  const root = document.getElementById("kiosk");
  if (!root) {
    return;
  }

  // A page restored from the back/forward cache was never asked of the server: ask it now, so that
  // what it shows is what the server says (after a reset: nothing of the previous villager).
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.reload();
    }
  });

  function duration(name) {
    return Number(root.dataset[name]);
  }

  function clearBallot(reason) {
    const form = document.getElementById(root.dataset.resetForm || "kiosk-reset");
    if (form) {
      if (reason) {
        // Why the screen clears itself, for the audit log ("idle"); nothing of the ballot.
        const field = document.createElement("input");
        field.type = "hidden";
        field.name = "reason";
        field.value = reason;
        form.append(field);
      }
      form.submit();
    }
  }

  // --- heartbeat: what the screen shows, and whether its ballot was cleared meanwhile -------------

  let screenState = root.dataset.state || "waiting";
  let leaving = false;

  const goHome = function () {
    if (!leaving) {
      leaving = true;
      window.location.replace(root.dataset.homeUrl);
    }
  };

  const beat = function () {
    if (!root.dataset.heartbeatUrl || leaving) {
      return;
    }
    const form = document.getElementById(root.dataset.resetForm || "kiosk-reset");
    const token = form && form.elements.csrfmiddlewaretoken ? form.elements.csrfmiddlewaretoken.value : "";
    const body = new URLSearchParams({ state: screenState });
    if (root.dataset.clears) {
      body.set("clears", root.dataset.clears);
    }
    fetch(root.dataset.heartbeatUrl, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": token },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        if (response.status === 403) {
          return { current: false }; // disarmed, or a token from before a reset: the server decides anew
        }
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (answer && answer.current === false) {
          goHome();
        }
      })
      .catch(function () {});
  };

  const report = function (state) {
    screenState = state;
    beat();
  };

  if (root.dataset.heartbeatUrl && root.dataset.heartbeatMs) {
    window.setInterval(beat, duration("heartbeatMs"));
  }

  // --- idle: "still voting?", then clear ------------------------------------------------------

  const idleDialog = document.getElementById("kiosk-idle");
  if (idleDialog && root.dataset.idleMs) {
    const countdown = idleDialog.querySelector("[data-idle-countdown]");
    let idleTimer = null;
    let graceTimer = null;
    let ticker = null;

    const arm = function () {
      window.clearTimeout(idleTimer);
      idleTimer = window.setTimeout(ask, duration("idleMs"));
    };

    const ask = function () {
      const grace = duration("idleGraceMs");
      const deadline = Date.now() + grace;
      const tick = function () {
        if (countdown) {
          countdown.textContent = String(Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
        }
      };
      tick();
      ticker = window.setInterval(tick, 250);
      graceTimer = window.setTimeout(function () {
        clearBallot("idle");
      }, grace);
      // The choices leave the screen while the question is asked: hidden, and out of reach of a finger.
      root.hidden = true;
      root.inert = true;
      if (root.dataset.state === "voting") {
        report("idle");
      }
      if (typeof idleDialog.showModal === "function") {
        idleDialog.showModal();
      } else {
        idleDialog.setAttribute("open", "");
      }
    };

    const stillHere = function () {
      window.clearTimeout(graceTimer);
      window.clearInterval(ticker);
      if (idleDialog.open) {
        idleDialog.close();
      }
      root.hidden = false;
      root.inert = false;
      if (screenState === "idle") {
        report("voting");
      }
      arm();
    };

    idleDialog.querySelector("[data-idle-continue]").addEventListener("click", stillHere);
    idleDialog.querySelector("[data-idle-reset]").addEventListener("click", function () {
      clearBallot("");
    });
    // Escape closes a modal dialog: that is an answer too.
    idleDialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      stillHere();
    });
    ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (type) {
      document.addEventListener(
        type,
        function () {
          if (!idleDialog.open) {
            arm();
          }
        },
        { passive: true, capture: true },
      );
    });
    arm();
  }

  // --- receipt: hide it, then reset for the next villager ---------------------------------------

  if (root.dataset.receiptMs) {
    window.setTimeout(function () {
      root.querySelectorAll("[data-receipt]").forEach(function (element) {
        element.hidden = true;
      });
      clearBallot("");
    }, duration("receiptMs"));
  }

  // --- welcome: show the page in the language and size being chosen -----------------------------

  const welcome = root.querySelector("form[data-welcome]");
  if (welcome) {
    welcome.querySelectorAll("input[data-preview]").forEach(function (input) {
      input.addEventListener("change", function () {
        const data = new FormData(welcome);
        const query = new URLSearchParams({
          language: data.get("language") || "",
          text_size: data.get("text_size") || "",
        });
        if (data.get("listening")) {
          query.set("listening", data.get("listening")); // the spoken ballot reads the page again
        }
        window.location.replace(window.location.pathname + "?" + query.toString());
      });
    });
  }

  // --- the code: keypad and QR scanner -----------------------------------------------------------

  const codeInput = document.getElementById("id_code");
  const keypad = root.querySelector("[data-keypad]");
  // Crockford's reading of what may be typed: lower case, O for 0, I and L for 1; no separators.
  const normalize = function (text) {
    return text
      .toUpperCase()
      .replace(/O/g, "0")
      .replace(/[IL]/g, "1")
      .replace(/[^0-9A-HJKMNP-TV-Z]/g, "");
  };
  const grouped = function (symbols) {
    return symbols.length > 5 ? symbols.slice(0, 5) + "-" + symbols.slice(5) : symbols;
  };
  const CODE_SYMBOLS = 10;

  if (codeInput && keypad) {
    keypad.hidden = false;
    const setCode = function (symbols) {
      codeInput.value = grouped(symbols.slice(0, CODE_SYMBOLS + 2));
    };
    keypad.addEventListener("click", function (event) {
      const button = event.target.closest("button");
      if (!button) {
        return;
      }
      const symbols = normalize(codeInput.value);
      if (button.dataset.key) {
        setCode(symbols + button.dataset.key);
      } else if (button.hasAttribute("data-keypad-delete")) {
        setCode(symbols.slice(0, -1));
      } else if (button.hasAttribute("data-keypad-clear")) {
        setCode("");
      }
    });
  }

  const scanButton = root.querySelector("[data-qr-scan]");
  const scanDialog = document.getElementById("kiosk-qr");
  if (codeInput && scanButton && scanDialog && "BarcodeDetector" in window && navigator.mediaDevices) {
    window.BarcodeDetector.getSupportedFormats()
      .then(function (formats) {
        if (formats.indexOf("qr_code") >= 0) {
          scanButton.hidden = false;
        }
      })
      .catch(function () {});

    const video = scanDialog.querySelector("video");
    const status = scanDialog.querySelector("[data-qr-status]");
    let stream = null;
    let scanning = false;

    const stopCamera = function () {
      scanning = false;
      if (stream) {
        stream.getTracks().forEach(function (track) {
          track.stop();
        });
        stream = null;
      }
    };
    const stop = function () {
      stopCamera();
      if (scanDialog.open) {
        scanDialog.close();
      }
    };

    // The slip's QR code holds the code itself; a link with ?code=… is read too.
    const codeFrom = function (raw) {
      try {
        const url = new URL(raw);
        return normalize(url.searchParams.get("code") || url.pathname.split("/").filter(Boolean).pop() || "");
      } catch (error) {
        return normalize(raw);
      }
    };

    scanButton.addEventListener("click", function () {
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      status.textContent = "";
      scanDialog.showModal();
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          scanning = true;
          return video.play();
        })
        .then(function scan() {
          if (!scanning) {
            return undefined;
          }
          return detector.detect(video).then(function (found) {
            const symbols = found.length ? codeFrom(found[0].rawValue) : "";
            if (symbols.length === CODE_SYMBOLS) {
              stop();
              codeInput.value = grouped(symbols);
              codeInput.form.requestSubmit();
              return undefined;
            }
            return new Promise(function (resolve) {
              window.setTimeout(resolve, 200);
            }).then(scan);
          });
        })
        .catch(function () {
          stopCamera();
          status.textContent = scanButton.dataset.unavailable || "";
        });
    });
    scanDialog.querySelector("[data-qr-cancel]").addEventListener("click", stop);
    scanDialog.addEventListener("close", stop);
  }

  // --- the address keeps nothing of the villager ------------------------------------------------
  // The welcome page's preview and the code page carry the language and text size in their query
  // (?language=ug&text_size=large); the page itself keeps them in its form. Dropped from the address
  // once shown, so that the next villager's Back does not bring back the previous one's choices.

  if (window.location.search) {
    window.history.replaceState(null, "", window.location.pathname);
  }
})();
