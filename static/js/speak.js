// Read-aloud: the speaker button reads the page's texts marked data-speak, in order (on a
// question page: the question, then each option as "number, label", then "Vill inte svara").
// Each text's approved recording (data-audio) comes first; otherwise the browser's speech
// synthesis, when it has a voice for the page's language; a text with neither is skipped. The
// button shows when the page has a recording or the browser a voice: a button that cannot speak
// would only confuse.
(function () {
  "use strict";
  var button = document.getElementById("speak");
  if (!button) return;
  var synth = window.speechSynthesis;
  var tag = (document.documentElement.lang || "sv").toLowerCase();
  var player = null;
  var reading = 0; // which reading is going on; a stopped one does not go on

  function voice() {
    if (!synth) return null;
    var voices = synth.getVoices();
    var primary = tag.split("-")[0];
    return voices.find(function (v) { return v.lang.toLowerCase().replace("_", "-") === tag; })
      || voices.find(function (v) { return v.lang.toLowerCase().split(/[-_]/)[0] === primary; })
      || null;
  }

  // What is on the screen now (answer.js may have drawn a later question).
  function texts() {
    return Array.prototype.filter.call(document.querySelectorAll("main [data-speak]"),
      function (el) { return !el.closest("[hidden], template"); });
  }
  function update() {
    button.hidden = !(voice() || texts().some(function (el) { return el.dataset.audio; }));
  }

  function words(el) {
    var num = el.querySelector(".num");
    var label = el.querySelector(".label");
    if (label) {
      return num ? num.textContent.trim() + ", " + label.textContent.trim()
        : label.textContent.trim();
    }
    return el.textContent.trim();
  }

  function playing(on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.querySelector(".speak-label").textContent =
      on ? button.dataset.msgStop : button.dataset.msgRead;
  }
  function stop() {
    reading += 1;
    if (player) { player.pause(); player = null; }
    if (synth) synth.cancel();
    playing(false);
  }

  function say(text, then) {
    var chosen = voice();
    if (!chosen) { then(); return; }
    var u = new SpeechSynthesisUtterance(text);
    u.lang = chosen.lang;
    u.voice = chosen;
    u.rate = 0.9;
    u.onend = then;
    u.onerror = then;
    synth.speak(u);
  }

  function read(list, n, mine) {
    if (mine !== reading) return;
    if (n >= list.length) { stop(); return; }
    var el = list[n];
    var next = function () { read(list, n + 1, mine); };
    if (!el.dataset.audio) { say(words(el), next); return; }
    player = new Audio(el.dataset.audio);
    // a recording that cannot play (the network is away): the device's voice, if any
    var fallback = function () { if (mine === reading) say(words(el), next); };
    player.addEventListener("ended", next);
    player.addEventListener("error", fallback);
    player.play().catch(function (e) { if (e && e.name !== "AbortError") fallback(); });
  }

  button.addEventListener("click", function () {
    if (button.getAttribute("aria-pressed") === "true") { stop(); return; }
    stop();
    playing(true);
    read(texts(), 0, reading);
  });
  button.addEventListener("stegvis:question", function () { stop(); update(); });
  if (synth) synth.addEventListener("voiceschanged", update);
  update();
})();
