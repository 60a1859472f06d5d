// Freehold dashboard: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Forms and buttons with data-confirm ask first ("Refund 12.00 EUR?").
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // A "select all" checkbox: <input type=checkbox data-select-all="name-of-row-checkboxes">.
  document.addEventListener("change", function (event) {
    var box = event.target;
    var name = box.getAttribute && box.getAttribute("data-select-all");
    if (!name) return;
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (row) {
      row.checked = box.checked;
    });
  });

  // Keyboard: "/" focuses the search field; "g" then a letter goes to an area
  // (g h home, g o orders, g p products, g c customers, g d discounts, g s settings).
  var areas = { h: "/dashboard/", o: "/dashboard/orders/", p: "/dashboard/products/", c: "/dashboard/customers/", d: "/dashboard/discounts/", s: "/dashboard/settings/" };
  var pendingG = false;
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/") {
      var search = document.querySelector("[data-shortcut='/']");
      if (search) { event.preventDefault(); search.focus(); }
      return;
    }
    if (pendingG && areas[event.key]) {
      pendingG = false;
      window.location.assign(areas[event.key]);
      return;
    }
    pendingG = event.key === "g";
  });

  // <button data-print> prints the page (packing slips, invoices).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { event.preventDefault(); window.print(); }
  });
})();
