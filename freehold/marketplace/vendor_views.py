"""The vendor's side of marketplace mode: applying (/sell), accepting an invitation, the vendor
dashboard's home and products. Thin views: forms check input, vendor_services write and audit.

With marketplace mode off every page here is a 404 (`vendor_required` and `_marketplace_on`).
A vendor only reaches its own products: another vendor's or the operator's are a 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from freehold.catalog.models import Product, Variant
from freehold.catalog.services import VariantInput
from freehold.catalog.validators import validate_gtin
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.dashboard.products.forms import ImageUploadForm, OptionsForm, amount, money_field
from freehold.dashboard.products.forms import ProductForm as CatalogProductForm
from freehold.marketplace import dsa, inform, product_safety
from freehold.marketplace import vendor_services as services
from freehold.marketplace.models import SubOrderLine, Vendor
from freehold.marketplace.vendor_access import (
    VENDOR_NAV,
    marketplace_enabled,
    render_vendor,
    vendor_of,
    vendor_required,
)
from freehold.storefront.selectors import store_settings

VENDOR_NAV.extend([("vendor-home", "Home"), ("vendor-products", "Products")])

STATUS_CHOICES = [(Product.Status.DRAFT, "Draft"), (Product.Status.ACTIVE, "Active")]


def _marketplace_on() -> None:
    if not marketplace_enabled():
        raise Http404("The marketplace is off.")


def _show_error(form: forms.BaseForm, error: FreeholdError) -> None:
    field = error.field
    form.add_error(field if field in form.fields else None, error.message)


def _storefront_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    status = context.pop("status", 200)
    response = render(request, template, context, status=status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _login_links(request: HttpRequest) -> dict[str, str]:
    query = urlencode({"next": request.get_full_path()})
    return {
        "login_url": f"{reverse('account-login')}?{query}",
        "register_url": f"{reverse('account-register')}?{query}",
    }


# --- Applying and invitations (storefront pages) -------------------------------------------


class ApplicationForm(forms.Form):
    name = forms.CharField(max_length=255, label=gettext_lazy("Business or trading name"))
    email = forms.EmailField(label=gettext_lazy("Contact e-mail"))
    phone = forms.CharField(max_length=32, required=False, label=gettext_lazy("Phone"))
    country_code = forms.CharField(
        max_length=2, min_length=2, label=gettext_lazy("Country (two-letter code)")
    )
    is_business = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("I sell as a business (a trader)")
    )


@require_http_methods(["GET", "HEAD", "POST"])
def sell(request: HttpRequest) -> HttpResponse:
    """Apply to sell on the store; staff approve the application."""
    _marketplace_on()
    title = gettext("Sell with us")
    if not request.user.is_authenticated:
        return _storefront_page(
            request, "vendor/sell.html", {"title": title, "form": None, **_login_links(request)}
        )
    if vendor_of(request.user) is not None:
        return HttpResponseRedirect(reverse("vendor-home"))
    form = ApplicationForm(
        request.POST or None, initial={"email": request.user.email, "is_business": True}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.vendor_apply(
                customer=request.user,  # type: ignore[arg-type]
                application=services.Application(**form.cleaned_data),
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            messages.success(request, gettext("Thank you: we will review your application."))
            return HttpResponseRedirect(reverse("vendor-home"))
    return _storefront_page(
        request,
        "vendor/sell.html",
        {"title": title, "form": form, "status": 400 if form.errors else 200},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation e-mail: log in or register, then accept."""
    _marketplace_on()
    vendor = services.vendor_by_invitation(token)
    if vendor is None:
        raise Http404("No such invitation.")
    context: dict[str, Any] = {"title": gettext("Your invitation"), "invited": vendor}
    if not request.user.is_authenticated:
        return _storefront_page(
            request, "vendor/invitation.html", {**context, **_login_links(request)}
        )
    if request.method == "POST":
        try:
            services.vendor_invitation_accept(token=token, customer=request.user)  # type: ignore[arg-type]
        except FreeholdError as error:
            context["error"] = error.message
        else:
            messages.success(request, gettext("Welcome: you can now add your products."))
            return HttpResponseRedirect(reverse("vendor-home"))
    return _storefront_page(request, "vendor/invitation.html", context)


