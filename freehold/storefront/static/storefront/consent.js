// The consent banner: shown when the fh_consent cookie holds no answer to the current wording
// (the page itself is cached and the same for everyone, so the decision is made here).
// Accept all / Reject all / Choose are equal buttons; the answer is posted to the server,
// which sets the cookie and records it. A visitor who opted out of sale or sharing (Do Not
// Sell, or the browser's Global Privacy Control) is not asked about marketing again.
(function () {
  "use strict";
  var banner = document.getElementById("consent-banner");
  if (!banner) return;
  // The privacy choices page carries the same form: no banner on top of it.
  if (document.getElementById("privacy-choices")) return;

  function consentCookie() {
    var parts = {};
    document.cookie.split(";").forEach(function (item) {
      var pair = item.trim().split("=");
      if (pair.shift() !== "fh_consent") return;
      // The server's cookie library quotes a value holding "=": "a=1&m=0&s=0&v=...".
      var value = decodeURIComponent(pair.join("=")).replace(/^"|"$/g, "");
      value.split("&").forEach(function (field) {
        var kv = field.split("=");
        parts[kv[0]] = kv[1] || "";
      });
    });
    return parts;
  }

  var answer = consentCookie();
  if (answer.v === banner.dataset.version && "a" in answer) return;

  var form = banner.querySelector("form");
  var purposes = banner.querySelector("[data-consent-purposes]");
  var choose = banner.querySelector("[data-consent-choose]");
  var save = banner.querySelector("[data-consent-save]");
  if (answer.s === "1" || navigator.globalPrivacyControl === true) {
    var marketing = banner.querySelector("[data-consent-marketing]");
    if (marketing) marketing.remove();
  }
  var lastChoice = null;

  choose.addEventListener("click", function () {
    purposes.hidden = false;
    choose.hidden = true;
    save.hidden = false;
    var first = purposes.querySelector("input");
    if (first) first.focus();
  });

  form.querySelectorAll("button[name=choice]").forEach(function (button) {
    button.addEventListener("click", function () { lastChoice = button.value; });
  });

  // Without the script's request (an error, an old browser): the plain form, which comes back
  // to this page, or shows the server's answer in full.
  function submitPlain(choice) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "choice";
    input.value = choice;
    form.appendChild(input);
    form.submit();
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) return;
    event.preventDefault();
    var submitter = event.submitter;
    var choice = submitter && submitter.value ? submitter.value : (lastChoice || "custom");
    var data = new FormData(form);
    data.set("choice", choice);
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.ok) {
        banner.hidden = true;
        document.body.style.paddingBottom = "";
      } else {
        submitPlain(choice);
      }
    }).catch(function () { submitPlain(choice); });
  });

  banner.hidden = false;
  // The banner is fixed at the bottom: room for it, so the footer's links stay reachable.
  // (A CSSOM property, not a style attribute: the CSP allows it.)
  function makeRoom() {
    if (!banner.hidden) document.body.style.paddingBottom = banner.offsetHeight + "px";
  }
  makeRoom();
  choose.addEventListener("click", makeRoom);
  window.addEventListener("resize", makeRoom);
})();
