// Settings: show each colour's hex value beside its picker as it changes. Works without it.
(function () {
  "use strict";
  document.querySelectorAll("input[type=color]").forEach(function (picker) {
    var label = document.createElement("code");
    label.textContent = picker.value;
    picker.insertAdjacentElement("afterend", label);
    picker.addEventListener("input", function () { label.textContent = picker.value; });
  });
})();
