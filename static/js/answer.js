// A tap on an answer saves it at once with a small JSON POST, then shows the next question.
// Without this script the same buttons submit the form as a plain POST.
//
// No answer is lost: every tap first goes into a queue in localStorage (with its client id, so a
// retry is never stored twice) and leaves it only when the server has acknowledged it. While the
// server cannot be reached or answers with an error, the next question is drawn here from the
// questionnaire data in the page and the queue is sent in order later:
//   network down        when the connection is back (and every few seconds);
//   5xx, 429, other     again after a pause that doubles up to a minute ("not saved yet");
//   400 (stale token)   after fetching a fresh CSRF token (a SECRET_KEY rotation);
//   404 (session gone)  kept; the participant is asked to open their link again;
//   locked (hand-over)  kept; the lock screen says that answers are not saved;
//   refused for good    ("completed": sent in from another device; "rejected") dropped, and the
//                       participant is told which answer.
// A new question ignores taps for a moment (SETTLE), so that a double tap answers only one, and
// shows that it changed. A page the service worker shows from its copy (offline) opens at the
// first unanswered question; once everything is sent, the page goes to the first unanswered
// question as the server renders it.
(function () {
  "use strict";
  var form = document.querySelector("form.answer-form");
  var dataEl = document.getElementById("questionnaire-data");
  if (!form || !dataEl || !window.fetch) return;
  var data = JSON.parse(dataEl.textContent);
  var status = document.getElementById("save-status");
  var problems = document.getElementById("save-problems");
  var card = document.querySelector(".question-card");
  var pager = document.querySelector("nav.pager");
  var token = form.querySelector("input[name=csrf_token]").value;
  var saveUrl = form.dataset.saveUrl;
  var storeKey = "stegvis-queue-" + data.qid;
  var SETTLE = 500; // ms after a new question appears in which taps are ignored
  var readyAt = 0;
  var fromCopy = document.body.dataset.source === "offline-copy";
  var offline = false; // drawing questions here, without the server
  var flushing = false;
  var busy = false;
  var failures = 0;
  var retryTimer = null;
  var dropped = 0;
  var lastKind = "network"; // what kept the last send from being stored
  var leaving = false; // going to the lock screen: no "leave the page?" question

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
  function forget(body) {
    setQueue(queue().filter(function (b) { return b.client_id !== body.client_id; }));
  }
  function clientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function questionUrl(key) { return data.question_url.replace("KEY", key); }
  function queued(n) { // the server wrote one text per count, in the language's plural form
    return data.queued[n] || data.queued[Object.keys(data.queued).length];
  }
  function waiting(kind) {
    var n = queue().length;
    var text = kind === "network" ? queued(n)
      : (kind === "gone" ? data.gone : data.retrying).replace("{n}", n);
    say(text, kind !== "network");
  }

  // A question that appeared because of a tap takes no answer for SETTLE ms (its controls are
  // disabled, so the second tap of a double tap lands on nothing) and lights up meanwhile.
  function settle() {
    readyAt = performance.now() + SETTLE;
    var fieldset = form.querySelector("fieldset");
    fieldset.disabled = true;
    if (card) card.classList.add("fresh");
    setTimeout(function () {
      fieldset.disabled = false;
      if (card) card.classList.remove("fresh");
    }, SETTLE);
  }
  function tapped() {
    try { sessionStorage.setItem("stegvis-tapped", String(Date.now())); } catch (e) { /* */ }
  }
  function cameByTap() {
    var at = 0;
    try { at = parseInt(sessionStorage.getItem("stegvis-tapped") || "0", 10); } catch (e) { /* */ }
    try { sessionStorage.removeItem("stegvis-tapped"); } catch (e) { /* */ }
    return Date.now() - at < 3000;
  }

  // Resolves with the server's answer; rejects with {kind, message, wait}: kind is one of
  // network, retry, csrf, gone, locked, refused.
  function send(body) {
    return fetch(saveUrl, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (response.ok && json.ok) return json;
        var err = { message: json.error || form.dataset.msgFailed, kind: "retry" };
        if (json.code === "completed" || json.code === "rejected") err.kind = "refused";
        else if (json.code === "locked" || response.type === "opaqueredirect") {
          err.kind = "locked";
          err.lockUrl = json.lock_url || document.body.dataset.lockUrl;
        } else if (response.status === 400) err.kind = "csrf";
        else if (response.status === 404) err.kind = "gone";
        var after = parseInt(response.headers.get("Retry-After") || "", 10);
        if (after > 0) err.wait = after * 1000;
        throw err;
      });
    }, function () { throw { kind: "network" }; });
  }

  // A fresh CSRF token for this session; rejects like send() (gone: the session has ended).
  function renew() {
    return fetch(data.token_url, {
      credentials: "same-origin", redirect: "manual", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (response.ok && json.csrf_token) { token = json.csrf_token; return; }
        throw { kind: response.status === 404 ? "gone" : "retry" };
      });
    }, function () { throw { kind: "network" }; });
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
    var question = document.getElementById("question-text");
    question.textContent = item.text;
    // the approved recordings read aloud (static/js/speak.js)
    if (item.audio) question.dataset.audio = item.audio; else delete question.dataset.audio;
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
    var fieldset = form.querySelector("fieldset");
    fieldset.hidden = false;
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
        if (s.audio) b.dataset.audio = s.audio;
        b.insertBefore(pictures[n].cloneNode(true), b.querySelector(".label"));
        scale.appendChild(b);
      });
      fieldset.appendChild(scale);
    }
    fieldset.appendChild(controls("decline-template"));
    if (item.decline_audio) fieldset.querySelector("button.decline").dataset.audio =
      item.decline_audio;
    var chosen = current === "declined" ? fieldset.querySelector("button.decline")
      : fieldset.querySelector('button.step[value="' + current + '"]');
    if (chosen) markChosen(chosen);
    if (pager) pager.hidden = true; // its links would need the server
    window.scrollTo(0, 0);
    var speak = document.getElementById("speak");
    if (speak) speak.dispatchEvent(new Event("stegvis:question"));
    settle();
  }

  function showEnd() {
    form.querySelector("fieldset").hidden = true;
    document.getElementById("progress").textContent = data.offline_end;
    if (pager) pager.hidden = true;
  }

  function showNext(fromKey) {
    var answers = known();
    var items = visible(answers);
    var keys = items.map(function (i) { return i.key; });
    var next = items[keys.indexOf(fromKey) + 1];
    if (next) draw(next, answers, items);
    else showEnd();
  }

  // The first question without an answer, as far as this tablet knows.
  function showFirstOpen() {
    var answers = known();
    var items = visible(answers);
    var open = items.filter(function (i) { return !(i.key in answers); })[0];
    if (!open) { showEnd(); return; }
    if (open.key !== form.dataset.item || fromCopy) draw(open, answers, items);
  }

  function goOffline() {
    if (offline) return;
    offline = true;
    busy = false;
    showNext(form.dataset.item);
  }

  function tellDropped(body, reason) {
    var item = data.items.filter(function (i) { return i.key === body.item; })[0];
    var li = document.createElement("li");
    li.textContent = data.dropped.replace("{question}", item ? item.text : body.item)
      .replace("{reason}", reason);
    problems.querySelector("ul").appendChild(li);
    problems.hidden = false;
    dropped += 1;
  }

  function later(err) {
    clearTimeout(retryTimer);
    if (err.kind !== "network") failures += 1; // the pause grows only while the server fails
    lastKind = err.kind;
    var wait = err.kind === "network" ? 3000
      : Math.min(60000, 1000 * Math.pow(2, failures - 1)) * (0.8 + 0.4 * Math.random());
    if (err.wait) wait = Math.max(wait, err.wait);
    retryTimer = setTimeout(flush, wait);
  }

  // Everything the tablet held is acknowledged (or refused for good).
  function settled(json, last) {
    busy = false;
    if (dropped) { say(""); return; } // the participant reads what was not saved, then goes on
    if (!offline && json && json.next) {
      say(form.dataset.msgSaved);
      tapped(); // the next page, drawn by the server, ignores a second tap at first
      window.location.assign(json.next);
      return;
    }
    say(data.sent);
    window.location.assign(last && last["return"] ? data.summary_url : data.resume_url);
  }

  function flush() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (flushing) return;
    var q = queue();
    if (!q.length) return;
    flushing = true;
    var body = q[0];
    send(body).then(function (json) {
      flushing = false;
      failures = 0;
      forget(body);
      if (queue().length) { flush(); return; }
      settled(json, body);
    }, function (err) {
      flushing = false;
      if (err.kind === "refused") {
        forget(body);
        if (!offline) { busy = false; say(err.message, true); return; } // on screen: say it here
        tellDropped(body, err.message);
        if (queue().length) flush(); else settled(null, body);
        return;
      }
      goOffline();
      if (err.kind === "locked") {
        leaving = true;
        window.location.assign(err.lockUrl);
        return;
      }
      waiting(err.kind);
      if (err.kind === "csrf") {
        renew().then(function () { later(err); }, function (e) {
          waiting(e.kind);
          later(e);
        });
        return;
      }
      later(err);
    });
  }

  form.addEventListener("submit", function (event) {
    var btn = event.submitter;
    if (!btn) return;
    event.preventDefault();
    if (busy) return; // a double tap saves once
    if (performance.now() < readyAt) return; // a tap meant for the question before
    var key = form.dataset.item;
    var body = { item: key, client_id: clientId() };
    if (btn.name === "step") body.step = parseInt(btn.value, 10);
    else if (btn.name === "declined") body.declined = true;
    else body.text = form.querySelector("textarea").value;
    if (form.querySelector("input[name=return]")) body["return"] = "summary";
    markChosen(btn);
    setQueue(queue().concat([body])); // kept until the server says it has it
    if (offline) { // keep the order: behind what is already waiting
      waiting(lastKind);
      showNext(key);
      flush();
      return;
    }
    busy = true;
    say(form.dataset.msgSaving);
    flush();
  });

  function onlineAgain() {
    if (!offline && pager) pager.hidden = false;
    if (queue().length) flush();
    else if (fromCopy) { // back to the server's own page once it answers
      renew().then(function () { window.location.assign(data.resume_url); }, function () {});
    }
  }
  window.addEventListener("online", onlineAgain);
  window.addEventListener("offline", function () { if (pager) pager.hidden = true; });
  document.addEventListener("stegvis:locking", function () { leaving = true; });
  window.addEventListener("beforeunload", function (event) {
    if (queue().length && !leaving) { event.preventDefault(); event.returnValue = data.leave; }
  });

  if (cameByTap()) settle();
  if (!navigator.onLine && pager) pager.hidden = true;
  if (queue().length || fromCopy) { // answers left from an earlier visit, or no server now
    offline = true;
    showFirstOpen();
    if (queue().length) { waiting("network"); flush(); }
    else {
      say(data.no_connection);
      // a copy shown while the server was away: try the server again now and then
      setInterval(function () { if (navigator.onLine) onlineAgain(); }, 15000);
    }
  }
})();
