// The family's rows on the funeral notice's form: one empty row at a time, "Add a person" for
// the next, "Remove" to clear one. Without this script all the rows are simply there.
(function () {
  "use strict";
  const fieldset = document.getElementById("mourners");
  if (!fieldset) return;
  const container = fieldset.querySelector(".mourner-rows");
  const total = fieldset.querySelector("input[name$='-TOTAL_FORMS']");
  const max = fieldset.querySelector("input[name$='-MAX_NUM_FORMS']");
  const add = fieldset.querySelector("[data-add-row]");
  const rows = () => Array.from(container.querySelectorAll("[data-row]"));
  const isEmpty = (row) =>
    Array.from(row.querySelectorAll("input, select")).every((el) => (el.type === "checkbox" ? !el.checked : !el.value));

  function clear(row) {
    row.querySelectorAll("input, select").forEach((el) => {
      if (el.type === "checkbox") el.checked = false;
      else el.value = "";
    });
  }

  function renumber(row, index) {
    row.querySelectorAll("[name], [id], label[for]").forEach((el) => {
      ["name", "id", "for"].forEach((attr) => {
        const value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(/family-\d+-/, `family-${index}-`));
      });
    });
  }

  // Keep the rows already filled, and one empty row after them.
  let shownEmpty = false;
  rows().forEach((row) => {
    if (isEmpty(row)) {
      if (shownEmpty) row.hidden = true;
      shownEmpty = true;
    }
  });

  add.hidden = false;
  add.addEventListener("click", () => {
    const next = rows().find((row) => row.hidden);
    if (next) {
      next.hidden = false;
      next.querySelector("select, input").focus();
      return;
    }
    const count = parseInt(total.value, 10);
    if (max && count >= parseInt(max.value, 10)) return;
    const copy = rows()[rows().length - 1].cloneNode(true);
    clear(copy);
    copy.querySelectorAll(".errorlist").forEach((el) => el.remove());
    renumber(copy, count);
    container.appendChild(copy);
    total.value = String(count + 1);
    wire(copy);
    copy.querySelector("select, input").focus();
  });

  function wire(row) {
    const remove = row.querySelector("[data-remove-row]");
    remove.hidden = false;
    remove.addEventListener("click", () => {
      clear(row);
      if (rows().filter((r) => !r.hidden).length > 1) row.hidden = true;
      add.focus();
    });
  }
  rows().forEach(wire);
})();
