// Words to start a condolence from: with a script, buttons that fill the message box; without
// one, the select stays (choosing a phrase and sending an empty message leaves it).
document.querySelectorAll("form.condolence-form").forEach(function (form) {
  const chips = form.querySelector("[data-quick-phrases]");
  const fallback = form.querySelector("[data-quick-phrases-fallback]");
  const message = form.querySelector("textarea[name=message]");
  if (!chips || !message) return;
  chips.hidden = false;
  if (fallback) fallback.hidden = true;
  chips.querySelectorAll("button[data-phrase]").forEach(function (button) {
    button.addEventListener("click", function () {
      const phrase = button.getAttribute("data-phrase");
      message.value = message.value.trim() ? message.value.trim() + " " + phrase : phrase;
      message.focus();
    });
  });
});
