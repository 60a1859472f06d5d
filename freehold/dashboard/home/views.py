"""The dashboard's home (the period's figures, charts and to-do counts) and the audit log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from markupsafe import Markup

from freehold.core.models import AuditEvent
from freehold.dashboard import access, charts
from freehold.dashboard.access import staff_required
from freehold.dashboard.home import audit as audit_log
from freehold.dashboard.home import selectors
from freehold.dashboard.pages import csv_response, paginate, render_page
from freehold.dashboard.store import taxes_selectors
from freehold.insights import selectors as insights
from freehold.storefront.jinja import country_name, format_money
from freehold.storefront.selectors import chrome


@staff_required("home")
def index(request: HttpRequest) -> HttpResponse:
    """Every staff member lands here: the to-do counts of their areas, and, with the
    "reports" permission, the period's figures against the period before."""
    store = chrome(request).settings
    user = request.user
    reports = access.can(user, "reports")
    context: dict[str, Any] = {"title": "Home", "section": "home", "reports": reports}
    with selectors.reporting():
        context["todo"] = selectors.todo_counts(
            orders=access.can(user, "orders"),
            products=access.can(user, "products"),
            low_stock_threshold=store.low_stock_threshold,
        )
        if reports:
            context.update(_figures(request.GET.get("period"), store.currency, store.language))
    # US economic nexus, for whoever manages the taxes: cached, no query on most visits.
    context["tax_todo"] = taxes_selectors.nexus_todo() if access.can(user, "settings") else None
    return render_page(request, "dashboard/home/index.html", context)


def _figures(period_key: str | None, currency: str, language: str) -> dict[str, Any]:
    period = selectors.period_for(period_key)
    summary = selectors.sales_summary(period, currency=currency)
    countries = selectors.sales_by_country(period, currency=currency)
    top = selectors.top_products(period, currency=currency)
    funnel = insights.funnel(start=period.start, end=period.end)
    channels = insights.sales_by_channel(start=period.start, end=period.end, currency=currency)

    def money(value: Decimal | int) -> str:
        return format_money(Decimal(value), currency, language=language)

    def country(code: str) -> str:
        if code == selectors.OTHER_COUNTRIES:
            return "Other countries"
        return country_name(code, language) if code else "No address"

    return {
        "period": period,
        "periods": [(key, label) for key, (label, _) in selectors.PERIODS.items()],
        "summary": summary,
        "top": top,
        "countries": [(country(row.country_code), row) for row in countries],
        "funnel": funnel,
        "funnel_chart": charts.bar_chart(
            title=f"Sessions by furthest step, {period.label.lower()}",
            description=f"{funnel.sessions} sessions; "
            + ", ".join(f"{step.label.lower()}: {step.sessions}" for step in funnel.steps),
            bars=[("Sessions", funnel.sessions)]
            + [(step.label, step.sessions) for step in funnel.steps],
        ),
        "channels": channels,
        "sales_chart": _sales_chart(summary, money),
        "country_chart": charts.bar_chart(
            title=f"Sales by country, {period.label.lower()}",
            description=", ".join(
                f"{country(row.country_code)}: {money(row.sales)}" for row in countries
            )
            or "No sales in this period.",
            bars=[(country(row.country_code), row.sales) for row in countries],
            value_format=money,
        ),
    }


def _sales_chart(summary: selectors.SalesSummary, money: Any) -> Markup:
    period = summary.period
    unit = "hour" if period.hourly else "day"
    before = "yesterday" if period.hourly else f"the {period.days} days before"
    return charts.line_chart(
        title=f"Sales by {unit}, {period.label.lower()}, against {before}",
        description=(
            f"Sales {money(summary.sales.current)} against {money(summary.sales.previous)}; "
            f"best {unit}: {_best(summary, money)}. The table below lists every {unit}."
        ),
        labels=summary.labels,
        series=[
            charts.Series(period.label, summary.current_series, "line"),
            charts.Series(
                "Yesterday" if period.hourly else "Period before",
                summary.previous_series,
                "line previous",
            ),
        ],
        value_format=money,
    )


def _best(summary: selectors.SalesSummary, money: Any) -> str:
    values = [(value, index) for index, value in enumerate(summary.current_series) if value]
    if not values:
        return "none"
    value, index = max(values)
    return f"{summary.slot_names[index][0]} with {money(value)}"


@staff_required("settings")
def audit(request: HttpRequest) -> HttpResponseBase:
    """Staff actions and state changes, newest first, filtered; `?format=csv` downloads them."""
    staff, verbs, types = audit_log.filter_choices()
    form = audit_log.AuditFilterForm(request.GET or None, staff=staff, verbs=verbs, types=types)
    if form.is_bound and not form.is_valid():
        # The errors are shown next to their fields; nothing is listed under a filter that
        # could not be read (rather than everything, which would look like its answer).
        events = AuditEvent.objects.none()
    else:
        events = audit_log.audit_events(form.cleaned_data if form.is_bound else {})
    if request.GET.get("format") == "csv":
        return csv_response("audit-log.csv", audit_log.CSV_HEADER, audit_log.csv_rows(events))
    page = paginate(request, events)
    return render_page(
        request,
        "dashboard/home/audit.html",
        {
            "title": "Audit log",
            "section": "audit",
            "form": form,
            "page": page,
            "rows": audit_log.audit_rows(page.rows),
        },
    )
