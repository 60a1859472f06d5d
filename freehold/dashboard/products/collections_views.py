"""/dashboard/products/collections/: manual and rule-based collections for staff with the
"products" permission, instead of the admin.

Thin views: writes go through `freehold.catalog.services` (audited there, page cache
invalidated there and by the catalog's signals). Everything works without JavaScript: products
are found by a GET search, added with a button, moved with up and down buttons.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from freehold.catalog import services as catalog
from freehold.catalog.models import Collection, CollectionProduct, Product
from freehold.catalog.selectors import collection_products
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import paginate, render_page

SECTION = "products"
RULE_ROWS_BLANK = 2
MAX_RULE_ROWS = 30
SEARCH_LIMIT = 20
RELATION_LABELS = {
    "equals": "is equal to",
    "not_equals": "is not equal to",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "ends_with": "ends with",
    "greater_than": "is greater than",
    "less_than": "is less than",
}
COLLECTION_FIELDS = (
    "title",
    "handle",
    "description_html",
    "kind",
    "sort_order",
    "match_all_rules",
    "is_published",
    "seo_title",
    "seo_description",
)


class CollectionForm(forms.Form):
    title = forms.CharField(max_length=255)
    handle = forms.SlugField(
        max_length=255,
        required=False,
        allow_unicode=True,
        help_text="The end of the address /collections/…; empty: made from the title.",
    )
    description_html = forms.CharField(
        label="Description (HTML)", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    kind = forms.ChoiceField(
        choices=Collection.Kind.choices,
        help_text="Manual: you pick the products. Rule-based: products matching the rules.",
    )
    sort_order = forms.ChoiceField(label="Sort products", choices=Collection.SortOrder.choices)
    match_all_rules = forms.TypedChoiceField(
        label="Products must match",
        choices=[("1", "all rules"), ("0", "any rule")],
        coerce=lambda value: value == "1",
        initial="1",
    )
    is_published = forms.BooleanField(label="Published in the store", required=False)
    image_upload = forms.ImageField(
        required=False, label="New image", help_text="PNG, JPEG, WebP or GIF; shown as a banner."
    )
    remove_image = forms.BooleanField(required=False, label="Remove the image")
    seo_title = forms.CharField(label="SEO title", max_length=255, required=False)
    seo_description = forms.CharField(
        label="SEO description",
        max_length=512,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _initial(collection: Collection) -> dict[str, Any]:
    initial = {name: getattr(collection, name) for name in COLLECTION_FIELDS}
    initial["match_all_rules"] = "1" if collection.match_all_rules else "0"
    return initial


def _rule_rows(data: Mapping[str, Any] | None, rules: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows of the rules table: submitted ones, else the saved rules, plus blank rows."""
    if data is not None:
        rows = []
        for number in range(1, MAX_RULE_ROWS + 1):
            if f"rule-{number}-field" not in data:
                break
            rows.append(
                {
                    "field": str(data.get(f"rule-{number}-field", "")),
                    "relation": str(data.get(f"rule-{number}-relation", "")),
                    "value": str(data.get(f"rule-{number}-value", "")).strip(),
                }
            )
        return rows
    blank = {"field": "", "relation": "equals", "value": ""}
    return [dict(rule) for rule in rules] + [dict(blank) for _ in range(RULE_ROWS_BLANK)]


def _rules_from_rows(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[int]]:
    """Rows with a field chosen become rules; returns them and each one's row number."""
    rules, numbers = [], []
    for number, row in enumerate(rows, start=1):
        if row["field"]:
            rules.append(row)
            numbers.append(number)
    return rules, numbers


def _row_error(error: FreeholdError, numbers: list[int]) -> tuple[int | None, str]:
    """`rules[2].value` (the service's count of rules) → the table row it came from."""
    field = error.field or ""
    if not field.startswith("rules["):
        return None, error.message
    index = int(field[len("rules[") : field.index("]")])
    row = numbers[index - 1] if 0 < index <= len(numbers) else index
    part = field.partition(".")[2] or "rule"
    return row, f"Rule {row}, {part}: {error.message}"


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def _edit_url(collection: Collection, anchor: str = "") -> str:
    url = reverse("dashboard:collection-edit", args=[collection.pk])
    return f"{url}#{anchor}" if anchor else url


def _image(collection: Collection | None) -> Any:
    return collection.image if collection and collection.image_id else None


def _members(collection: Collection) -> QuerySet[CollectionProduct]:
    return (
        CollectionProduct.objects.filter(collection=collection)
        .select_related("product", "product__featured_image")
        .order_by("position", "id")
    )


def _search(collection: Collection, query: str) -> list[Product]:
    """Products to add: title contains the words, or a variant's SKU is the query."""
    query = query.strip()[:100]
    if not query:
        return []
    matches = Q(title__icontains=query) | Q(variants__sku__iexact=query)
    found = (
        Product.objects.filter(matches)
        .exclude(collectionproduct__collection=collection)
        .exclude(status=Product.Status.ARCHIVED)
        .select_related("featured_image")
        .distinct()
        .order_by("title")
    )
    return list(found[:SEARCH_LIMIT])


