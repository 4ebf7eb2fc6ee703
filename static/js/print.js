// The print view's "Skriv ut" button: the browser's own print dialogue (to paper or PDF).
(function () {
  "use strict";
  var button = document.getElementById("print-page");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
