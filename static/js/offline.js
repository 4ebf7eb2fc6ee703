// Use without the network (see static/js/sw.js): on a question page, register the service
// worker and keep what the page needs (its static files, this page if the worker did not see it
// load, the offline page in the participant's language). On the page after sending in
// (data-offline-forget="/q/ID/") and on the hand-back screen ("all") the kept copies of the
// questions are deleted, and the hand-back screen says so if answers still wait on this tablet.
(function () {
  "use strict";
  var body = document.body;
  var forget = body.dataset.offlineForget;
  if (forget === "all") {
    var unsent = Object.keys(localStorage).some(function (k) {
      return k.indexOf("stegvis-queue-") === 0 && localStorage.getItem(k) !== "[]";
    });
    var note = document.getElementById("unsent-note");
    var saved = document.getElementById("saved-note");
    if (unsent && note) {
      note.hidden = false;
      if (saved) saved.hidden = true;
    }
  }
  if (!window.caches) return;
  if (forget) {
    if (forget === "all") caches.delete("stegvis-pages");
    else caches.open("stegvis-pages").then(function (c) { return c.delete(forget); });
    return;
  }
  var shell = body.dataset.offlineShell;
  if (!shell || !("serviceWorker" in navigator)) return;
  if (body.dataset.source === "offline-copy") return; // shown by the worker: nothing to fetch

  function keepStatic(cache) {
    var urls = performance.getEntriesByType("resource").map(function (e) { return e.name; })
      .filter(function (u) {
        var url = new URL(u);
        return url.origin === location.origin && url.pathname.indexOf("/static/") === 0 &&
          url.searchParams.has("v");
      });
    return Promise.all(urls.map(function (u) {
      return cache.match(u).then(function (hit) { return hit || cache.add(u); });
    }));
  }

  function keepOfflinePage(cache) {
    var locale = body.dataset.locale;
    return cache.match("/q/utan-nat", { ignoreVary: true }).then(function (kept) {
      if (kept && kept.headers.get("X-Stegvis-Locale") === locale) return;
      return fetch(body.dataset.offlinePage, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) return;
        return r.blob().then(function (blob) {
          var headers = new Headers(r.headers);
          headers.set("X-Stegvis-Locale", locale);
          return cache.put("/q/utan-nat", new Response(blob, { headers: headers }));
        });
      });
    });
  }

  var seenByWorker = !!navigator.serviceWorker.controller; // it kept this page as it loaded
  function keepThisPage(cache) {
    if (seenByWorker) return Promise.resolve();
    return fetch(location.href, { credentials: "same-origin" }).then(function (r) {
      if (r.ok && !r.redirected) return cache.put(shell, r);
    });
  }

  navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.swScope })
    .then(function () {
      return Promise.all([
        caches.open("stegvis-static").then(keepStatic),
        caches.open("stegvis-pages").then(function (cache) {
          return Promise.all([keepOfflinePage(cache), keepThisPage(cache)]);
        })
      ]);
    })
    .then(function () { body.dataset.offlineReady = "true"; }, function () {});
})();
