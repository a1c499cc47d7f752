// Follow a background export: poll its JSON status, move the progress bar, and reload the
// page when it is finished (the page then shows the one-time download link). Without
// JavaScript the page has a "Refresh" link instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-export-status]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-export-status");
  var bar = box.querySelector("progress");
  var done = box.querySelector("[data-export-done]");
  var total = box.querySelector("[data-export-total]");
  var percent = box.querySelector("[data-export-percent]");
  var label = box.querySelector("[data-export-label]");
  var delay = 1000;

  function show(state) {
    if (bar) {
      bar.max = Math.max(state.total_rows, 1);
      bar.value = state.rows_done;
      bar.textContent = state.percent + "%";
    }
    if (done) { done.textContent = state.rows_done; }
    if (total) { total.textContent = state.total_rows; }
    if (percent) { percent.textContent = state.percent; }
    if (label) { label.textContent = state.label; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.finished) {
          window.location.reload();
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // Offline or a restart: try again, less often.
        delay = Math.min(delay * 2, 15000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
}());
