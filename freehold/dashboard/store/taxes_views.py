"""/dashboard/settings/taxes/: where the business is established and ships from, its tax
registrations, the tax and duty rates with their dated history, and the US economic-nexus
tracker.

Thin views: forms check the shape, `taxes.services` write (each refusal names its field,
shown next to it) and audit; `taxes_selectors` read. A rule change is a new dated row.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import render_page
from freehold.dashboard.store import taxes_selectors as selectors
from freehold.dashboard.store.taxes_forms import (
    SERVICE_FIELDS,
    DutyRateForm,
    RegistrationForm,
    TaxProfileForm,
    TaxRateForm,
)
from freehold.markets.countries import is_country_code, normalise_country_code
from freehold.taxes import services
from freehold.taxes.models import TaxProfile, TaxRegistration
from freehold.taxes.selectors import today

SECTION = "settings"


def _page(request: HttpRequest, template: str, title: str, **context: Any) -> HttpResponse:
    status = context.pop("status", 200)
    return render_page(
        request,
        f"dashboard/store/{template}",
        {"title": title, "section": SECTION, "tab": template.removesuffix(".html"), **context},
        status=status,
    )


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def _show_error(form: forms.BaseForm, error: FreeholdError) -> None:
    """The service's refusal next to the field it names (else above the form)."""
    field = SERVICE_FIELDS.get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)


def _done(request: HttpRequest, message: str, target: str) -> HttpResponse:
    messages.success(request, message)
    return HttpResponseRedirect(target)


