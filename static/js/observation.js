// The observation form keeps every keystroke: on this phone (localStorage) at once, and on the
// server a moment later (autosave). A save that fails (no connection, session ended) is retried
// when the connection comes back; a save that arrives late never overwrites a newer one, because
// each carries a sequence number the server compares. Works without this script: the form is a
// plain POST form with Save and Submit buttons.
(function () {
  "use strict";
  var form = document.getElementById("observation-form");
  if (!form || !window.fetch) return;

  var status = document.getElementById("save-status");
  var key = form.dataset.storageKey;
  var url = form.dataset.autosaveUrl;
  var autosave = form.dataset.autosave === "on";
  var serverSeq = parseInt(form.dataset.serverSeq || "0", 10);
  var seqInput = form.querySelector("input[name=draft_seq]");
  var timer = null;
  var inFlight = false;
  var pending = false;

  function say(message) { if (status) status.textContent = message; }

  function fields() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "submit" || el.name === "csrfmiddlewaretoken") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      data[el.name] = el.value;
    });
    return data;
  }

  function stored() {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function keep(seq) {
    try {
      window.localStorage.setItem(key, JSON.stringify({ seq: seq, fields: fields(), synced: false }));
    } catch (e) { /* storage full or disabled: the server copy still works */ }
  }

  function markSynced(seq) {
    var copy = stored();
    if (copy && copy.seq <= seq) {
      copy.synced = true;
      try { window.localStorage.setItem(key, JSON.stringify(copy)); } catch (e) { /* ignore */ }
    }
  }

  function restore(copy) {
    Object.keys(copy.fields).forEach(function (name) {
      var value = copy.fields[name];
      var els = form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']");
      Array.prototype.forEach.call(els, function (el) {
        if (el.type === "radio" || el.type === "checkbox") { el.checked = el.value === value; }
        else if (el.type !== "hidden" || name === "draft_seq") { el.value = value; }
        if (el.tagName === "TEXTAREA" && value) {
          var details = el.closest("details");
          if (details) details.open = true;
        }
      });
    });
    highlight();
  }

  function highlight() {
    Array.prototype.forEach.call(form.querySelectorAll("fieldset.item"), function (set) {
      var violated = set.querySelector("input[value=violated]");
      set.classList.toggle("is-violated", !!(violated && violated.checked));
    });
  }

  function send() {
    if (!autosave) return;
    if (inFlight) { pending = true; return; }
    var copy = stored();
    if (!copy || copy.synced) return;
    inFlight = true;
    say(form.dataset.msgSaving);
    var body = new FormData();
    Object.keys(copy.fields).forEach(function (name) { body.append(name, copy.fields[name]); });
    body.set("draft_seq", String(copy.seq));
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    fetch(url, { method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                 headers: { "X-Requested-With": "fetch", "Accept": "application/json" } })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
          say(form.dataset.msgLogin);
          return null;
        }
        if (response.status === 409) { autosave = false; return response.json(); }
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (result) {
        if (!result) return;
        if (result.error) { say(result.error); return; }
        serverSeq = Math.max(serverSeq, result.seq);
        markSynced(result.seq);
        say(form.dataset.msgSaved + " " + result.saved_at + ".");
      })
      .catch(function () {
        say(navigator.onLine === false ? form.dataset.msgOffline : form.dataset.msgError);
      })
      .then(function () {
        inFlight = false;
        if (pending) { pending = false; send(); }
      });
  }

  function changed() {
    var seq = Math.max(Date.now(), serverSeq + 1);
    if (seqInput) seqInput.value = String(seq);
    keep(seq);
    highlight();
    if (navigator.onLine === false) { say(form.dataset.msgOffline); return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(send, 800);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", function (event) { if (event.target.type !== "file") changed(); });
  window.addEventListener("online", send);
  window.addEventListener("offline", function () { say(form.dataset.msgOffline); });
  window.setInterval(send, 15000);

  form.addEventListener("submit", function (event) {
    if (navigator.onLine === false) {
      event.preventDefault();
      say(form.dataset.msgSubmitOffline);
      return;
    }
    var copy = stored();
    if (copy && seqInput) seqInput.value = String(copy.seq);
  });

  // Typed offline and never sent (the page was closed or reloaded): put it back, then send it.
  var copy = stored();
  if (copy && !copy.synced && copy.seq > serverSeq && copy.fields) {
    restore(copy);
    say(form.dataset.msgRestored);
    if (seqInput) seqInput.value = String(copy.seq);
    send();
  }
})();
