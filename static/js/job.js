// Follows a job without reloading the page: polls its small JSON endpoint until it ends.
(function () {
  const box = document.getElementById("job");
  if (!box || box.dataset.finished === "1") return;
  const meter = document.getElementById("job-progress");
  const stage = document.getElementById("job-stage");
  const status = document.getElementById("job-status");
  const error = document.getElementById("job-error");
  const done = document.getElementById("job-done");
  const link = document.getElementById("job-artwork-link");
  const cancel = document.getElementById("job-cancel");

  async function poll() {
    let data;
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(response.status);
      data = await response.json();
    } catch (e) {
      setTimeout(poll, 4000);
      return;
    }
    meter.value = data.progress;
    meter.textContent = data.progress + "%";
    stage.textContent = data.stage_display;
    status.textContent = data.status_display;
    if (data.error) { error.textContent = data.error; error.hidden = false; }
    if (data.artwork_url) { link.href = data.artwork_url; done.hidden = false; }
    if (data.finished) { if (cancel) cancel.hidden = true; return; }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 500);
})();
