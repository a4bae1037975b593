/* The operator's terminal list keeps each armed terminal's screen up to date without reloading: it asks
 * the JSON view named by data-terminal-screens every data-poll-ms and counts the seconds in between.
 * Without this file the page refreshes itself (a <noscript> meta refresh).
 *
 * The JSON says, per armed terminal: id, state (waiting / voting / idle), its label in the operator's
 * language, and the seconds in that state. Nothing a villager chose is ever in it.
 */
(function () {
  "use strict";

  const table = document.querySelector("table[data-terminal-screens]");
  if (!table) {
    return;
  }
  const url = table.dataset.terminalScreens;
  const pollMs = Number(table.dataset.pollMs) || 5000;
  const BADGES = { waiting: "text-bg-light border", voting: "text-bg-primary", idle: "text-bg-warning" };

  const elapsed = function (total) {
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = String(total % 60).padStart(2, "0");
    return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + seconds : minutes + ":" + seconds;
  };

  const show = function (cell, seconds) {
    cell.dataset.screenSeconds = String(seconds);
    cell.textContent = elapsed(seconds);
  };

  const update = function (screens) {
    const shown = Array.from(table.querySelectorAll("[data-screen]"));
    const known = new Set(shown.map((element) => element.dataset.screen));
    // A terminal armed or disarmed elsewhere: the rows themselves changed, so the page is asked again.
    if (screens.length !== known.size || screens.some((screen) => !known.has(String(screen.id)))) {
      window.location.reload();
      return;
    }
    screens.forEach(function (screen) {
      const holder = table.querySelector('[data-screen="' + screen.id + '"]');
      const badge = holder.querySelector("[data-screen-state]");
      if (badge.dataset.screenState !== screen.state) {
        badge.className = "badge " + (BADGES[screen.state] || "text-bg-light border");
        badge.dataset.screenState = screen.state;
      }
      badge.textContent = screen.label;
      show(holder.querySelector("[data-screen-seconds]"), screen.seconds);
    });
  };

  const poll = function () {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data) {
          update(data.terminals);
        }
      })
      .catch(function () {});
  };

  window.setInterval(function () {
    table.querySelectorAll("[data-screen-seconds]").forEach(function (cell) {
      show(cell, Number(cell.dataset.screenSeconds) + 1);
    });
  }, 1000);
  window.setInterval(poll, pollMs);
})();
