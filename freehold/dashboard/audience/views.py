"""/dashboard/customers/segments|rfm|cohorts/: who the customers are, in groups.

Thin views over `insights.segments`, `insights.scores`, `insights.cohorts` and
`insights.profiles`. The heavy reads run inside `reporting()` (on PostgreSQL: JIT off and more
sort memory for that transaction only, as the home page's figures do).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from freehold.core.audit import Actor
from freehold.customers.models import Customer
from freehold.dashboard.access import staff_required
from freehold.dashboard.audience import charts, forms
from freehold.dashboard.charts import bar_chart
from freehold.dashboard.home.selectors import reporting
from freehold.dashboard.pages import paginate, render_page
from freehold.insights import cohorts, profiles, scores, segments
from freehold.insights.models import Segment
from freehold.storefront.selectors import chrome

SEGMENTS, RFM, COHORTS = "segments", "rfm", "cohorts"  # highlighted in the navigation
SAMPLE_SIZE = 10
PER_PAGE = 50


def _currency(request: HttpRequest) -> str:
    return chrome(request).settings.currency


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    return render_page(
        request, template, {"rfm_label": scores.class_label, **context}, status=status
    )


def _with_scores(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """A list's rows with their score (one LEFT JOIN), newest customers first."""
    return customers.select_related("score").order_by("-date_joined", "-id")


# --- Segments -------------------------------------------------------------------------------


@staff_required("customers")
@require_http_methods(["GET", "HEAD"])
def segment_list(request: HttpRequest) -> HttpResponse:
    return _render(
        request,
        "dashboard/audience/segments.html",
        {
            "title": "Segments",
            "section": SEGMENTS,
            "segments": list(Segment.objects.order_by("name", "id")),
            "describe": describe_rule,
        },
    )


def describe_rule(rule: dict[str, Any]) -> str:
    spec = segments.FIELDS.get(str(rule.get("field")))
    if spec is None:
        return str(rule)
    relation = spec.relations.get(str(rule.get("relation")), str(rule.get("relation")))
    value = str(rule.get("value", ""))
    if spec.kind == "rfm":
        value = scores.class_label(value)
    return f"{spec.label} {relation} {value}"


def _preview(form: forms.SegmentForm, currency: str) -> dict[str, Any]:
    """The count and a sample of the customers the form's rules pick (if they are valid)."""
    if not form.check():
        return {"valid": False, "count": None, "sample": []}
    rules = segments.clean_rules(form.rules)
    with reporting():
        customers = segments.customers_matching(rules, match_all=form.match_all)
        count = customers.count()
        sample = list(_with_scores(customers)[:SAMPLE_SIZE])
    return {"valid": True, "count": count, "sample": sample, "currency": currency}


def _editor(
    request: HttpRequest,
    form: forms.SegmentForm,
    segment: Segment | None,
    *,
    status: int = 200,
) -> HttpResponse:
    currency = _currency(request)
    preview = _preview(form, currency)
    form.pad(forms.EMPTY_ROWS if len([row for row in form.rows if not row.field]) < 1 else 0)
    return _render(
        request,
        "dashboard/audience/segment_form.html",
        {
            "title": f"Segment: {segment.name}" if segment else "New segment",
            "section": SEGMENTS,
            "form": form,
            "segment": segment,
            "preview": preview,
            "field_choices": forms.field_choices(),
            "relation_choices": forms.RELATION_CHOICES,
            "relations_json": forms.relations_json(),
            "rfm_choices": forms.rfm_class_choices(),
            "currency": currency,
        },
        status=status,
    )


