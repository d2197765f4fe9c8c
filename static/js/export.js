// Follows each download being prepared without reloading the page: polls its small JSON endpoint.
(function () {
  document.querySelectorAll(".export[data-finished='0']").forEach(function (box) {
    const meter = box.querySelector(".export-progress");
    const status = box.querySelector(".export-status");
    const size = box.querySelector(".export-size");
    const error = box.querySelector(".export-error");
    const ready = box.querySelector(".export-ready");
    const link = box.querySelector(".export-link");

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
      status.textContent = data.status_display;
      if (data.size_display) size.textContent = "· " + data.size_display;
      if (data.error) { error.textContent = data.error; error.hidden = false; }
      if (data.download_url) { link.href = data.download_url; ready.hidden = false; }
      if (data.finished) { meter.remove(); box.dataset.finished = "1"; return; }
      setTimeout(poll, 1000);
    }
    setTimeout(poll, 500);
  });
})();
