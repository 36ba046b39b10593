// Polls the job's status and updates the progress bar; the download link appears when the file is ready.
(function () {
  "use strict";
  var root = document.querySelector(".export-job");
  if (!root) { return; }
  var url = root.getAttribute("data-status-url");
  function show(status) {
    var bar = document.getElementById("export-progress");
    bar.max = Math.max(status.rows_total, 1);
    bar.value = status.rows_written;
    bar.textContent = String(status.rows_written);
    document.getElementById("export-state").textContent = status.status_label;
    document.getElementById("export-written").textContent = String(status.rows_written);
    document.getElementById("export-total").textContent = String(status.rows_total);
    if (status.download) {
      var box = document.getElementById("export-download");
      box.querySelector("a.button").setAttribute("href", status.download);
      box.hidden = false;
    }
    if (status.error) {
      var error = document.getElementById("export-error");
      error.textContent = status.error;
      error.hidden = false;
    }
    return status.finished;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status && !show(status)) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
}());
