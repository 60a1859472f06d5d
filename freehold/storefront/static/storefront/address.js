// Address forms: choosing another country re-renders the form for it (its fields, labels and
// subdivisions) by pressing the form's Update button for the shopper. Without this file the
// button is visible and does the same. The checkout's country select uses htmx instead
// (it has hx-post), so it is left alone here.
(function () {
  'use strict';
  document.addEventListener('change', function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute('data-address-country')) return;
    if (select.hasAttribute('hx-post')) return;
    var form = select.form;
    var button = form && form.querySelector('[data-address-update]');
    if (!button) return;
    if (typeof form.requestSubmit === 'function') form.requestSubmit(button);
    else button.click();
  });
})();
