// The variant picker without a reload: reads the variants embedded in #product-data and
// updates price, compare-at, the 30-day low, availability, main image and the URL.
(function () {
  'use strict';
  var source = document.getElementById('product-data');
  if (!source) return;
  var data = JSON.parse(source.textContent);
  var byId = function (id) { return document.getElementById(id); };
  var price = byId('product-price'), compare = byId('product-compare-at');
  var lowest = byId('product-lowest-price'), availability = byId('product-availability');
  var sku = byId('product-sku'), form = byId('variant-picker');
  var addForm = byId('add-to-cart'), addButton = byId('add-to-cart-button');
  // The button's words in the page's language (data-label-* on the button).
  var labels = addButton ? addButton.dataset : {};
  var unavailable = labels.labelUnavailable || 'Unavailable';

  // A marketplace seller whose sales are suspended: no variant can be bought (data-blocked).
  var blocked = addButton ? addButton.hasAttribute('data-blocked') : false;

  // The add-to-cart form posts the variant the picker shows; a sold-out one cannot be added.
  function setBuyable(variant) {
    if (!addForm || !addButton) return;
    addForm.elements.variant_id.value = variant ? variant.id : '';
    addButton.disabled = blocked || !(variant && variant.available);
    addButton.textContent = !variant || blocked ? unavailable
      : (variant.available ? labels.labelAdd || 'Add to cart' : labels.labelSoldOut || 'Sold out');
  }

  function setValue(element, value) {
    if (!element) return;
    element.hidden = !value;
    element.querySelector('[data-value]').textContent = value || '';
  }

  function showImage(id) {
    var image = data.images[id], main = byId('product-main-image');
    if (!image || !main || main.tagName !== 'IMG') return;
    var picture = main.parentElement.tagName === 'PICTURE' ? main.parentElement : null;
    var webp = picture && picture.querySelector('source');
    if (webp) {
      if (image.webp) webp.srcset = image.webp;
      else webp.remove();
    }
    main.srcset = image.srcset;
    main.src = image.src;
    main.width = image.width;
    main.height = image.height;
    if (image.alt) main.alt = image.alt;
    document.querySelectorAll('.thumb').forEach(function (thumb) {
      if (thumb.dataset.image === String(id)) thumb.setAttribute('aria-current', 'true');
      else thumb.removeAttribute('aria-current');
    });
  }

  document.querySelectorAll('.thumb').forEach(function (thumb) {
    thumb.addEventListener('click', function (event) {
      event.preventDefault();
      showImage(thumb.dataset.image);
    });
  });

  if (!form) return;

  function chosen() {
    return data.options.map(function (_, n) {
      var input = form.querySelector('input[name=option' + (n + 1) + ']:checked');
      return input ? input.value : '';
    });
  }

  function matches(variant, values, skip) {
    return variant.options.every(function (value, n) { return n === skip || value === values[n]; });
  }

  function update() {
    var values = chosen();
    form.querySelectorAll('fieldset').forEach(function (fieldset, n) {
      var checked = fieldset.querySelector('input:checked');
      fieldset.querySelector('.option-current').textContent = checked ? (checked.dataset.label || checked.value) : '';
      fieldset.querySelectorAll('input').forEach(function (input) {
        var open = data.variants.some(function (variant) {
          return variant.available && variant.options[n] === input.value && matches(variant, values, n);
        });
        var label = input.nextElementSibling;
        label.classList.toggle('is-unavailable', !open);
        label.querySelector('.unavailable-note').hidden = open;
      });
    });
    var variant = data.variants.find(function (candidate) { return matches(candidate, values, -1); });
    availability.className = 'availability ' + (variant && variant.available ? 'is-available' : 'is-sold-out');
    setBuyable(variant);
    if (!variant) {
      availability.textContent = unavailable;
      return;
    }
    availability.textContent = variant.availability;
    price.textContent = variant.price;
    price.classList.toggle('is-sale', !!variant.compare_at);
    setValue(compare, variant.compare_at);
    setValue(lowest, variant.lowest);
    if (sku) sku.textContent = variant.sku || '';
    if (variant.image) showImage(variant.image);
    var url = new URL(location.href);
    ['option1', 'option2', 'option3'].forEach(function (name) { url.searchParams.delete(name); });
    url.searchParams.set('variant', variant.id);
    history.replaceState(null, '', url);
  }

  form.addEventListener('change', update);
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    update();
  });
  // A choice made before this script ran (a fast tap on a slow phone) fired no change event:
  // catch up with what the picker shows.
  var shown = data.variants.find(function (candidate) { return matches(candidate, chosen(), -1); });
  if (addForm && String(shown ? shown.id : '') !== addForm.elements.variant_id.value) update();
  form.dataset.ready = 'true';
})();
