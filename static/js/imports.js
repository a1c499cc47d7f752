// Import progress: poll the job's status and move the <progress> bar; reload the page when the
// step ends (the page then shows the report). Without JavaScript the page refreshes itself.
(function () {
  "use strict";
  var section = document.getElementById("import-progress");
  if (!section || !window.fetch) { return; }
  var url = section.getAttribute("data-status-url");
  var bar = document.getElementById("import-progress-bar");
  var text = document.getElementById("import-progress-text");
  var label = document.getElementById("import-status-label");
  var delay = 1000;

  function show(state) {
    if (label) { label.textContent = state.label; }
    if (bar && state.total) {
      bar.max = state.total;
      bar.value = state.processed;
    }
    if (text) {
      var done = state.processed.toLocaleString();
      text.textContent = state.total ? done + " / " + state.total.toLocaleString() : done;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (!state.running) {
          window.location.replace(state.url);
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);  // offline or restarting: back off, keep trying
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
}());
