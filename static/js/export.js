// Follows each download being prepared without reloading the page: polls its small JSON endpoint.
(function () {
  document.querySelectorAll(".export[data-finished='0']").forEach(function (box) {
    const meter = box.querySelector(".export-progress");
    const status = box.querySelector(".export-status");
    const size = box.querySelector(".export-size");
    const error = box.querySelector(".export-error");
    const detail = box.querySelector(".export-error-detail");
    const ready = box.querySelector(".export-ready");
    const link = box.querySelector(".export-link");

    window.followStatus(box.dataset.statusUrl, function (data) {
      meter.value = data.progress;
      meter.textContent = data.progress + "%";
      status.textContent = data.status_display;
      if (data.size_display) size.textContent = "· " + data.size_display;
      if (data.error) { error.textContent = data.error; error.hidden = false; }
      if (data.error_detail && detail) { detail.querySelector("pre").textContent = data.error_detail; detail.hidden = false; }
      if (data.download_url) { link.href = data.download_url; ready.hidden = false; }
      if (data.finished) { meter.remove(); box.dataset.finished = "1"; }
    });
  });
})();
