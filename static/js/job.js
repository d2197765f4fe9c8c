// Follows a job without reloading the page: polls its small JSON endpoint until it ends.
(function () {
  const box = document.getElementById("job");
  if (!box || box.dataset.finished === "1") return;
  const meter = document.getElementById("job-progress");
  const stage = document.getElementById("job-stage");
  const status = document.getElementById("job-status");
  const error = document.getElementById("job-error");
  const detail = document.getElementById("job-error-detail");
  const done = document.getElementById("job-done");
  const link = document.getElementById("job-artwork-link");
  const cancel = document.getElementById("job-cancel");

  window.followStatus(box.dataset.statusUrl, function (data) {
    meter.value = data.progress;
    meter.textContent = data.progress + "%";
    stage.textContent = data.stage_display;
    status.textContent = data.status_display;
    if (data.error) { error.textContent = data.error; error.hidden = false; }
    if (data.error_detail && detail) { detail.querySelector("pre").textContent = data.error_detail; detail.hidden = false; }
    if (data.artwork_url) { link.href = data.artwork_url; done.hidden = false; }
    if (data.finished && cancel) cancel.hidden = true;
  });
})();
