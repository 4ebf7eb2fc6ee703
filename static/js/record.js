// The recording page (templates/admin/recordings_page.html): record each text with the
// microphone (MediaRecorder), send the take to the server as it is, and play it back from
// there. Approving is the page's own form. One take at a time.
(function () {
  "use strict";
  var list = document.getElementById("takes");
  if (!list) return;
  var TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];
  var canRecord = window.MediaRecorder && navigator.mediaDevices &&
    navigator.mediaDevices.getUserMedia;
  if (!canRecord) {
    document.getElementById("record-unsupported").hidden = false;
    return;
  }
  var type = TYPES.find(function (t) { return MediaRecorder.isTypeSupported(t); }) || "";
  var msg = list.dataset;
  var stream = null;
  var recorder = null;

  function microphone() {
    if (stream) return Promise.resolve(stream);
    return navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
      stream = s;
      return s;
    });
  }

  function buttons(disabled, except) {
    list.querySelectorAll("button.record").forEach(function (b) {
      if (b !== except) b.disabled = disabled;
    });
  }

  function send(take, blob) {
    var status = take.querySelector(".take-status");
    var button = take.querySelector("button.record");
    status.textContent = msg.msgSending;
    return fetch(take.dataset.upload, {
      method: "POST", body: blob, credentials: "same-origin",
      headers: { "Content-Type": blob.type || "audio/webm", "X-CSRFToken": msg.csrf,
                 "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; });
    }).then(function (json) {
      if (!json.url) { status.textContent = json.error || msg.msgFailed; return; }
      var audio = take.querySelector("audio");
      audio.src = json.url;
      audio.hidden = false;
      status.textContent = json.message;
      take.querySelector("form.approve").hidden = false;
      button.textContent = msg.msgAgain;
    }, function () { status.textContent = msg.msgFailed; });
  }

  function start(take, button) {
    microphone().then(function (s) {
      var chunks = [];
      recorder = new MediaRecorder(s, type ? { mimeType: type } : undefined);
      recorder.addEventListener("dataavailable", function (e) {
        if (e.data && e.data.size) chunks.push(e.data);
      });
      recorder.addEventListener("stop", function () {
        var blob = new Blob(chunks, { type: recorder.mimeType || type });
        recorder = null;
        button.classList.remove("recording");
        button.setAttribute("aria-pressed", "false");
        buttons(false);
        send(take, blob);
      });
      take.querySelector("audio").pause();
      recorder.start();
      button.classList.add("recording");
      button.setAttribute("aria-pressed", "true");
      button.textContent = msg.msgStop;
      buttons(true, button);
    }, function () {
      document.getElementById("record-unsupported").hidden = false;
    });
  }

  list.querySelectorAll("li.take").forEach(function (take) {
    var button = take.querySelector("button.record");
    button.hidden = false;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      if (recorder && recorder.state === "recording") { recorder.stop(); return; }
      start(take, button);
    });
  });
})();
