// The segment editor: each rule row's relation list follows its field (the choices and hints
// come from the form's data-fields), and the value gets the matching suggestions list.
// Without this script every relation is listed and the server says which ones fit.
(function () {
  "use strict";
  const form = document.querySelector("form[data-fields]");
  if (!form) return;
  let fields = {};
  try {
    fields = JSON.parse(form.dataset.fields || "{}");
  } catch (error) {
    return;
  }
  const lists = { rfm: "rfm-classes", yes_no: "yes-no" };

  function update(row) {
    const field = row.querySelector("[data-rule-field]");
    const relation = row.querySelector("[data-rule-relation]");
    const value = row.querySelector("[data-rule-value]");
    const spec = fields[field.value];
    if (!spec) return;
    const current = relation.value;
    relation.replaceChildren();
    for (const [code, label] of Object.entries(spec.relations)) {
      const option = document.createElement("option");
      option.value = code;
      option.textContent = label;
      option.selected = code === current;
      relation.append(option);
    }
    value.placeholder = spec.help || "";
    if (lists[spec.kind]) {
      value.setAttribute("list", lists[spec.kind]);
    } else {
      value.removeAttribute("list");
    }
  }

  form.querySelectorAll("[data-rule-row]").forEach(update);
  form.addEventListener("change", function (event) {
    if (event.target.matches("[data-rule-field]")) {
      update(event.target.closest("[data-rule-row]"));
    }
  });
})();
