// Offers the market the browser's languages point to, once, on a page without a market
// prefix when the shopper has not chosen one. The server decides (market/suggest); this only
// shows its answer. "Switch" and "Stay here" both remember the choice in a cookie.
(function () {
  "use strict";
  var box = document.getElementById("market-suggestion");
  if (!box || !window.fetch) return;
  var url = box.dataset.suggestUrl + "?current=" + encodeURIComponent(box.dataset.current || "") +
    "&path=" + encodeURIComponent(location.pathname.replace(/^\/[a-z]{2,3}(?:-[a-z]{4})?-[a-z]{2}(?=\/|$)/, "") + location.search);
  if (box.dataset.current) return; // already on a market's own page

  function form(country, language, label, primary) {
    var f = document.createElement("form");
    f.method = "post";
    f.action = box.dataset.selectUrl;
    [["country", country], ["language", language], ["next", location.pathname + location.search]].forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      f.appendChild(input);
    });
    var button = document.createElement("button");
    button.type = "submit";
    button.className = primary ? "button button-primary" : "button button-secondary";
    button.textContent = label;
    f.appendChild(button);
    return f;
  }

  fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.status === 200 ? response.json() : null; })
    .then(function (data) {
      if (!data) return;
      var text = document.createElement("p");
      text.lang = data.lang;
      text.textContent = data.message;
      box.appendChild(text);
      box.appendChild(form(data.country, data.language, data.accept, true));
      box.appendChild(form(box.dataset.country, box.dataset.language, data.stay, false));
      box.hidden = false;
    })
    .catch(function () { /* no suggestion: the footer selector is still there */ });
})();