# --- The vendor dashboard -------------------------------------------------------------------


def open_line_count(vendor: Vendor) -> int:
    """Order lines of this vendor still to ship (fulfilled + refunded short of the quantity)."""
    return (
        SubOrderLine.objects.filter(suborder__vendor=vendor)
        .filter(
            order_line__quantity__gt=F("order_line__quantity_fulfilled")
            + F("order_line__quantity_refunded")
        )
        .count()
    )


@vendor_required
def home(request: HttpRequest, vendor: Vendor) -> HttpResponse:
    products = Product.objects.filter(vendor_link__vendor=vendor)
    return render_vendor(
        request,
        vendor,
        "vendor/home.html",
        {
            "title": "Home",
            "section": "vendor-home",
            "pending": vendor.status != Vendor.Status.ACTIVE,
            "product_count": products.count(),
            "active_count": products.filter(status=Product.Status.ACTIVE).count(),
            "open_lines": open_line_count(vendor),
            "listing_problem": services.listing_problem(vendor),
            # The same derivation every other view uses: never a stored, lagging status.
            "verification": inform.verification(vendor),
        },
    )


@vendor_required
def products(request: HttpRequest, vendor: Vendor) -> HttpResponse:
    rows = (
        Product.objects.filter(vendor_link__vendor=vendor)
        .exclude(status=Product.Status.ARCHIVED)
        .order_by("-created_at", "-pk")
    )
    return render_vendor(
        request,
        vendor,
        "vendor/products.html",
        {
            "title": "Products",
            "section": "vendor-products",
            "rows": rows,
            "listing_problem": services.listing_problem(vendor),
        },
    )


def _add_safety_fields(form: forms.BaseForm) -> None:
    """DSA Art. 31: the product-safety information, on the create and edit forms when the DSA
    applies to the vendor (product_safety.safety_check says which are needed to go live)."""
    for name in product_safety.SAFETY_FIELDS:
        multiline = name in ("operator_address", "warnings")
        form.fields[name] = forms.CharField(
            label=product_safety.FIELD_LABELS[name],
            required=False,
            max_length=4000 if multiline else 255,
            widget=forms.Textarea(attrs={"rows": 3}) if multiline else forms.TextInput,
        )


def _safety_input(form: forms.BaseForm) -> product_safety.SafetyInput | None:
    if "operator_name" not in form.fields:
        return None
    return product_safety.SafetyInput.from_mapping(form.cleaned_data)


