// A tap on an answer saves it at once with a small JSON POST, then shows the next question.
// Without this script the same buttons submit the form as a plain POST.
//
// No answer is lost on a bad network: when a save cannot reach the server, the answer goes into
// a queue in localStorage (with its client id, so a retry is never stored twice), the next
// question is drawn here from the questionnaire data in the page, and the queue is sent in order
// as soon as the connection is back. Leaving the page with unsent answers warns first.
(function () {
  "use strict";
  var form = document.querySelector("form.answer-form");
  var dataEl = document.getElementById("questionnaire-data");
  if (!form || !dataEl || !window.fetch) return;
  var data = JSON.parse(dataEl.textContent);
  var status = document.getElementById("save-status");
  var token = form.querySelector("input[name=csrf_token]").value;
  var saveUrl = form.dataset.saveUrl;
  var storeKey = "stegvis-queue-" + data.qid;
  var busy = false;
  var offline = false; // drawing questions here, without the server
  var flushing = false;

  function say(text, failed) {
    status.textContent = text;
    status.classList.toggle("failed", !!failed);
  }
  function queue() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { return []; }
  }
  function setQueue(q) {
    if (q.length) localStorage.setItem(storeKey, JSON.stringify(q));
    else localStorage.removeItem(storeKey);
  }
  function clientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function questionUrl(key) { return data.question_url.replace("KEY", key); }
  function queued(n) { // the server wrote one text per count, in the language's plural form
    return data.queued[n] || data.queued[Object.keys(data.queued).length];
  }

  // Resolves with the server's answer, rejects with {network: true} or {message: "…"}.
  function send(body) {
    return fetch(saveUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (response.ok) return json;
        throw { message: json.error || form.dataset.msgFailed };
      });
    }, function () { throw { network: true }; });
  }

  function known() {
    var answers = Object.assign({}, data.answers);
    queue().forEach(function (b) {
      answers[b.item] = b.declined ? "declined" : (b.step !== undefined ? b.step : b.text);
    });
    return answers;
  }
  function visible(answers) {
    return data.items.filter(function (i) {
      return !i.show_if || answers[i.show_if[0]] === i.show_if[1];
    });
  }

  function markChosen(button) {
    form.querySelectorAll("button.step, button.decline").forEach(function (b) {
      var on = b === button;
      b.classList.toggle("chosen", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  // A copy of the answer controls the server rendered into a <template> (templates/macros.html).
  function controls(id) { return document.getElementById(id).content.cloneNode(true); }

  // Draw a question here (offline), with the same markup the server renders.
  function draw(item, answers, items) {
    var n = items.indexOf(item) + 1;
    document.getElementById("question-text").textContent = item.text;
    var original = document.getElementById("original");
    if (original) { // lättläst: the official Swedish wording, one tap away
      original.hidden = !item.original;
      original.open = false;
      document.getElementById("original-text").textContent = item.original || "";
    }
    document.getElementById("progress").textContent =
      data.progress.replace("{n}", n).replace("{total}", items.length);
    var bar = document.querySelector("progress.progress");
    if (bar) { bar.max = items.length; bar.value = n; }
    form.dataset.item = item.key;
    var speak = document.getElementById("speak");
    if (speak) {
      speak.dataset.audio = item.audio || "";
      speak.dispatchEvent(new Event("stegvis:question"));
    }
    var fieldset = form.querySelector("fieldset");
    var legend = fieldset.querySelector("legend");
    while (legend.nextSibling) fieldset.removeChild(legend.nextSibling);
    var current = answers[item.key];
    if (item.text_item) {
      fieldset.appendChild(controls("text-template"));
      if (typeof current === "string" && current !== "declined") {
        fieldset.querySelector("textarea").value = current;
      }
    } else {
      var scale = document.createElement("div");
      scale.className = "scale";
      var pictures = controls("pictograms-" + item.pictograms).children;
      item.steps.forEach(function (s, n) {
        var b = controls("step-template").firstElementChild;
        b.value = s.value;
        b.querySelector(".num").textContent = s.value;
        b.querySelector(".label").textContent = s.label;
        b.insertBefore(pictures[n].cloneNode(true), b.querySelector(".label"));
        scale.appendChild(b);
      });
      fieldset.appendChild(scale);
    }
    fieldset.appendChild(controls("decline-template"));
    var chosen = current === "declined" ? fieldset.querySelector("button.decline")
      : fieldset.querySelector('button.step[value="' + current + '"]');
    if (chosen) markChosen(chosen);
    var pager = document.querySelector("nav.pager");
    if (pager) pager.hidden = true;
    window.scrollTo(0, 0);
  }

  function showNext(fromKey) {
    var answers = known();
    var items = visible(answers);
    var keys = items.map(function (i) { return i.key; });
    var next = items[keys.indexOf(fromKey) + 1];
    if (next) draw(next, answers, items);
    else {
      form.querySelector("fieldset").hidden = true;
      document.getElementById("progress").textContent = data.offline_end;
    }
  }

  function flush() {
    if (flushing) return;
    var q = queue();
    if (!q.length) return;
    flushing = true;
    send(q[0]).then(function () {
      setQueue(queue().slice(1));
      flushing = false;
      if (queue().length) { flush(); return; }
      say(data.sent);
      // Back in step with the server: show the question we are at as the server renders it.
      var done = form.querySelector("fieldset").hidden;
      window.location.assign(done ? data.summary_url : questionUrl(form.dataset.item));
    }, function (err) {
      flushing = false;
      if (err.network) { setTimeout(flush, 3000); return; }
      setQueue(queue().slice(1)); // the server refused it (e.g. finished elsewhere): drop it
      say(err.message, true);
      flush();
    });
  }

  form.addEventListener("submit", function (event) {
    var btn = event.submitter;
    if (!btn) return;
    event.preventDefault();
    if (busy) return; // a double tap saves once
    var key = form.dataset.item;
    var body = { item: key, client_id: clientId() };
    if (btn.name === "step") body.step = parseInt(btn.value, 10);
    else if (btn.name === "declined") body.declined = true;
    else body.text = form.querySelector("textarea").value;
    if (form.querySelector("input[name=return]")) body["return"] = "summary";
    markChosen(btn);
    if (offline || queue().length) { // keep the order: behind what is already waiting
      setQueue(queue().concat([body]));
      offline = true;
      say(queued(queue().length));
      showNext(key);
      flush();
      return;
    }
    busy = true;
    say(form.dataset.msgSaving);
    send(body).then(function (json) {
      say(form.dataset.msgSaved);
      window.location.assign(json.next);
    }, function (err) {
      busy = false;
      if (!err.network) { say(err.message, true); return; }
      setQueue(queue().concat([body]));
      offline = true;
      say(queued(queue().length));
      showNext(key);
      setTimeout(flush, 3000);
    });
  });

  window.addEventListener("online", flush);
  window.addEventListener("beforeunload", function (event) {
    if (queue().length) { event.preventDefault(); event.returnValue = data.leave; }
  });
  if (queue().length) { offline = true; flush(); } // answers left from an earlier visit
})();
