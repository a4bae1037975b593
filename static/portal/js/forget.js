/* On a page seen without a staff login (the page a logout lands on, the login page), the visit log's
 * pages that its service worker kept on this phone (static/meetings/js/visits-worker.js) are deleted,
 * so that the next person on a shared phone cannot open them without a signal. The visits written
 * offline and not sent yet stay: they are the cadre's own queue (visits.js), sent at the next login.
 */
(function () {
  "use strict";

  if (window.caches) {
    window.caches.delete("portal-visits-v1").catch(function () {});
  }
})();