# --- Profile and registrations ------------------------------------------------------------


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    profile = TaxProfile.objects.filter(pk=1).first() or TaxProfile()
    form = TaxProfileForm(
        request.POST or None,
        initial={
            "established_country": profile.established_country,
            "ships_from_country": profile.ships_from_country,
            "eu_destination_vat_always": profile.eu_destination_vat_always,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.tax_profile_update(**form.cleaned_data, actor=_actor(request))
        except FreeholdError as error:
            _show_error(form, error)
        else:
            return _done(request, "Tax profile saved.", reverse("dashboard:settings-taxes"))
    return _page(
        request,
        "taxes.html",
        "Taxes",
        form=form,
        registrations=selectors.registration_rows(),
        status=400 if form.errors else 200,
    )


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def registration(request: HttpRequest, registration_id: int | None = None) -> HttpResponse:
    row = (
        get_object_or_404(TaxRegistration, pk=registration_id)
        if registration_id
        else TaxRegistration()
    )
    initial = None
    if not row.pk:
        # The tracker links here with the state to register in.
        initial = {"tax_shipping": True, "is_active": True, "valid_from": today()}
        initial.update(
            {name: request.GET[name][:16] for name in ("scheme", "region") if name in request.GET}
        )
    form = RegistrationForm(request.POST or None, registration=row, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.tax_registration_save(
                data=services.TaxRegistrationInput(
                    scheme=data["scheme"],
                    number=data["number"],
                    country=data["country"],
                    region=data["region"],
                    rate=data["rate_percent"],
                    tax_shipping=data["tax_shipping"],
                    is_active=data["is_active"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                ),
                registration_id=row.pk,
                actor=_actor(request),
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            selectors.forget_nexus_todo()
            where = saved.region or saved.country
            return _done(
                request,
                f"Registration saved: {selectors.SCHEME_LABELS[saved.scheme]}"
                f"{' ' + where if where else ''}.",
                reverse("dashboard:settings-taxes"),
            )
    title = "Edit registration" if row.pk else "Add a registration"
    return _page(
        request,
        "taxes_registration.html",
        title,
        form=form,
        registration=row,
        status=400 if form.errors else 200,
    )


@staff_required(SECTION)
@require_POST
def registration_active(request: HttpRequest, registration_id: int) -> HttpResponse:
    """Deactivate (or reactivate) a registration: kept for the record, no longer charged."""
    row = get_object_or_404(TaxRegistration, pk=registration_id)
    try:
        services.tax_registration_save(
            data=services.TaxRegistrationInput(
                scheme=row.scheme,
                number=row.number,
                country=row.country,
                region=row.region,
                rate=row.rate,
                tax_shipping=row.tax_shipping,
                is_active=not row.is_active,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
                source=row.source,
            ),
            registration_id=row.pk,
            actor=_actor(request),
        )
    except FreeholdError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("dashboard:settings-taxes"))
    selectors.forget_nexus_todo()
    what = selectors.SCHEME_LABELS[row.scheme]
    where = f" {row.region or row.country}" if row.region or row.country else ""
    verb = "reactivated" if not row.is_active else "deactivated"
    return _done(request, f"{what}{where} {verb}.", reverse("dashboard:settings-taxes"))


# --- Rates --------------------------------------------------------------------------------


def _country_filter(request: HttpRequest) -> str:
    code = normalise_country_code(request.GET.get("country", "")[:2])
    return code if is_country_code(code) else ""


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def rates(request: HttpRequest) -> HttpResponse:
    on = today()
    country = _country_filter(request)
    form = TaxRateForm(
        request.POST or None,
        initial={"country": country, "valid_from": on, "label": "VAT"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.tax_rate_save(
                data=services.TaxRateInput(
                    country=data["country"],
                    region=data["region"],
                    tax_class=data["tax_class"],
                    rate=data["rate_percent"],
                    label=data["label"],
                    valid_from=data["valid_from"],
                    source=data["source"],
                ),
                actor=_actor(request),
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            return _done(
                request,
                f"{saved.label} {saved.region or saved.country} {saved.tax_class}: "
                f"{selectors.percent_text(saved.rate)} % from {saved.valid_from.isoformat()}.",
                f"{reverse('dashboard:settings-tax-rates')}?country={saved.country}",
            )
        posted = normalise_country_code(str(form.data.get("country", ""))[:2])
        country = country or (posted if is_country_code(posted) else "")
    return _page(
        request,
        "taxes_rates.html",
        "Tax rates",
        on=on,
        country=country,
        country_name=selectors.place_name(country) if country else "",
        countries=selectors.rate_countries(),
        in_force=selectors.rates_in_force(on, country=country),
        history=selectors.rate_history(country, on) if country else [],
        classes=selectors.CLASS_LABELS,
        percent=selectors.percent_text,
        form=form,
        status=400 if form.errors else 200,
    )


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def duties(request: HttpRequest) -> HttpResponse:
    on = today()
    form = DutyRateForm(request.POST or None, initial={"valid_from": on, "label": "Duty"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.duty_rate_save(
                data=services.DutyRateInput(
                    destination=data["destination"],
                    hs_prefix=data["hs_prefix"],
                    product_type=data["product_type"],
                    rate=data["rate_percent"],
                    label=data["label"],
                    valid_from=data["valid_from"],
                    source=data["source"],
                ),
                actor=_actor(request),
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            return _done(
                request,
                f"{saved.label} {saved.destination} {saved.hs_prefix or 'any HS code'}: "
                f"{selectors.percent_text(saved.rate)} % from {saved.valid_from.isoformat()}.",
                reverse("dashboard:settings-tax-duties"),
            )
    return _page(
        request,
        "taxes_duties.html",
        "Duties and import rules",
        on=on,
        duties=selectors.duty_rows(on),
        import_rules=selectors.import_rule_rows(on),
        percent=selectors.percent_text,
        place_name=selectors.place_name,
        form=form,
        status=400 if form.errors else 200,
    )


# --- The US nexus tracker -----------------------------------------------------------------


@staff_required(SECTION)
@require_GET
def nexus(request: HttpRequest) -> HttpResponse:
    on = today()
    rows = selectors.nexus_rows(on)
    return _page(
        request,
        "taxes_nexus.html",
        "US sales-tax nexus",
        on=on,
        rows=rows,
        attention=sum(1 for row in rows if row.status.needs_attention),
    )
