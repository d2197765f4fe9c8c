// The share button (the phone's share sheet, or the link copied) and the copy buttons of the
// family's accounts (마음 전하실 곳). No inline script: the site's Content-Security-Policy forbids it.
(function () {
  "use strict";
  if (window.memoriaShareReady) return; // the script may be included by two parts of a page
  window.memoriaShareReady = true;

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.top = "0";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try {
        if (document.execCommand("copy")) { resolve(); } else { reject(new Error("copy refused")); }
      } catch (error) {
        reject(error);
      } finally {
        document.body.removeChild(area);
      }
    });
  }

  function say(button, text) {
    if (!text) return;
    var scope = button.closest("[data-copy-scope]") || button.closest("section") || document.body;
    var status = scope.querySelector(".copy-status");
    if (!status) return;
    status.textContent = "";
    // A moment later, so screen readers announce the same sentence twice in a row too.
    window.setTimeout(function () { status.textContent = text; }, 50);
    button.classList.add("copied");
    window.setTimeout(function () { button.classList.remove("copied"); }, 2000);
  }

  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      copyText(copy.getAttribute("data-copy")).then(
        function () { say(copy, copy.getAttribute("data-copied")); },
        function () { say(copy, copy.getAttribute("data-copy-failed")); }
      );
      return;
    }
    var share = event.target.closest("[data-share-url]");
    if (!share) return;
    var data = {
      title: share.getAttribute("data-share-title") || document.title,
      text: share.getAttribute("data-share-text") || "",
      url: share.getAttribute("data-share-url") || window.location.href
    };
    var phone = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    if (navigator.share && phone && (!navigator.canShare || navigator.canShare(data))) {
      navigator.share(data).catch(function () { /* the person closed the share sheet */ });
      return;
    }
    copyText((data.text ? data.text + "\n" : "") + data.url).then(
      function () { say(share, share.getAttribute("data-copied")); },
      function () { say(share, share.getAttribute("data-copy-failed")); }
    );
  });
})();
