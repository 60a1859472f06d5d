"""/dashboard/settings/markets/: markets (countries, currency, languages, price display and
pricing, duties), their fixed prices, and the ECB exchange rates they are converted with.

Thin views: forms check the input, `markets.services` (and `markets_services` for a page of
prices or a rates import) write and audit, `markets_selectors` read.
"""

from __future__ import annotations

import http.client
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from freehold.catalog.models import Product
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import paginate, render_page
from freehold.dashboard.store import markets_selectors as selectors
from freehold.dashboard.store.markets_forms import FxUploadForm, MarketForm, parse_amount
from freehold.dashboard.store.markets_services import (
    PriceChange,
    RowRefused,
    fx_rates_update,
    market_prices_save,
)
from freehold.markets import fx
from freehold.markets.models import Market
from freehold.markets.pricing import forget_rates
from freehold.markets.resolution import market_config
from freehold.markets.services import market_delete, market_save

SECTION = "settings"
PRICES_PER_PAGE = 50
# The service's field -> the form field that shows it.
FORM_FIELDS = {"countries": "countries_text", "is_default": None}


def _page(request: HttpRequest, template: str, title: str, **context: Any) -> HttpResponse:
    status = context.pop("status", 200)
    return render_page(
        request,
        f"dashboard/store/{template}",
        {"title": title, "section": SECTION, **context},
        status=status,
    )


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def _done(request: HttpRequest, message: str, target: str) -> HttpResponse:
    messages.success(request, message)
    return HttpResponseRedirect(target)


def _list_url() -> str:
    return reverse("dashboard:settings-markets")


# --- Markets ------------------------------------------------------------------------------------


@staff_required(SECTION)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    markets = list(Market.objects.order_by("position", "id"))
    sample = selectors.sample_variant()
    return _page(
        request,
        "markets.html",
        "Markets",
        rows=selectors.market_rows(markets, sample=sample),
        sample=sample,
        base_currency=market_config().base_currency,
    )


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest, market_id: int | None = None) -> HttpResponse:
    market = get_object_or_404(Market, pk=market_id) if market_id else Market()
    form = MarketForm(request.POST or None, instance=market)
    if request.method == "POST" and form.is_valid():
        try:
            market_save(market=form.instance, actor=_actor(request))
        except FreeholdError as error:
            field = FORM_FIELDS.get(error.field or "", error.field)
            form.add_error(field if field in form.fields else None, error.message)
        else:
            return _done(request, f"Market “{form.instance.name}” saved.", _list_url())
    title = f"Market “{market.name}”" if market.pk else "New market"
    return _page(
        request,
        "markets_edit.html",
        title,
        market=market,
        form=form,
        preview=selectors.market_preview(_preview_data(form)),
        status=400 if form.errors else 200,
    )


def _preview_data(form: MarketForm) -> dict[str, str]:
    """What the form shows (typed or saved), as the preview reads it."""
    names = ("currency", "rounding", "rounding_increment", "price_adjustment_percent",
             "prices_include_tax", "countries_text")  # fmt: skip
    data = {}
    for name in names:
        value = form[name].value()
        if isinstance(value, bool):
            value = "on" if value else ""
        data[name] = "" if value is None else str(value)
    return data


@staff_required(SECTION)
@require_POST
def delete(request: HttpRequest, market_id: int) -> HttpResponse:
    market = get_object_or_404(Market, pk=market_id)
    try:
        market_delete(market=market, actor=_actor(request))
    except FreeholdError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(_list_url())
    return _done(request, f"Market “{market.name}” deleted.", _list_url())


@staff_required(SECTION)
@require_POST
def make_default(request: HttpRequest, market_id: int) -> HttpResponse:
    market = get_object_or_404(Market, pk=market_id)
    market.is_default = True
    try:
        market_save(market=market, actor=_actor(request))
    except FreeholdError as error:
        messages.error(request, f"“{market.name}” cannot be the default: {error.message}")
        return HttpResponseRedirect(_list_url())
    return _done(request, f"“{market.name}” is now the default market.", _list_url())


