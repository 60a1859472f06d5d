// Search suggestions under the header search box (an ARIA combobox), and auto-submitting
// selects. The page works without this file: the search form and the Sort button remain.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  // The header's cart count: cached pages cannot carry it, so it comes from the cart_count
  // cookie (the number only) that the cart pages set; htmx cart changes update it too.
  function showCartCount() {
    var badge = document.getElementById('cart-count');
    if (!badge) return;
    var match = document.cookie.match(/(?:^|;\s*)cart_count=(\d{1,4})(?:;|$)/);
    var count = match ? parseInt(match[1], 10) : 0;
    badge.textContent = count > 0 ? String(count) : '';
    badge.hidden = !(count > 0);
    var link = badge.parentElement;
    if (!link) return;
    // The words come from the page (data-label-*), in its language; "{count}" is the number.
    var words = link.dataset;
    var label = count === 1 ? words.labelOne : words.labelOther;
    link.setAttribute('aria-label', count > 0 && label ? label.replace('{count}', count)
      : (count > 0 ? 'Cart, ' + count : words.label || 'Cart'));
  }
  showCartCount();
  document.addEventListener('htmx:afterSettle', showCartCount);
  window.addEventListener('pageshow', showCartCount);
  document.querySelectorAll('[data-autosubmit]').forEach(function (field) {
    field.addEventListener('change', function () { field.form.submit(); });
  });

  var form = document.querySelector('form[data-suggest]');
  var list = document.getElementById('search-suggestions');
  if (!form || !list) return;
  var input = form.querySelector('input[name=q]');
  var items = [], active = -1, timer, request;
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('aria-expanded', 'false');

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function highlight(index) {
    active = index;
    items.forEach(function (item, n) { item.setAttribute('aria-selected', String(n === index)); });
    input.setAttribute('aria-activedescendant', items[index].id);
  }

  function show(products) {
    list.textContent = '';
    products.forEach(function (product, n) {
      var item = document.createElement('li'), link = document.createElement('a');
      var title = document.createElement('span'), price = document.createElement('span');
      item.id = 'suggestion-' + n;
      item.setAttribute('role', 'option');
      item.setAttribute('aria-selected', 'false');
      link.href = product.url;
      link.tabIndex = -1;
      if (product.image) {
        var image = new Image(40, 40);
        image.src = product.image;
        image.alt = '';
        link.append(image);
      }
      title.className = 's-title';
      title.textContent = product.title;
      price.className = 's-price';
      price.textContent = product.price;
      link.append(title, price);
      item.append(link);
      list.append(item);
    });
    items = Array.prototype.slice.call(list.children);
    active = -1;
    if (!items.length) return close();
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    var query = input.value.trim();
    if (query.length < 2) return close();
    timer = setTimeout(function () {
      if (request) request.abort();
      request = new AbortController();
      fetch(form.dataset.suggest + '?q=' + encodeURIComponent(query), { signal: request.signal })
        .then(function (response) { return response.json(); })
        .then(function (data) { show(data.products || []); })
        .catch(function () {});
    }, 150);
  });

  input.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') return close();
    if (list.hidden || !items.length) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      var step = event.key === 'ArrowDown' ? 1 : -1;
      highlight((active + step + items.length) % items.length);
    } else if (event.key === 'Enter' && active >= 0) {
      event.preventDefault();
      location.href = items[active].firstChild.href;
    }
  });

  form.addEventListener('focusout', function (event) {
    if (!form.contains(event.relatedTarget)) close();
  });
})();
