/* First-party page views: one small same-origin beacon per page (no third party, no cookie
   written by script). The page names its type in the script tag's data attributes, which are
   the same for every visitor of a cached page. Without JavaScript nothing is sent. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !navigator.sendBeacon) return;
  var data = script.dataset;
  if (document.visibilityState === "prerender") return;
  function send() {
    var body = new URLSearchParams();
    body.set("t", data.page || "page");
    if (data.product) body.set("p", data.product);
    if (data.query) body.set("q", data.query);
    body.set("u", location.pathname + location.search);
    body.set("r", document.referrer || "");
    navigator.sendBeacon(data.endpoint, body);
  }
  if (document.prerendering) {
    document.addEventListener("prerenderingchange", send, { once: true });
  } else {
    send();
  }
})();
