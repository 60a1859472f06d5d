// Products area: drag images into order. Without this file the up and down buttons do the same.
// On drop, the new order is posted as a plain form (ordered_ids), so the server answers with the
// same redirect and message as the buttons.
(function () {
  "use strict";

  document.querySelectorAll("[data-sortable]").forEach(function (list) {
    var form = document.getElementById(list.getAttribute("data-sortable"));
    if (!form) return;
    var hint = list.parentNode.querySelector(".js-only");
    if (hint) hint.hidden = false;
    var dragged = null;

    list.querySelectorAll("li[data-id]").forEach(function (item) {
      item.draggable = true;
      item.addEventListener("dragstart", function (event) {
        dragged = item;
        item.classList.add("is-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.getAttribute("data-id"));
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("is-dragging");
      });
      item.addEventListener("dragover", function (event) {
        if (!dragged || dragged === item) return;
        event.preventDefault();
        var box = item.getBoundingClientRect();
        var after = event.clientY > box.top + box.height / 2;
        list.insertBefore(dragged, after ? item.nextSibling : item);
      });
      item.addEventListener("drop", function (event) {
        event.preventDefault();
      });
    });

    list.addEventListener("drop", function () {
      if (!dragged) return;
      dragged = null;
      form.querySelectorAll("input[name=ordered_ids]").forEach(function (old) { old.remove(); });
      list.querySelectorAll("li[data-id]").forEach(function (item) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "ordered_ids";
        input.value = item.getAttribute("data-id");
        form.appendChild(input);
      });
      form.submit();
    });
  });
})();