class ProductForm(forms.Form):
    title = forms.CharField(max_length=255)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    price = forms.DecimalField(min_value=Decimal(0), max_digits=12, decimal_places=2)
    stock = forms.IntegerField(min_value=0, initial=0)
    option_name = forms.CharField(
        max_length=255, required=False, label="Option (optional)", help_text="For example Size."
    )
    option_values = forms.CharField(
        max_length=1000, required=False, label="Option values", help_text="Separated by commas."
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, initial=Product.Status.DRAFT)

    def __init__(self, *args: Any, safety: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if safety:
            _add_safety_fields(self)


@vendor_required
@require_http_methods(["GET", "HEAD", "POST"])
def product_new(request: HttpRequest, vendor: Vendor) -> HttpResponse:
    problem = services.listing_problem(vendor)
    if vendor.status != Vendor.Status.ACTIVE:
        messages.error(request, problem)
        return HttpResponseRedirect(reverse("vendor-home"))
    form = ProductForm(request.POST or None, safety=dsa.applies_to(vendor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product = services.vendor_product_create(
                vendor=vendor,
                actor=Actor.for_user(request.user),
                currency=store_settings().currency,
                data=services.VendorProductInput(
                    title=data["title"],
                    description_html=data["description"],
                    price=data["price"],
                    stock=data["stock"],
                    status=data["status"],
                    option_name=data["option_name"],
                    option_values=tuple(data["option_values"].split(",")),
                    safety=_safety_input(form),
                ),
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            messages.success(request, f"{product.title} created.")
            return HttpResponseRedirect(reverse("vendor-product", args=[product.pk]))
    return render_vendor(
        request,
        vendor,
        "vendor/product_form.html",
        {
            "title": "New product",
            "section": "vendor-products",
            "form": form,
            "listing_problem": problem,
        },
        status=400 if form.errors else 200,
    )


# --- Editing a product: details, variants, options, images ----------------------------------

# The operator's product fields a vendor edits (brand is the vendor's name; handle, SEO, tax
# class and customs data stay the operator's).
VENDOR_PRODUCT_FIELDS = ("title", "description_html", "product_type", "tags", "status")


class VendorProductForm(CatalogProductForm):
    """The operator's product form (same labels, same tag parsing; the description is the
    same sanitised HTML) cut to the vendor's fields, plus a row of fields per variant:
    price-<id>, compare_at-<id>, sku-<id>, barcode-<id>, stock-<id>, option<n>-<id>."""

    def __init__(self, *args: Any, product: Product, safety: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in VENDOR_PRODUCT_FIELDS:
                del self.fields[name]
        if safety:
            _add_safety_fields(self)
            for name, value in product_safety.initial_for(product).items():
                self.initial.setdefault(name, value)
        choices = list(STATUS_CHOICES)
        if product.status == Product.Status.ARCHIVED:
            choices.append((Product.Status.ARCHIVED, "Archived"))
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = choices
        self.options = list(product.options.order_by("position"))
        self.variants = list(product.variants.order_by("position", "pk"))
        for variant in self.variants:
            self._add_variant_fields(variant)

    def _add_variant_fields(self, variant: Variant) -> None:
        pk, title = variant.pk, variant.title

        def label(what: str) -> str:
            return f"{title}: {what.lower()}" if title else what

        fields = self.fields
        fields[f"price-{pk}"] = money_field(label("Price"))
        fields[f"compare_at-{pk}"] = money_field(
            label("Compare-at price"), required=False, help_text="" if title else COMPARE_AT_HELP
        )
        fields[f"sku-{pk}"] = forms.CharField(
            label=f"{title}: SKU" if title else "SKU", max_length=255, required=False
        )
        fields[f"barcode-{pk}"] = forms.CharField(
            label=f"{title}: barcode (GTIN)" if title else "Barcode (GTIN)",
            max_length=32,
            required=False,
            validators=[validate_gtin],
        )
        fields[f"stock-{pk}"] = forms.IntegerField(
            label=label("Stock"),
            min_value=0,
            error_messages={"min_value": "cannot be negative."},
        )
        values = [variant.option1, variant.option2, variant.option3]
        for option in self.options:
            fields[f"option{option.position}-{pk}"] = forms.CharField(
                label=f"{title}: {option.name}" if title else option.name, max_length=255
            )
            self.initial[f"option{option.position}-{pk}"] = values[option.position - 1]
        currency = variant.currency
        self.initial.update(
            {
                f"price-{pk}": amount(variant.price_amount, currency),
                f"compare_at-{pk}": amount(variant.compare_at_price_amount, currency),
                f"sku-{pk}": variant.sku,
                f"barcode-{pk}": variant.barcode,
                f"stock-{pk}": variant.stock_quantity,
            }
        )

    def variant_rows(self) -> list[tuple[Variant, list[forms.BoundField]]]:
        """Each variant with its bound fields, for the template."""
        names = [f"option{option.position}" for option in self.options]
        names += ["price", "compare_at", "sku", "barcode", "stock"]
        return [(v, [self[f"{name}-{v.pk}"] for name in names]) for v in self.variants]

    def variant_edits(self) -> dict[int, services.VariantEdit]:
        data = self.cleaned_data
        edits = {}
        for variant in self.variants:
            pk = variant.pk
            compare_at = data[f"compare_at-{pk}"]
            edits[pk] = services.VariantEdit(
                price=data[f"price-{pk}"],
                compare_at_price=compare_at,
                clear_compare_at=compare_at is None,
                sku=data[f"sku-{pk}"],
                barcode=data[f"barcode-{pk}"],
                stock=data[f"stock-{pk}"],
                options=tuple(data[f"option{o.position}-{pk}"] for o in self.options) or None,
            )
        return edits


COMPARE_AT_HELP = "The higher price it was sold at: shown struck through. Empty: none."


class NewVariantForm(forms.Form):
    """One more variant: a value for each of the product's options, and its own price."""

    price = money_field("New variant's price")
    compare_at_price = money_field("New variant's compare-at price", required=False)
    sku = forms.CharField(label="New variant's SKU", max_length=255, required=False)
    barcode = forms.CharField(
        label="New variant's barcode (GTIN)",
        max_length=32,
        required=False,
        validators=[validate_gtin],
    )
    stock = forms.IntegerField(label="New variant's stock", min_value=0, initial=0)

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = list(product.options.order_by("position"))
        for option in self.options:
            self.fields[f"option{option.position}"] = forms.CharField(
                label=f"New variant's {option.name}", max_length=255
            )
        self.order_fields([f"option{option.position}" for option in self.options])

    def variant_input(self) -> VariantInput:
        data = self.cleaned_data
        return VariantInput(
            price=data["price"],
            compare_at_price=data["compare_at_price"],
            sku=data["sku"],
            barcode=data["barcode"],
            stock_quantity=data["stock"],
            options=[data[f"option{option.position}"] for option in self.options],
        )


def _owned_product(vendor: Vendor, product_id: int) -> Product:
    product = services.vendor_product(vendor, product_id)
    if product is None:
        raise Http404("No such product.")
    return product


def _product_url(product: Product, anchor: str = "") -> str:
    url = reverse("vendor-product", args=[product.pk])
    return f"{url}#{anchor}" if anchor else url


def _render_edit(
    request: HttpRequest,
    vendor: Vendor,
    product: Product,
    *,
    form: VendorProductForm | None = None,
    options_form: OptionsForm | None = None,
    variant_form: NewVariantForm | None = None,
    upload_form: ImageUploadForm | None = None,
) -> HttpResponse:
    bound = [f for f in (form, options_form, variant_form, upload_form) if f is not None]
    if form is None:
        form = VendorProductForm(
            initial=CatalogProductForm.initial_for(product),
            product=product,
            safety=dsa.applies_to(vendor),
        )
    safety_row = product_safety.compliance_of(product)
    return render_vendor(
        request,
        vendor,
        "vendor/product_edit.html",
        {
            "title": product.title,
            "section": "vendor-products",
            "product": product,
            "form": form,
            "options_form": options_form or OptionsForm(initial=OptionsForm.initial_for(product)),
            "variant_form": variant_form or NewVariantForm(product=product),
            "upload_form": upload_form or ImageUploadForm(),
            "images": list(product.images.order_by("position", "pk")),
            "listing_problem": services.listing_problem(vendor),
            "suspension": safety_row.suspension_reason if safety_row else "",
            "safety_fields": [name for name in product_safety.SAFETY_FIELDS if name in form.fields],
        },
        status=400 if any(f.errors for f in bound) else 200,
    )


@vendor_required
@require_http_methods(["GET", "HEAD", "POST"])
def product_edit(request: HttpRequest, vendor: Vendor, product_id: int) -> HttpResponse:
    """Title, description, type, tags, status and every variant's price, compare-at price,
    SKU, barcode, option values and stock: one form, one save, all or nothing."""
    product = _owned_product(vendor, product_id)
    if request.method != "POST":
        return _render_edit(request, vendor, product)
    form = VendorProductForm(request.POST, product=product, safety=dsa.applies_to(vendor))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.vendor_product_update(
                vendor=vendor,
                actor=Actor.for_user(request.user),
                product=product,
                title=data["title"],
                status=data["status"],
                description_html=data["description_html"],
                product_type=data["product_type"],
                tags=data["tags"],
                variants=form.variant_edits(),
                safety=_safety_input(form),
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            messages.success(request, "Saved.")
            return HttpResponseRedirect(_product_url(product))
    return _render_edit(request, vendor, _owned_product(vendor, product_id), form=form)


@vendor_required
@require_POST
def product_options(request: HttpRequest, vendor: Vendor, product_id: int) -> HttpResponse:
    """Options and their values (Size: S, M, L): a variant for every combination."""
    product = _owned_product(vendor, product_id)
    form = OptionsForm(request.POST)
    if form.is_valid():
        try:
            result = services.vendor_product_set_options(
                vendor=vendor,
                actor=Actor.for_user(request.user),
                product=product,
                options=form.options(),
                price=form.cleaned_data["price"],
                remove_missing=form.cleaned_data["remove_missing"],
            )
        except FreeholdError as error:
            form.add_error(form.field_for(error.field or ""), error.message)
        else:
            parts = [f"{len(result.created)} variants added"] if result.created else []
            if result.removed:
                parts.append(f"removed {', '.join(result.removed)}")
            messages.success(
                request, "Options saved" + (f": {'; '.join(parts)}." if parts else ".")
            )
            return HttpResponseRedirect(_product_url(product, "variants"))
    return _render_edit(request, vendor, _owned_product(vendor, product_id), options_form=form)


@vendor_required
@require_POST
def product_variant_add(request: HttpRequest, vendor: Vendor, product_id: int) -> HttpResponse:
    product = _owned_product(vendor, product_id)
    form = NewVariantForm(request.POST, product=product)
    if form.is_valid():
        try:
            variant = services.vendor_variant_add(
                vendor=vendor,
                actor=Actor.for_user(request.user),
                product=product,
                data=form.variant_input(),
            )
        except FreeholdError as error:
            name = error.field
            if name == "options" and form.options:
                name = f"option{form.options[0].position}"
            form.add_error(name if name in form.fields else None, error.message)
        else:
            messages.success(request, f"Variant {variant.title or 'Default'} added.")
            return HttpResponseRedirect(_product_url(product, "variants"))
    return _render_edit(request, vendor, _owned_product(vendor, product_id), variant_form=form)


@vendor_required
@require_POST
def product_variant_remove(
    request: HttpRequest, vendor: Vendor, product_id: int, variant_id: int
) -> HttpResponse:
    product = _owned_product(vendor, product_id)
    if not product.variants.filter(pk=variant_id).exists():
        raise Http404("No such variant.")
    try:
        title = services.vendor_variant_remove(
            vendor=vendor,
            actor=Actor.for_user(request.user),
            product=product,
            variant_id=variant_id,
        )
    except FreeholdError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Variant {title} removed.")
    return HttpResponseRedirect(_product_url(product, "variants"))


@vendor_required
@require_POST
def product_images(request: HttpRequest, vendor: Vendor, product_id: int) -> HttpResponse:
    """Upload one or more photos (all or none)."""
    product = _owned_product(vendor, product_id)
    form = ImageUploadForm(request.POST)
    if form.is_valid():
        try:
            added = services.vendor_images_add(
                vendor=vendor,
                actor=Actor.for_user(request.user),
                product=product,
                uploads=request.FILES.getlist("files"),
                alt=form.cleaned_data["alt"],
            )
        except FreeholdError as error:
            form.add_error(None, f"Images: {error.message}")
        else:
            count = len(added)
            messages.success(request, f"{count} image{'s' if count != 1 else ''} added.")
            return HttpResponseRedirect(_product_url(product, "images"))
    return _render_edit(request, vendor, _owned_product(vendor, product_id), upload_form=form)


@vendor_required
@require_POST
def product_image(
    request: HttpRequest, vendor: Vendor, product_id: int, image_id: int
) -> HttpResponse:
    """One photo's buttons: move up, move down, save its alt text, delete."""
    product = _owned_product(vendor, product_id)
    if not product.images.filter(pk=image_id).exists():
        raise Http404("No such image.")
    action = request.POST.get("action", "")
    try:
        services.vendor_image_change(
            vendor=vendor,
            actor=Actor.for_user(request.user),
            product=product,
            image_id=image_id,
            action=action,
            alt=request.POST.get("alt"),
        )
    except FreeholdError as error:
        messages.error(request, error.message)
    else:
        done = {"alt": "Alt text saved.", "delete": "Image deleted."}.get(action, "Image moved.")
        messages.success(request, done)
    return HttpResponseRedirect(_product_url(product, "images"))
