"""/dashboard/products/: the catalog for staff with the "products" permission.

Thin views: reads through `selectors`, writes through `freehold.catalog.services` (each
audited and announced by webhook there) or this area's `services` for grids saved at once.
Every page and POST is behind `staff_required("products")`; every form works without
JavaScript (images move with up and down buttons).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from freehold.catalog import services as catalog
from freehold.catalog.models import Product, ProductImage, Variant
from freehold.catalog.services import ProductInput, VariantInput
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import csv_response, paginate, render_page
from freehold.dashboard.products import selectors
from freehold.dashboard.products.forms import (
    BulkReasonForm,
    BulkRowForm,
    ImageUploadForm,
    NewProductForm,
    OptionsForm,
    ProductFilterForm,
    ProductForm,
    StockAdjustForm,
    VariantRowForm,
    amount,
    attach_error,
    split_tags,
)
from freehold.dashboard.products.services import (
    BulkRow,
    RowError,
    variants_bulk_edit,
    variants_save_grid,
)
from freehold.dashboard.store.markets_selectors import product_market_prices
from freehold.imports import exports
from freehold.imports import images as imports_images
from freehold.imports.selectors import product_import_state
from freehold.storefront.selectors import store_settings

SECTION = "products"
MAX_UPLOADS = 20
MAX_BULK_PRODUCTS = 50
PRODUCT_FIELDS = (
    "title",
    "handle",
    "description_html",
    "status",
    "product_type",
    "brand",
    "seo_title",
    "seo_description",
    "tax_class",
    "hs_code",
    "country_of_origin",
)


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def _edit_url(product: Product, anchor: str = "") -> str:
    url = reverse("dashboard:product-edit", args=[product.pk])
    return f"{url}#{anchor}" if anchor else url


def _product_or_404(product_id: int) -> Product:
    product = selectors.product_for_edit(product_id)
    if product is None:
        raise Http404("No such product")
    return product


# --- List, export ---------------------------------------------------------------------------


@staff_required("products")
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    threshold = catalog.low_stock_threshold()
    choices = selectors.filter_choices()
    filters = selectors.ProductFilters.from_query(request.GET)
    form = ProductFilterForm(request.GET or None, types=choices["types"], brands=choices["brands"])
    page = paginate(request, selectors.product_list(filters, threshold=threshold))
    return render_page(
        request,
        "dashboard/products/index.html",
        {
            "title": "Products",
            "section": SECTION,
            "form": form,
            "filters": filters,
            "page": page,
            "threshold": threshold,
            "export_query": request.GET.urlencode(),
        },
    )


@staff_required("products")
@require_GET
def export_csv(request: HttpRequest) -> HttpResponseBase:
    """Every product the list's filters match, in Shopify's product CSV layout."""
    filters = selectors.ProductFilters.from_query(request.GET)
    products = selectors.product_list(filters, threshold=catalog.low_stock_threshold())
    return csv_response(
        "products.csv",
        exports.PRODUCT_HEADER,
        exports.product_rows(products, absolute_url=request.build_absolute_uri),
    )


# --- Create, edit ---------------------------------------------------------------------------


@staff_required("products")
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    form = NewProductForm(request.POST or None, initial={"status": Product.Status.DRAFT})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = _actor(request)
        try:
            with transaction.atomic():
                product = catalog.product_create(
                    data=ProductInput(
                        title=data["title"],
                        handle=data["handle"],
                        description_html=data["description_html"],
                        product_type=data["product_type"],
                        brand=data["brand"],
                        tags=data["tags"],
                        status=data["status"],
                        seo_title=data["seo_title"],
                        seo_description=data["seo_description"],
                        tax_class=data["tax_class"],
                        hs_code=data["hs_code"],
                        country_of_origin=data["country_of_origin"],
                        variants=[
                            VariantInput(
                                price=data["price"],
                                compare_at_price=data["compare_at_price"],
                                sku=data["sku"].strip(),
                                barcode=data["barcode"].strip(),
                            )
                        ],
                    ),
                    currency=store_settings().currency,
                    actor=actor,
                )
                if data["stock_quantity"]:
                    catalog.stock_adjust(
                        variant=product.variants.get(),
                        delta=data["stock_quantity"],
                        reason="received",
                        note="Stock when the product was created",
                        actor=actor,
                    )
        except (ValidationError, FreeholdError) as exc:
            attach_error(form, exc)
        else:
            messages.success(request, f"{product.title} created. Add options and images below.")
            return HttpResponseRedirect(_edit_url(product))
    return render_page(
        request,
        "dashboard/products/new.html",
        {"title": "New product", "section": SECTION, "form": form},
    )


def _variant_forms(product: Product, data: Any = None) -> list[tuple[Variant, VariantRowForm]]:
    return [
        (
            variant,
            VariantRowForm(
                data, prefix=f"v{variant.pk}", initial=VariantRowForm.initial_for(variant)
            ),
        )
        for variant in product.variants.all()
    ]


def _render_edit(
    request: HttpRequest,
    product: Product,
    *,
    form: ProductForm | None = None,
    options_form: OptionsForm | None = None,
    variant_forms: list[tuple[Variant, VariantRowForm]] | None = None,
    variant_error: str = "",
    upload_form: ImageUploadForm | None = None,
) -> HttpResponse:
    threshold = catalog.low_stock_threshold()
    return render_page(
        request,
        "dashboard/products/edit.html",
        {
            "title": product.title,
            "section": SECTION,
            "product": product,
            "form": form or ProductForm(initial=ProductForm.initial_for(product)),
            "options_form": options_form or OptionsForm(initial=OptionsForm.initial_for(product)),
            "variant_forms": variant_forms or _variant_forms(product),
            "variant_error": variant_error,
            "upload_form": upload_form or ImageUploadForm(),
            "images": list(product.images.all()),
            "threshold": threshold,
            "storefront_url": product.get_absolute_url(),
            "market_prices": product_market_prices(product),
            "imported": product_import_state(product),
        },
    )


@staff_required("products")
@require_POST
def images_fetch(request: HttpRequest, product_id: int) -> HttpResponse:
    """Try again now to fetch the product's imported images that have not arrived."""
    product = _product_or_404(product_id)
    report = imports_images.images_fetch(product_ids=[product.pk], retry_failed=True)
    if report.fetched:
        messages.success(request, f"{report.fetched} image(s) fetched.")
    for url, error in report.errors.items():
        messages.error(request, f"{url}: {error}")
    return HttpResponseRedirect(_edit_url(product) + "#images")


