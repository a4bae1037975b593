/* The visit form's service worker (served by meetings/visits/views/log.py at the visit log's path).
 *
 * It keeps a copy of the pages of the visit log a cadre opened and of the site's static files, and
 * answers with that copy when there is no network, so that the visit form opens without a signal.
 * The network is always tried first: a page is never older than the last one seen online. Forms are
 * never touched: a POST goes to the network as it is (the page's script keeps a visit that could not
 * be sent, visits.js).
 */
"use strict";

var CACHE = "portal-visits-v1";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function keepable(request, response) {
  if (!response || !response.ok || response.redirected || response.type !== "basic") { return false; }
  var url = new URL(request.url);
  var scope = new URL(self.registration.scope);
  return url.pathname.indexOf(scope.pathname) === 0 || url.pathname.indexOf("/static/") !== -1;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) { return; }
  event.respondWith(
    fetch(request).then(function (response) {
      if (keepable(request, response)) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
      }
      return response;
    }).catch(function (error) {
      return caches.match(request, { ignoreSearch: request.mode === "navigate" }).then(function (kept) {
        if (kept) { return kept; }
        throw error;
      });
    })
  );
});
