// The before/after slider: the range input moves the edge between the photo and the painting.
document.querySelectorAll(".compare").forEach(function (box) {
  const range = box.querySelector(".compare-range");
  if (!range) return;
  const update = function () { box.style.setProperty("--pos", range.value + "%"); };
  range.addEventListener("input", update);
  update();
});

// Invitation links select themselves on focus, ready to copy.
document.querySelectorAll(".invitation-link").forEach(function (input) {
  input.addEventListener("focus", function () { input.select(); });
});