def _form_page(
    request: HttpRequest,
    *,
    collection: Collection | None,
    form: CollectionForm,
    rule_rows: list[dict[str, str]],
    rule_error_row: int | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "title": collection.title if collection else "New collection",
        "section": SECTION,
        "collection": collection,
        "form": form,
        "rule_rows": rule_rows,
        "rule_error_row": rule_error_row,
        "rule_fields": catalog.COLLECTION_RULE_FIELDS,
        "relations": RELATION_LABELS,
        "current_image": _image(collection),
    }
    if collection is not None:
        query = request.GET.get("q", "")
        context.update(
            members=list(_members(collection)),
            query=query,
            results=_search(collection, query) if query else [],
            matching_count=(
                collection_products(collection).count()
                if collection.kind == Collection.Kind.SMART
                else None
            ),
        )
    return render_page(request, "dashboard/products/collections/edit.html", context, status=status)


def _save(request: HttpRequest, collection: Collection | None) -> HttpResponse:
    """GET shows the form; POST saves it through the catalog service."""
    initial = (
        _initial(collection)
        if collection
        else {"kind": Collection.Kind.MANUAL, "is_published": True, "match_all_rules": "1"}
    )
    form = CollectionForm(request.POST or None, request.FILES or None, initial=initial)
    data = request.POST if request.method == "POST" else None
    rule_rows = _rule_rows(data, collection.rules if collection else [])
    if request.method != "POST":
        return _form_page(request, collection=collection, form=form, rule_rows=rule_rows)
    if not form.is_valid():
        return _form_page(
            request, collection=collection, form=form, rule_rows=rule_rows, status=400
        )
    fields = {name: form.cleaned_data[name] for name in COLLECTION_FIELDS}
    rules, numbers = _rules_from_rows(rule_rows)
    if fields["kind"] == Collection.Kind.SMART:
        fields["rules"] = rules
    try:
        saved = catalog.collection_save(
            collection=collection,
            actor=_actor(request),
            image_upload=form.cleaned_data["image_upload"],
            remove_image=form.cleaned_data["remove_image"],
            **fields,
        )
    except FreeholdError as error:
        row, message = _row_error(error, numbers)
        name = "image_upload" if error.field == "image" else error.field
        name = name if name in form.fields else None
        form.add_error(name, message)
        if collection is not None:
            collection.refresh_from_db()  # the refused values must not show as saved
        return _form_page(
            request,
            collection=collection,
            form=form,
            rule_rows=rule_rows,
            rule_error_row=row,
            status=400,
        )
    messages.success(request, "Collection saved." if collection else "Collection created.")
    return HttpResponseRedirect(_edit_url(saved))


# --- List, create, edit, delete -------------------------------------------------------------


@staff_required(SECTION)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    collections = Collection.objects.annotate(
        member_count=Count("collectionproduct", distinct=True)
    ).order_by("title", "pk")
    page = paginate(request, collections)
    return render_page(
        request,
        "dashboard/products/collections/index.html",
        {"title": "Collections", "section": SECTION, "page": page},
    )


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest, collection_id: int) -> HttpResponse:
    return _save(request, get_object_or_404(Collection, pk=collection_id))


@staff_required(SECTION)
@require_POST
def delete(request: HttpRequest, collection_id: int) -> HttpResponse:
    collection = get_object_or_404(Collection, pk=collection_id)
    catalog.collection_delete(collection=collection, actor=_actor(request))
    messages.success(request, f"Collection “{collection.title}” deleted.")
    return HttpResponseRedirect(reverse("dashboard:collections"))


# --- A manual collection's products ---------------------------------------------------------


def _refused(request: HttpRequest, error: FreeholdError) -> None:
    messages.error(request, error.message)


@staff_required(SECTION)
@require_POST
def product_add(request: HttpRequest, collection_id: int) -> HttpResponse:
    collection = get_object_or_404(Collection, pk=collection_id)
    product = get_object_or_404(Product, pk=request.POST.get("product_id") or 0)
    try:
        catalog.collection_add_product(
            collection=collection, product=product, actor=_actor(request)
        )
    except FreeholdError as error:
        _refused(request, error)
    else:
        messages.success(request, f"“{product.title}” added.")
    return HttpResponseRedirect(_edit_url(collection, "products"))


@staff_required(SECTION)
@require_POST
def product_remove(request: HttpRequest, collection_id: int, product_id: int) -> HttpResponse:
    collection = get_object_or_404(Collection, pk=collection_id)
    try:
        catalog.collection_remove_product(
            collection=collection, product_id=product_id, actor=_actor(request)
        )
    except FreeholdError as error:
        _refused(request, error)
    else:
        messages.success(request, "Product removed from the collection.")
    return HttpResponseRedirect(_edit_url(collection, "products"))


@staff_required(SECTION)
@require_POST
def product_move(request: HttpRequest, collection_id: int, product_id: int) -> HttpResponse:
    collection = get_object_or_404(Collection, pk=collection_id)
    try:
        catalog.collection_move_product(
            collection=collection,
            product_id=product_id,
            direction=request.POST.get("direction", ""),
            actor=_actor(request),
        )
    except FreeholdError as error:
        _refused(request, error)
    return HttpResponseRedirect(_edit_url(collection, "products"))
