// A handed-over tablet locks itself after a while without a tap (the server enforces the same).
(function () {
  "use strict";
  var body = document.body;
  var url = body.dataset.lockUrl;
  var after = parseInt(body.dataset.lockAfter, 10) * 1000;
  if (!url || !after) return;
  var timer;
  function reset() {
    clearTimeout(timer);
    timer = setTimeout(function () { window.location.assign(url); }, after);
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, reset, { passive: true });
  });
  reset();
})();
