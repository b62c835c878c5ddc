/* Service worker of the field pages (scope /field/), so that the phone page of a field
 * record and its assets open without a network, even in a tab opened after going offline.
 *
 * - The shell (field.js, the stylesheet, htmx) is cached when the worker installs and
 *   served from the cache first; the network refreshes it in the background.
 * - Field record pages (/field/records/<id>) go to the network first; a good answer is
 *   kept, and without a network the kept copy is shown. The page then works from its
 *   IndexedDB queue (field.js) and syncs when back online; the server's state wins.
 * - The overview page (/field) asks the worker to fetch and keep the pages of the open
 *   records assigned to the user ("warm"), so those open offline without a prior visit.
 * - Nothing else is touched: the API, other pages and every non-GET request go to the
 *   network as if there were no worker.
 *
 * Versioning: the server replaces __VERSION__ with a hash of this file and of the shell
 * assets (huanjian.field.pages.service_worker), so any change to them changes this
 * script's bytes; the browser then installs the new worker, which takes over at once and
 * deletes the caches of older versions.
 */
"use strict";
const VERSION = "__VERSION__";
const PREFIX = "huanjian-field-";
const CACHE = PREFIX + VERSION;
const SHELL = ["/static/js/field.js", "/static/js/field-offline.js", "/static/css/app.css", "/static/vendor/htmx.min.js"];
const RECORD_PAGE = /^\/field\/records\/\d+$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf(PREFIX) === 0 && k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// A login redirect or an error page must not replace a good copy.
function keep(request, response) {
  if (response.ok && !response.redirected && response.type === "basic") {
    const copy = response.clone();
    caches.open(CACHE).then(function (c) { return c.put(request, copy); });
  }
  return response;
}

function warm(urls) {
  return Promise.all(urls.filter(function (u) { return RECORD_PAGE.test(new URL(u, self.location.origin).pathname); }).map(function (u) {
    const request = new Request(u, { credentials: "same-origin" });
    return fetch(request).then(function (r) { return keep(request, r); }).catch(function () { return null; });
  }));
}

self.addEventListener("message", function (event) {
  const data = event.data || {};
  if (data.type === "warm" && Array.isArray(data.urls)) {
    const reply = event.ports && event.ports[0];
    event.waitUntil(warm(data.urls).then(function () { if (reply) reply.postMessage({ warmed: data.urls.length, cache: CACHE }); }));
  }
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (SHELL.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(url.pathname).then(function (hit) {
      const fresh = fetch(request).then(function (r) { return keep(new Request(url.pathname), r); });
      return hit || fresh;
    }));
  } else if (RECORD_PAGE.test(url.pathname)) {
    const key = new Request(url.pathname);
    event.respondWith(fetch(request).then(function (r) { return keep(key, r); }).catch(function () {
      return caches.match(key).then(function (hit) {
        return hit || new Response("offline: this field record was not kept on this device", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
      });
    }));
  }
});