@staff_required(SECTION)
@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    """The form's live preview (htmx): a few catalog prices under the typed settings."""
    response = render(
        request,
        "dashboard/store/markets_preview.html",
        {"preview": selectors.market_preview(request.GET)},
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Fixed prices -------------------------------------------------------------------------------


def _product_filter(request: HttpRequest) -> Product | None:
    raw = request.GET.get("product", "")
    if not raw.isdigit():
        return None
    return Product.objects.filter(pk=int(raw)).only("id", "title").first()


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def prices(request: HttpRequest, market_id: int) -> HttpResponse:
    market = get_object_or_404(Market, pk=market_id)
    query = request.GET.get("q", "")[:200]
    product = _product_filter(request)
    variants = selectors.price_variants(
        query=query, product_id=product.pk if product is not None else None
    )
    page = paginate(request, variants, per_page=PRICES_PER_PAGE)
    rows, problem = selectors.price_rows(market, page.rows)
    error = ""
    if request.method == "POST":
        changes, error = _changes(request, rows, currency=market.currency)
        if not error:
            try:
                saved = market_prices_save(market=market, changes=changes, actor=_actor(request))
            except RowRefused as refused:
                error = f"Nothing was saved. {refused.message}"
                for row in rows:
                    if row.variant.pk == refused.variant_id:
                        row.error = refused.message
            else:
                message = (
                    f"{saved} fixed price(s) saved in {market.name}."
                    if saved
                    else "Nothing to save."
                )
                return _done(request, message, request.get_full_path())
    return _page(
        request,
        "markets_prices.html",
        f"Fixed prices in {market.name}",
        market=market,
        page=page,
        rows=rows,
        problem=problem,
        error=error,
        query=query,
        product=product,
        status=400 if error else 200,
    )


def _changes(
    request: HttpRequest, rows: list[selectors.PriceRow], *, currency: str
) -> tuple[list[PriceChange], str]:
    """The rows whose typed prices differ from the kept ones; any unreadable row refuses all
    (each named: "Row 3 (SKU MUG-1): price must be a number")."""
    changes: list[PriceChange] = []
    problems: list[str] = []
    for row in rows:
        key = f"v{row.variant.pk}"
        if f"{key}-price" not in request.POST:
            continue  # not on the submitted page
        row.price_text = request.POST.get(f"{key}-price", "").strip()
        row.compare_text = request.POST.get(f"{key}-compare", "").strip()
        try:
            price = parse_amount(row.price_text, currency)
        except ValueError as bad:
            row.error = f"price {bad}"
        else:
            try:
                compare_at = parse_amount(row.compare_text, currency)
            except ValueError as bad:
                row.error = f"compare-at price {bad}"
            else:
                if price is None and compare_at is not None:
                    row.error = "give a price with the compare-at price"
                else:
                    kept = row.fixed
                    was = (
                        (kept.price_amount, kept.compare_at_price_amount)
                        if kept is not None
                        else (None, None)
                    )
                    if (price, compare_at) != was:
                        changes.append(
                            PriceChange(
                                label=row.label,
                                variant_id=row.variant.pk,
                                price=price,
                                compare_at=compare_at,
                            )
                        )
        if row.error:
            row.error = f"{row.label}: {row.error}"
            problems.append(row.error)
    if problems:
        return [], "Nothing was saved. " + " ".join(problems)
    return changes, ""


# --- Exchange rates -----------------------------------------------------------------------------


def _rates_page(
    request: HttpRequest, *, upload_form: FxUploadForm | None = None, status: int = 200
) -> HttpResponse:
    return _page(
        request,
        "fx_rates.html",
        "Exchange rates",
        overview=selectors.rates_overview(),
        upload_form=upload_form or FxUploadForm(),
        source_url=_source_url(),
        status=status,
    )


def _source_url() -> str:
    return getattr(settings, "FX_RATES_URL", "") or fx.ECB_DAILY_URL


def _imported(request: HttpRequest, result: Any, source: str) -> HttpResponse:
    forget_rates()  # this process prices with the new day at once
    span = (
        str(result.first_day)
        if result.first_day == result.last_day
        else f"{result.first_day} to {result.last_day}"
    )
    return _done(
        request,
        f"ECB rates of {span} from {source}: {result.created} new, "
        f"{result.unchanged} already kept.",
        reverse("dashboard:settings-fx-rates"),
    )


@staff_required(SECTION)
@require_GET
def rates(request: HttpRequest) -> HttpResponse:
    return _rates_page(request)


@staff_required(SECTION)
@require_POST
def rates_update(request: HttpRequest) -> HttpResponse:
    source = _source_url()
    try:
        data = fx.read_source(source, timeout=20)
    except (OSError, http.client.HTTPException, ValueError) as error:
        messages.error(
            request, f"Could not read the rates from {source}: {error}. Nothing changed."
        )
        return HttpResponseRedirect(reverse("dashboard:settings-fx-rates"))
    try:
        result = fx_rates_update(data=data, source=source, actor=_actor(request))
    except FreeholdError as error:
        messages.error(request, f"{source} was refused: {error.message} Nothing changed.")
        return HttpResponseRedirect(reverse("dashboard:settings-fx-rates"))
    return _imported(request, result, "the ECB")


@staff_required(SECTION)
@require_POST
def rates_upload(request: HttpRequest) -> HttpResponse:
    form = FxUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = request.FILES.get("file")
        name = str(getattr(upload, "name", "") or "the file")
        try:
            result = fx_rates_update(
                data=form.cleaned_data["file"], source=f"upload:{name}", actor=_actor(request)
            )
        except FreeholdError as error:
            form.add_error("file", f"{error.message} Nothing was imported.")
        else:
            return _imported(request, result, str(name))
    return _rates_page(request, upload_form=form, status=400)