@staff_required("products")
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product_or_404(product_id)
    if request.method != "POST":
        return _render_edit(request, product)
    initial = ProductForm.initial_for(product)
    form = ProductForm(request.POST, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        changes: dict[str, Any] = {
            name: data[name]
            for name in PRODUCT_FIELDS
            if data[name] != initial[name] and not (name == "handle" and not data[name])
        }
        if sorted(set(data["tags"])) != sorted(set(split_tags(initial["tags"]))):
            changes["tags"] = data["tags"]
        try:
            if changes:
                catalog.product_update(product=product, actor=_actor(request), **changes)
        except (ValidationError, FreeholdError) as exc:
            attach_error(form, exc)
        else:
            messages.success(request, "Product saved." if changes else "Nothing to save.")
            return HttpResponseRedirect(_edit_url(product))
    return _render_edit(request, product, form=form)


@staff_required("products")
@require_POST
def options(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product_or_404(product_id)
    form = OptionsForm(request.POST)
    if form.is_valid():
        try:
            result = catalog.product_set_options_matrix(
                product=product,
                options=form.options(),
                price=form.cleaned_data["price"],
                remove_missing=form.cleaned_data["remove_missing"],
                actor=_actor(request),
            )
        except FreeholdError as exc:
            form.add_error(form.field_for(exc.field or ""), exc.message)
        else:
            parts = [f"{len(result.created)} variants added"] if result.created else []
            if result.removed:
                parts.append(f"removed {', '.join(result.removed)}")
            messages.success(
                request, "Options saved" + (f": {'; '.join(parts)}." if parts else ".")
            )
            return HttpResponseRedirect(_edit_url(product, "variants"))
    product = _product_or_404(product_id)
    return _render_edit(request, product, options_form=form)


@staff_required("products")
@require_POST
def variants(request: HttpRequest, product_id: int) -> HttpResponse:
    """Save the variant grid: every row's changes in one transaction, or none."""
    product = _product_or_404(product_id)
    forms = _variant_forms(product, request.POST)
    error = ""
    if all(form.is_valid() for _, form in forms):
        try:
            result = variants_save_grid(
                rows=[(variant, form.changes(variant)) for variant, form in forms],
                actor=_actor(request),
            )
        except RowError as exc:
            row_form = dict((v.pk, f) for v, f in forms)[exc.variant.pk]
            row_form.add_error(exc.field if exc.field in row_form.fields else None, exc.message)
            error = str(exc)
        else:
            count = result.variants_changed
            messages.success(
                request,
                f"{count} variant{'s' if count != 1 else ''} saved." if count else "No changes.",
            )
            return HttpResponseRedirect(_edit_url(product, "variants"))
    else:
        error = "; ".join(
            f"{variant.title or 'Default'}: {label}"
            for variant, form in forms
            for label in _error_labels(form)
        )
    product = _product_or_404(product_id)
    return _render_edit(request, product, variant_forms=forms, variant_error=error)


def _error_labels(form: VariantRowForm | BulkRowForm) -> list[str]:
    return [
        f"{form.fields[name].label if name in form.fields else ''} "
        f"{' '.join(str(error) for error in errors)}".strip()
        for name, errors in form.errors.items()
    ]


@staff_required("products")
@require_POST
def variant_delete(request: HttpRequest, product_id: int, variant_id: int) -> HttpResponse:
    variant = get_object_or_404(
        Variant.objects.select_related("product"), pk=variant_id, product_id=product_id
    )
    title = variant.title or "Default"
    try:
        catalog.variant_delete(variant=variant, actor=_actor(request))
    except FreeholdError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Variant {title} deleted.")
    return HttpResponseRedirect(_edit_url(variant.product, "variants"))


# --- Stock ----------------------------------------------------------------------------------


@staff_required("products")
@require_http_methods(["GET", "POST"])
def variant_stock(request: HttpRequest, product_id: int, variant_id: int) -> HttpResponse:
    variant = get_object_or_404(
        Variant.objects.select_related("product"), pk=variant_id, product_id=product_id
    )
    form = StockAdjustForm(request.POST or None, initial={"reason": "received"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            after = catalog.stock_adjust(
                variant=variant,
                delta=data["delta"],
                reason=data["reason"],
                note=data["note"],
                actor=_actor(request),
            )
        except FreeholdError as exc:
            attach_error(form, exc)
        else:
            messages.success(
                request, f"Stock of {variant.title or variant.product.title} is now {after}."
            )
            return HttpResponseRedirect(
                reverse("dashboard:product-variant-stock", args=[product_id, variant_id])
            )
    page = paginate(request, selectors.stock_history(variant))
    return render_page(
        request,
        "dashboard/products/stock.html",
        {
            "title": f"Stock: {variant.product.title}"
            + (f" – {variant.title}" if variant.title else ""),
            "section": SECTION,
            "product": variant.product,
            "variant": variant,
            "form": form,
            "page": page,
            "threshold": catalog.low_stock_threshold(),
        },
    )


# --- Images ---------------------------------------------------------------------------------


@staff_required("products")
@require_POST
def images(request: HttpRequest, product_id: int) -> HttpResponse:
    """Upload one or more images (all or none: a bad file names itself and saves nothing)."""
    product = _product_or_404(product_id)
    form = ImageUploadForm(request.POST)
    files = request.FILES.getlist("files")
    if not files:
        form.add_error(None, "Images: choose at least one image file.")
    elif len(files) > MAX_UPLOADS:
        form.add_error(None, f"Images: at most {MAX_UPLOADS} files at once.")
    if form.is_valid():
        actor = _actor(request)
        current = ""
        try:
            with transaction.atomic():
                for upload in files:
                    current = upload.name or "file"
                    catalog.image_add(
                        product=product, upload=upload, alt=form.cleaned_data["alt"], actor=actor
                    )
        except (ValidationError, FreeholdError) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else exc.message
            form.add_error(None, f"Images: {current}: {message}")
        else:
            count = len(files)
            messages.success(request, f"{count} image{'s' if count != 1 else ''} added.")
            return HttpResponseRedirect(_edit_url(product, "images"))
    product = _product_or_404(product_id)
    return _render_edit(request, product, upload_form=form)


@staff_required("products")
@require_POST
def image(request: HttpRequest, product_id: int, image_id: int) -> HttpResponse:
    """One image's buttons: move up, move down, save alt text, delete."""
    picture = get_object_or_404(
        ProductImage.objects.select_related("product"), pk=image_id, product_id=product_id
    )
    product = picture.product
    action = request.POST.get("action", "")
    actor = _actor(request)
    alt = request.POST.get("alt")
    if action in ("up", "down") and alt is not None and alt.strip() != picture.alt:
        # The buttons share the alt text's form: text typed before moving is not lost.
        catalog.image_update(image=picture, alt=alt, actor=actor)
    if action in ("up", "down"):
        order = list(
            ProductImage.objects.filter(product=product)
            .order_by("position", "id")
            .values_list("pk", flat=True)
        )
        index = order.index(picture.pk)
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(order):
            order[index], order[other] = order[other], order[index]
            catalog.images_reorder(product=product, ordered_ids=order, actor=actor)
    elif action == "alt":
        catalog.image_update(image=picture, alt=alt or "", actor=actor)
        messages.success(request, "Alt text saved.")
    elif action == "delete":
        catalog.image_delete(image=picture, actor=actor)
        messages.success(request, "Image deleted.")
    else:
        messages.error(request, "Unknown image action.")
    return HttpResponseRedirect(_edit_url(product, "images"))


@staff_required("products")
@require_POST
def images_order(request: HttpRequest, product_id: int) -> HttpResponse:
    """The order dragged in the browser (products.js posts it as a plain form)."""
    product = get_object_or_404(Product, pk=product_id)
    ids = [int(value) for value in request.POST.getlist("ordered_ids") if value.isdigit()]
    try:
        catalog.images_reorder(product=product, ordered_ids=ids, actor=_actor(request))
    except FreeholdError as exc:
        messages.error(request, f"Images: {exc.message}")
    else:
        messages.success(request, "Image order saved.")
    return HttpResponseRedirect(_edit_url(product, "images"))


# --- Whole-product actions ------------------------------------------------------------------


@staff_required("products")
@require_POST
def duplicate(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_id)
    copy = catalog.product_duplicate(product=product, actor=_actor(request))
    messages.success(request, f"{copy.title} created as a draft (no SKUs, barcodes or stock).")
    return HttpResponseRedirect(_edit_url(copy))


@staff_required("products")
@require_POST
def archive(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_id)
    if request.POST.get("action") == "unarchive":
        catalog.product_unarchive(product=product, actor=_actor(request))
        messages.success(request, f"{product.title} is back, as a draft.")
    else:
        catalog.product_archive(product=product, actor=_actor(request))
        messages.success(request, f"{product.title} archived: hidden from the store.")
    return HttpResponseRedirect(_edit_url(product))


# --- Bulk price and stock -------------------------------------------------------------------


def _chosen_ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        for part in value.split(","):
            if part.strip().isdigit():
                ids.append(int(part))
    return list(dict.fromkeys(ids))[:MAX_BULK_PRODUCTS]


@staff_required("products")
@require_http_methods(["GET", "POST"])
def bulk(request: HttpRequest) -> HttpResponse:
    """Prices and stock of the chosen products' variants in one grid, saved all at once."""
    source = request.POST if request.method == "POST" else request.GET
    ids = _chosen_ids(source.getlist("ids"))
    variants = selectors.variants_for_bulk_edit(ids)
    data = request.POST if request.method == "POST" else None
    rows = [
        (
            variant,
            BulkRowForm(
                data,
                prefix=f"v{variant.pk}",
                initial={
                    "price": amount(variant.price_amount, variant.currency),
                    "compare_at_price": amount(variant.compare_at_price_amount, variant.currency),
                    "stock": variant.stock_quantity,
                    "stock_was": variant.stock_quantity,
                },
            ),
        )
        for variant in variants
    ]
    reason_form = BulkReasonForm(data)
    error = ""
    if request.method == "POST":
        if reason_form.is_valid() and all(form.is_valid() for _, form in rows):
            changes = []
            for variant, form in rows:
                clean = form.cleaned_data
                stock, was = clean.get("stock"), clean.get("stock_was")
                delta = stock - was if stock is not None and was is not None else 0
                changes.append(
                    BulkRow(
                        variant=variant,
                        price=clean["price"],
                        compare_at_price=clean["compare_at_price"],
                        stock_delta=delta,
                    )
                )
            try:
                result = variants_bulk_edit(
                    rows=changes, reason=reason_form.cleaned_data["reason"], actor=_actor(request)
                )
            except RowError as exc:
                row_form = rows[exc.row - 1][1]
                target = exc.field if exc.field in row_form.fields else None
                row_form.add_error(target, exc.message)
                error = str(exc)
            else:
                messages.success(
                    request,
                    f"Saved: {result.variants_changed} prices, {result.stock_changes} stock "
                    "changes.",
                )
                return HttpResponseRedirect(reverse("dashboard:products"))
        else:
            error = "; ".join(
                f"Row {number}, {variant.product.title}"
                + (f" – {variant.title}" if variant.title else "")
                + f": {label}"
                for number, (variant, form) in enumerate(rows, start=1)
                for label in _error_labels(form)
            )
    return render_page(
        request,
        "dashboard/products/bulk.html",
        {
            "title": "Edit prices and stock",
            "section": SECTION,
            "rows": rows,
            "ids": ids,
            "reason_form": reason_form,
            "error": error,
        },
    )
