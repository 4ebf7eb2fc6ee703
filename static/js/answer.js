// A tap on an answer saves it at once with a small JSON POST, then shows the next question.
// Without this script the same buttons submit the form as a plain POST.
(function () {
  "use strict";
  var form = document.querySelector("form.answer-form");
  if (!form || !window.fetch) return;
  var status = document.getElementById("save-status");
  var token = form.querySelector("input[name=csrf_token]").value;
  var busy = false;

  function say(text, failed) {
    status.textContent = text;
    status.classList.toggle("failed", !!failed);
  }
  function clientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function markChosen(button) {
    form.querySelectorAll("button.step, button.decline").forEach(function (b) {
      var on = b === button;
      b.classList.toggle("chosen", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
      var tick = b.querySelector(".tick");
      if (tick) tick.textContent = on ? "\u2713" : "";
    });
  }

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button) return;
    event.preventDefault();
    if (busy) return; // a double tap saves once
    busy = true;
    var body = { item: form.dataset.item, client_id: clientId() };
    if (button.name === "step") body.step = parseInt(button.value, 10);
    else if (button.name === "declined") body.declined = true;
    else body.text = form.querySelector("textarea").value;
    if (form.querySelector("input[name=return]")) body["return"] = "summary";
    markChosen(button);
    say(form.dataset.msgSaving);
    fetch(form.dataset.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok && data.next) {
          say(form.dataset.msgSaved);
          window.location.assign(data.next);
        } else {
          busy = false;
          say(data.error || form.dataset.msgFailed, true);
        }
      });
    }).catch(function () {
      busy = false;
      say(form.dataset.msgFailed, true);
    });
  });
})();
