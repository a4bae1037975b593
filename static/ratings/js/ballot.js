/* The one-request ballot (ratings.ballot.page), on a terminal or a phone. Without this file the ballot
 * is one long form; with it:
 * - one screen at a time: each cadre, each household to evaluate (agree, disagree, abstain), the
 *   households to nominate, the review; moving between them asks nothing of
 *   the server, and "Next" on a cadre waits until every line has an answer;
 * - "Same answer on every line" sets a cadre's lines with one tap, which the villager then adjusts;
 *   nothing is ever chosen without a tap;
 * - the households are found in the page (the village's list is in it) and added as hidden fields;
 * - the review is built from the choices, each with "Change", and only it shows the cast button.
 * The form is sent once, at the cast; the server checks everything again.
 */
(function () {
  "use strict";

  const form = document.querySelector("form[data-ballot]");
  if (!form) {
    return;
  }
  const screens = Array.from(form.querySelectorAll("[data-screen]"));
  const cast = form.querySelector("[data-cast]");
  const review = form.querySelector("[data-screen='review']");
  const households = JSON.parse(document.getElementById("ballot-households").textContent);
  const byId = new Map(households.map(function (household) { return [String(household.id), household]; }));
  let current = 0;
  let fromReview = false;

  // A page restored from the back/forward cache was never asked of the server: ask it now, so that
  // after a cast or a clear nothing of the ballot shows again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.reload();
    }
  });

  form.classList.add("ballot-paged");
  form.querySelectorAll("[data-nav], [data-same], [data-search]").forEach(function (element) {
    element.hidden = false;
  });
  const numbers = form.querySelector("[data-numbers]");
  if (numbers) {
    // Typed numbers are the form without JavaScript; here households are picked from the list.
    numbers.hidden = true;
    numbers.querySelectorAll("input").forEach(function (input) { input.disabled = true; });
  }

  // --- screens ---------------------------------------------------------------------------------

  function show(index, focus) {
    current = Math.max(0, Math.min(index, screens.length - 1));
    screens.forEach(function (screen, position) {
      screen.hidden = position !== current;
    });
    const screen = screens[current];
    cast.hidden = screen !== review;
    if (screen === review) {
      buildReview();
    }
    screen.querySelectorAll("[data-next]").forEach(function (button) {
      if (button.dataset.nextLabel) {
        button.textContent = fromReview ? button.dataset.reviewLabel : button.dataset.nextLabel;
      }
    });
    const back = screen.querySelector("[data-back]");
    if (back) {
      back.hidden = current === 0 && !fromReview;
    }
    window.scrollTo(0, 0);
    if (focus) {
      const heading = screen.querySelector("h2");
      if (heading) {
        heading.focus({ preventScroll: true });
      }
      // The spoken ballot (speech.js) reads the new screen.
      form.dispatchEvent(new CustomEvent("ballot:screen"));
    }
  }

  function unanswered(screen) {
    return Array.from(screen.querySelectorAll("[data-line]")).filter(function (line) {
      return !line.querySelector("input:checked");
    });
  }

  function markMissing(screen) {
    const missing = unanswered(screen);
    screen.querySelectorAll("[data-line]").forEach(function (line) {
      line.classList.toggle("ballot-line-missing", missing.indexOf(line) >= 0);
    });
    const alert = screen.querySelector("[data-missing-alert]");
    if (alert) {
      alert.hidden = missing.length === 0;
      alert.setAttribute("role", "alert");
    }
    return missing;
  }

  form.addEventListener("click", function (event) {
    const next = event.target.closest("[data-next]");
    const back = event.target.closest("[data-back]");
    const same = event.target.closest("[data-same-grade]");
    const change = event.target.closest("[data-change]");
    if (next) {
      const screen = screens[current];
      const missing = markMissing(screen);
      if (missing.length) {
        const first = missing[0].querySelector("input");
        if (first) {
          first.focus();
        }
        // The spoken ballot (speech.js) says the alert, then the grade under the focus.
        form.dispatchEvent(new CustomEvent("ballot:missing"));
        return;
      }
      if (fromReview) {
        fromReview = false;
        show(screens.indexOf(review), true);
      } else {
        show(current + 1, true);
      }
    } else if (back) {
      if (fromReview) {
        fromReview = false;
        show(screens.indexOf(review), true);
      } else {
        show(current - 1, true);
      }
    } else if (same) {
      const screen = same.closest("[data-screen]");
      screen.querySelectorAll("input[type=radio][value='" + same.dataset.sameGrade + "']").forEach(function (radio) {
        radio.checked = true;
      });
      markMissing(screen);
    } else if (change) {
      fromReview = true;
      show(Number(change.dataset.target), true);
    }
  });

  // Once a screen says a line is missing (after "Next", or as the server sent it back), every answer
  // checks again, so that the alert and the red lines go as soon as the last gap is filled.
  form.addEventListener("change", function (event) {
    const line = event.target.closest("[data-line]");
    if (!line) {
      return;
    }
    const screen = line.closest("[data-screen]");
    const alert = screen.querySelector("[data-missing-alert]");
    if (line.classList.contains("ballot-line-missing") || (alert && !alert.hidden)) {
      markMissing(screen);
    }
  });

  // --- households ------------------------------------------------------------------------------

  const search = form.querySelector("[data-search]");
  const limit = search ? Number(search.dataset.limit) : 0;

  function chosenIds() {
    return Array.from(form.querySelectorAll("input[data-chosen-household]")).map(function (input) {
      return input.value;
    });
  }

  function row(household, label, action) {
    const item = search.querySelector("template[data-row]").content.firstElementChild.cloneNode(true);
    item.querySelector("[data-number]").textContent = household.number;
    item.querySelector("[data-names]").textContent = household.names.join(" · ");
    const button = item.querySelector("[data-act]");
    button.textContent = label + " ";
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = household.number;
    button.append(hidden);
    button.classList.add(action === "add" ? "kiosk-btn-primary" : "kiosk-btn-secondary");
    button.dataset.household = household.id;
    button.dataset.action = action;
    return item;
  }

  function renderHouseholds() {
    if (!search) {
      return;
    }
    const ids = chosenIds();
    const title = search.querySelector("[data-chosen-title]");
    title.textContent = title.dataset.template.replace("%(chosen)s", ids.length).replace("%(limit)s", limit);
    const list = search.querySelector("[data-chosen]");
    list.replaceChildren();
    ids.forEach(function (id) {
      const household = byId.get(id);
      if (household) {
        list.append(row(household, search.querySelector("[data-remove-label]").textContent, "remove"));
      }
    });
    const full = ids.length >= limit;
    search.querySelector("[data-full]").hidden = !full;
    search.querySelector("[data-finder]").hidden = full;
    renderResults();
  }

  function renderResults() {
    const query = search.querySelector("[data-query]").value.trim().toLowerCase();
    const results = search.querySelector("[data-results]");
    results.replaceChildren();
    const ids = chosenIds();
    if (!query) {
      search.querySelector("[data-no-match]").hidden = true;
      return;
    }
    const matches = households.filter(function (household) {
      return ids.indexOf(String(household.id)) < 0 && (
        household.number.toLowerCase().indexOf(query) >= 0 ||
        household.names.some(function (name) { return name.toLowerCase().indexOf(query) >= 0; })
      );
    }).slice(0, 8);
    matches.forEach(function (household) {
      results.append(row(household, search.querySelector("[data-add-label]").textContent, "add"));
    });
    search.querySelector("[data-no-match]").hidden = matches.length > 0;
  }

  if (search) {
    search.querySelector("[data-query]").addEventListener("input", renderResults);
    search.addEventListener("click", function (event) {
      const button = event.target.closest("[data-act]");
      if (!button) {
        return;
      }
      if (button.dataset.action === "add" && chosenIds().length < limit) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = "household";
        input.value = button.dataset.household;
        input.dataset.chosenHousehold = "";
        search.after(input);
        search.querySelector("[data-query]").value = "";
      } else if (button.dataset.action === "remove") {
        form.querySelectorAll("input[data-chosen-household]").forEach(function (input) {
          if (input.value === button.dataset.household) {
            input.remove();
          }
        });
      }
      renderHouseholds();
    });
    renderHouseholds();
  }

  // --- review ----------------------------------------------------------------------------------

  function buildReview() {
    const place = review.querySelector("[data-review]");
    place.replaceChildren();
    screens.forEach(function (screen, index) {
      // A cadre's lines and a household's answer are reviewed alike: the name, then each line's answer.
      if (screen.dataset.screen !== "cadre" && screen.dataset.screen !== "proposal") {
        return;
      }
      const panel = review.querySelector("template[data-review-cadre]").content.firstElementChild.cloneNode(true);
      const name = screen.querySelector("h2").textContent;
      panel.querySelector("[data-name]").textContent = name;
      const button = panel.querySelector("[data-change]");
      button.dataset.target = index;
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " " + name;
      button.append(hidden);
      const answers = panel.querySelector("[data-answers]");
      screen.querySelectorAll("[data-line]").forEach(function (line) {
        const term = document.createElement("dt");
        term.textContent = line.querySelector(".ballot-line-name").textContent;
        term.dataset.say = "";
        const value = document.createElement("dd");
        const checked = line.querySelector("input:checked");
        const label = checked ? form.querySelector("label[for='" + checked.id + "']") : null;
        value.className = "kiosk-grade-chip " + (label ? label.className.replace("ballot-grade", "") : "");
        value.textContent = label ? label.textContent.trim() : "—";
        value.dataset.say = "";
        const pair = document.createElement("div");
        pair.className = "kiosk-answer";
        pair.append(term, value);
        answers.append(pair);
      });
      place.append(panel);
    });
    if (search) {
      const panel = review.querySelector("template[data-review-households]").content.firstElementChild.cloneNode(true);
      panel.querySelector("[data-change]").dataset.target = screens.indexOf(search.closest("[data-screen]"));
      const list = panel.querySelector("[data-list]");
      chosenIds().forEach(function (id) {
        const household = byId.get(id);
        if (household) {
          const item = document.createElement("li");
          item.className = "kiosk-list-item";
          item.textContent = household.number + " — " + household.names.join(" · ");
          item.dataset.say = "";
          list.append(item);
        }
      });
      panel.querySelector("[data-none]").hidden = list.children.length > 0;
      place.append(panel);
    }
  }

  form.addEventListener("submit", function (event) {
    // Only the review casts. Enter in a field (the household search on a terminal with a keyboard, a
    // grade chosen with the keyboard) submits the form too: from any other screen, that sends nothing.
    if (screens[current] !== review) {
      event.preventDefault();
      return;
    }
    // One ballot, one request: a second tap on "Cast" while the first is on its way sends nothing.
    cast.querySelectorAll("button").forEach(function (button) {
      button.disabled = true;
    });
  });

  // A ballot sent back by the server (a line unanswered) opens on the first cadre with a gap.
  const missing = screens.findIndex(function (screen) { return screen.classList.contains("ballot-missing"); });
  screens.forEach(function (screen) {
    if (screen.classList.contains("ballot-missing")) {
      markMissing(screen);  // its unanswered lines in red, as after "Next"
    }
  });
  show(missing >= 0 ? missing : 0, missing >= 0);
})();
