// A small lightbox on the native <dialog>: Esc closes it, arrow keys move through the gallery.
(function () {
  const dialog = document.getElementById("lightbox");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const img = dialog.querySelector("img");
  const caption = dialog.querySelector("figcaption");
  let links = [];
  let index = 0;

  function show(i) {
    index = (i + links.length) % links.length;
    const link = links[index];
    const thumb = link.querySelector("img");
    img.src = link.dataset.full;
    img.alt = thumb ? thumb.alt : "";
    caption.textContent = link.dataset.caption || "";
  }

  document.querySelectorAll("[data-lightbox]").forEach(function (grid) {
    grid.addEventListener("click", function (event) {
      const link = event.target.closest("a[data-full]");
      if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      links = Array.from(grid.querySelectorAll("a[data-full]"));
      show(links.indexOf(link));
      dialog.showModal();
    });
  });
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog || event.target.hasAttribute("data-close")) dialog.close();
  });
  dialog.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight") show(index + 1);
    if (event.key === "ArrowLeft") show(index - 1);
  });
})();
