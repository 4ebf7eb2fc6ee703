// Read-aloud: the speaker button reads the question and its answer options.
// A recorded file for the item and language (data-audio) comes first; otherwise the browser's
// speech synthesis, when it has a voice for the page's language. With neither, the button stays
// hidden: a button that cannot speak would only confuse.
(function () {
  "use strict";
  var button = document.getElementById("speak");
  if (!button) return;
  var synth = window.speechSynthesis;
  var tag = (document.documentElement.lang || "sv").toLowerCase();
  var player = null;

  function voice() {
    if (!synth) return null;
    var voices = synth.getVoices();
    var primary = tag.split("-")[0];
    return voices.find(function (v) { return v.lang.toLowerCase().replace("_", "-") === tag; })
      || voices.find(function (v) { return v.lang.toLowerCase().split(/[-_]/)[0] === primary; })
      || null;
  }
  function update() { button.hidden = !(button.dataset.audio || voice()); }

  // What is on the screen now (answer.js may have drawn a later question): the question, then
  // each option as "number, label".
  function script() {
    var parts = [document.getElementById("question-text").textContent.trim()];
    document.querySelectorAll(".answer-form button.step, .answer-form button.decline")
      .forEach(function (b) {
        var num = b.querySelector(".num");
        var label = b.querySelector(".label").textContent.trim();
        parts.push(num ? num.textContent.trim() + ", " + label : label);
      });
    return parts;
  }

  function playing(on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.querySelector(".speak-label").textContent =
      on ? button.dataset.msgStop : button.dataset.msgRead;
  }
  function stop() {
    if (player) { player.pause(); player = null; }
    if (synth) synth.cancel();
    playing(false);
  }

  button.addEventListener("click", function () {
    if (button.getAttribute("aria-pressed") === "true") { stop(); return; }
    stop();
    playing(true);
    if (button.dataset.audio) {
      player = new Audio(button.dataset.audio);
      player.addEventListener("ended", stop);
      player.play().catch(stop);
      return;
    }
    var parts = script();
    var chosen = voice();
    parts.forEach(function (text, n) {
      var u = new SpeechSynthesisUtterance(text);
      u.lang = chosen ? chosen.lang : tag;
      if (chosen) u.voice = chosen;
      u.rate = 0.9;
      if (n === parts.length - 1) { u.onend = stop; u.onerror = stop; }
      synth.speak(u);
    });
  });
  button.addEventListener("stegvis:question", function () { stop(); update(); });
  if (synth) synth.addEventListener("voiceschanged", update);
  update();
})();
