// A handed-over tablet locks itself after a while without a touch; the server enforces the
// same from the requests it sees (staff.handover_lock). So that the two agree, touches are told
// to the server: a light "still here" request (GET /q/kvar) at most every quarter of the idle
// time, and the client's own deadline counts from the last request the server acknowledged.
// Before the lock an "Are you still there?" prompt asks for a touch. Going to the lock screen
// tells static/js/answer.js (event stegvis:locking) not to hold the page for unsent answers: the
// lock screen says that they are not saved.
(function () {
  "use strict";
  var body = document.body;
  var url = body.dataset.lockUrl;
  var pingUrl = body.dataset.keepaliveUrl;
  var after = parseInt(body.dataset.lockAfter, 10) * 1000;
  if (!url || !after) return;
  var prompt = document.getElementById("still-there");
  var every = Math.min(60000, after / 4); // at most one "still here" request this often
  var warn = Math.min(60000, after / 4); // the prompt shows this long before the lock
  var margin = Math.min(5000, after / 20); // lock a little before the server would
  var confirmed = Date.now(); // the server saw this tablet (the page itself was a request)
  var lastPing = confirmed;
  var pending = null;
  var askTimer, lockTimer;

  function lock() {
    document.dispatchEvent(new Event("stegvis:locking"));
    window.location.assign(url);
  }
  function ask() {
    if (prompt && !prompt.open && prompt.showModal) prompt.showModal();
  }
  function schedule() {
    clearTimeout(askTimer);
    clearTimeout(lockTimer);
    var deadline = confirmed + after - margin;
    askTimer = setTimeout(ask, Math.max(0, deadline - warn - Date.now()));
    lockTimer = setTimeout(lock, Math.max(0, deadline - Date.now()));
  }
  function ping() {
    pending = null;
    var sent = Date.now();
    lastPing = sent;
    fetch(pingUrl, { credentials: "same-origin", redirect: "manual",
                     headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401) { lock(); return; }
        if (response.ok) { confirmed = Math.max(confirmed, sent); schedule(); }
      }, function () {
        // No network: someone is answering offline; do not lock them out mid-answer. (The
        // server, which heard nothing, may lock when the tablet reconnects: the answers then
        // wait on the tablet and the lock screen says so.)
        confirmed = Math.max(confirmed, sent);
        schedule();
      });
  }
  function touched() {
    if (pending) return;
    var wait = lastPing + every - Date.now();
    if (wait <= 0) ping();
    else pending = setTimeout(ping, wait); // the touch is told a little later, not forgotten
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, touched, { passive: true, capture: true });
  });
  if (prompt) {
    // closed by its button or a tap beside it (on the backdrop); the tap itself was the sign of
    // life, and it does not fall through to an answer underneath
    prompt.addEventListener("click", function (event) {
      if (event.target === prompt || event.target.id === "still-here") prompt.close();
    });
    prompt.addEventListener("close", touched);
  }
  // A timer may sleep while the screen is off: check the deadline when the page is seen again.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && Date.now() >= confirmed + after - margin) lock();
  });
  schedule();
})();
