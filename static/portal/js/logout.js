/* Logging out clears the pages the visit log's service worker kept (static/meetings/js/visits-worker.js),
 * so that the next person on a shared phone cannot open them without a signal. The visits written
 * offline and not yet sent stay: they are the cadre's own queue (visits.js), sent at their next login.
 */
(function () {
  "use strict";

  var KEPT_PAGES = "portal-visits-v1";

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-logout]");
    if (!form || !window.caches || form.dataset.cleared) {
      return;
    }
    event.preventDefault();
    window.caches.delete(KEPT_PAGES).catch(function () {}).then(function () {
      form.dataset.cleared = "1";
      form.submit();
    });
  });
})();
