// The service worker (served as /sw.js, controlling /q/): the questions keep working without
// the network.
//
// - A question page is fetched from the network first; the last one of each questionnaire is
//   kept (under /q/ID/) while the network is there. Without the network (or when the server
//   answers 5xx) any page of that questionnaire shows this copy, marked data-source=
//   "offline-copy": static/js/answer.js then opens it at the first unanswered question and
//   queues the answers.
// - Any other page of /q/ shows the offline page in the participant's language (kept under
//   /q/utan-nat by static/js/offline.js).
// - Static files have content-hashed URLs (?v=): served from the cache, fetched once.
// Nothing else (staff pages, saves, other origins) passes through here. The copies hold the
// participant's answers: static/js/offline.js deletes them when the questionnaire is sent in
// and when the tablet is handed back.
"use strict";

var PAGES = "stegvis-pages";
var STATIC = "stegvis-static";
var OFFLINE = "/q/utan-nat";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function copyOf(response) {
  return response.text().then(function (html) {
    var headers = new Headers(response.headers);
    headers.delete("Content-Length"); // the marked copy is a little longer
    return new Response(html.replace('data-source="server"', 'data-source="offline-copy"'), {
      status: 200, headers: headers
    });
  });
}

// The kept pages were fetched with the session cookie (Vary: Cookie); they are this tablet's.
var ANY = { ignoreVary: true };

function fallback(qid) {
  return caches.open(PAGES).then(function (cache) {
    return (qid ? cache.match("/q/" + qid + "/", ANY) : Promise.resolve(undefined))
      .then(function (kept) {
        if (kept) return copyOf(kept);
        return cache.match(OFFLINE, ANY).then(function (page) { return page || Response.error(); });
      });
  });
}

function page(request, url) {
  var found = url.pathname.match(/^\/q\/(\d+)\//);
  var qid = found && found[1];
  return fetch(request).then(function (response) {
    if (response.status >= 500) {
      return fallback(qid).then(function (copy) { return copy.type === "error" ? response : copy; });
    }
    if (qid && response.status === 200 && /^\/q\/\d+\/fraga\//.test(url.pathname)) {
      var kept = response.clone();
      caches.open(PAGES).then(function (cache) { return cache.put("/q/" + qid + "/", kept); });
    }
    return response;
  }, function () { return fallback(qid); });
}

function staticFile(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.indexOf("/q/") === 0) {
    event.respondWith(page(request, url));
  } else if (url.pathname.indexOf("/static/") === 0 && url.searchParams.has("v")) {
    event.respondWith(staticFile(request));
  }
});
