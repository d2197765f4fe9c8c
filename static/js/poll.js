// Follows something the worker is making (a painting, a download) without reloading the page:
// polls its small JSON endpoint every second, backs off on errors, stops when it has finished.
window.followStatus = function (url, show) {
  async function poll() {
    let data;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(response.status);
      data = await response.json();
    } catch (e) {
      setTimeout(poll, 4000);
      return;
    }
    show(data);
    if (!data.finished) setTimeout(poll, 1000);
  }
  setTimeout(poll, 500);
};
