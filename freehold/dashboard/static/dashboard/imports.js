// Import screen: while a (possibly large) file uploads and is read, the button says so and
// cannot be pressed twice. The page works the same without this file.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches || !form.matches("form.import-form")) return;
    var button = form.querySelector("button[type=submit]");
    if (!button) return;
    // Disabled after this event, so the form is still sent (a disabled submitter would not be).
    window.setTimeout(function () {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.textContent = "Uploading and reading the file…";
    }, 0);
  });
})();