def _save(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    form = forms.from_data(request.POST)
    if "add_rule" in request.POST:
        form.pad(1)
        return _editor(request, form, segment)
    if not form.check():
        form.error = "Some rules need fixing: see the messages next to them."
        return _editor(request, form, segment, status=400)
    try:
        saved = segments.segment_save(
            actor=Actor.for_user(request.user),
            name=form.name,
            rules=form.rules,
            match_all=form.match_all,
            segment=segment,
        )
    except segments.SegmentInvalid as error:
        if error.field == "name":
            form.name_error = error.message
        else:
            form.error = error.message
        return _editor(request, form, segment, status=400)
    messages.success(request, f"Segment “{saved.name}” saved.")
    return HttpResponseRedirect(reverse("dashboard:audience-segments"))


@staff_required("customers")
@require_http_methods(["GET", "HEAD", "POST"])
def segment_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save(request, None)
    form = forms.from_data(request.GET) if request.GET else forms.SegmentForm()
    return _editor(request, form, None)


@staff_required("customers")
@require_http_methods(["GET", "HEAD", "POST"])
def segment_edit(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=segment_id)
    if request.method == "POST":
        return _save(request, segment)
    return _editor(request, forms.from_segment(segment), segment)


@staff_required("customers")
@require_http_methods(["GET", "HEAD"])
def segment_preview(request: HttpRequest) -> HttpResponse:
    """The live count and sample as the rules change (htmx swaps it into the editor)."""
    form = forms.from_data(request.GET)
    return _render(
        request,
        "dashboard/audience/_preview.html",
        {"form": form, "preview": _preview(form, _currency(request))},
    )


@staff_required("customers")
@require_POST
def segment_delete(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=segment_id)
    name = segment.name
    segments.segment_delete(actor=Actor.for_user(request.user), segment=segment)
    messages.success(request, f"Segment “{name}” deleted.")
    return HttpResponseRedirect(reverse("dashboard:audience-segments"))


@staff_required("customers")
@require_http_methods(["GET", "HEAD"])
def segment_customers(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=segment_id)
    error = ""
    try:
        customers = segments.segment_customers(segment)
    except segments.SegmentInvalid as invalid:
        error, customers = invalid.message, Customer.objects.none()
    with reporting():
        page = paginate(request, _with_scores(customers), per_page=PER_PAGE)
    return _render(
        request,
        "dashboard/audience/customers.html",
        {
            "title": f"Customers in “{segment.name}”",
            "section": SEGMENTS,
            "page": page,
            "error": error,
            "back": (reverse("dashboard:audience-segment-edit", args=[segment.pk]), segment.name),
            "currency": _currency(request),
        },
    )


# --- RFM ------------------------------------------------------------------------------------


@staff_required("customers")
@require_http_methods(["GET", "HEAD"])
def rfm(request: HttpRequest) -> HttpResponse:
    summary = scores.rfm_summary()
    currency = summary.currency or _currency(request)
    bars = [(item.label, item.customers) for item in summary.classes]
    return _render(
        request,
        "dashboard/audience/rfm.html",
        {
            "title": "RFM classes",
            "section": RFM,
            "summary": summary,
            "currency": currency,
            "grid": charts.rfm_grid(summary.grid),
            "bars": bar_chart(
                title="Customers by RFM class",
                description="; ".join(f"{label}: {count}" for label, count in bars),
                bars=bars,
                width=560,
            ),
        },
    )


@staff_required("customers")
@require_POST
def rfm_recompute(request: HttpRequest) -> HttpResponse:
    result = scores.rfm_recompute_now(actor=Actor.for_user(request.user))
    messages.success(request, f"RFM scores recomputed for {result.customers:,} customers.")
    return HttpResponseRedirect(reverse("dashboard:audience-rfm"))


@staff_required("customers")
@require_http_methods(["GET", "HEAD"])
def rfm_class(request: HttpRequest, code: str) -> HttpResponse:
    if code not in scores.CLASSES:
        raise Http404("No such RFM class")
    customers = Customer.objects.filter(is_staff=False, score__rfm_class=code)
    page = paginate(request, _with_scores(customers), per_page=PER_PAGE)
    return _render(
        request,
        "dashboard/audience/customers.html",
        {
            "title": f"RFM class: {scores.class_label(code)}",
            "description": scores.CLASSES[code][1],
            "section": RFM,
            "page": page,
            "error": "",
            "back": (reverse("dashboard:audience-rfm"), "RFM classes"),
            "currency": _currency(request),
        },
    )


# --- Cohorts --------------------------------------------------------------------------------


@staff_required("customers")
@require_http_methods(["GET", "HEAD"])
def cohort_view(request: HttpRequest) -> HttpResponse:
    try:
        months = int(request.GET.get("months", cohorts.DEFAULT_MONTHS))
    except ValueError:
        months = cohorts.DEFAULT_MONTHS
    if months not in cohorts.PERIODS:
        months = cohorts.DEFAULT_MONTHS
    show = "revenue" if request.GET.get("show") == "revenue" else "retention"
    with reporting():
        table = cohorts.cohort_table(months=months)
    maximum: Decimal = table.max_revenue if show == "revenue" else table.max_rate
    return _render(
        request,
        "dashboard/audience/cohorts.html",
        {
            "title": "Cohorts",
            "section": COHORTS,
            "table": table,
            "months": months,
            "periods": cohorts.PERIODS,
            "show": show,
            "heat": lambda value: charts.heat_level(value, maximum),
            "currency": _currency(request),
        },
    )


# --- The customer's timeline ------------------------------------------------------------------


@staff_required("customers")
@require_http_methods(["GET", "HEAD"])
def customer_timeline(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A page of older timeline entries (htmx appends it; without JS the customer page takes
    the same `before` parameter)."""
    customer = get_object_or_404(Customer, pk=customer_id, is_staff=False)
    timeline = profiles.customer_timeline(
        customer, before=profiles.parse_cursor(request.GET.get("before"))
    )
    return _render(
        request,
        "dashboard/audience/_timeline_entries.html",
        {"customer": customer, "timeline": timeline},
    )
