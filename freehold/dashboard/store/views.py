"""/dashboard/settings/: store details, theme and navigation, shipping, payments, staff, API
tokens and webhooks. Thin views: forms check the input, services write and audit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from freehold.api.models import SCOPES, ApiToken
from freehold.api.services import api_token_create, api_token_revoke
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.customers.models import Customer
from freehold.dashboard import access
from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import paginate, render_page
from freehold.dashboard.store import forms as store_forms
from freehold.dashboard.store import services
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.markets.services import (
    shipping_rate_delete,
    shipping_rate_save,
    shipping_zone_delete,
    shipping_zone_save,
)
from freehold.payments import gateways
from freehold.payments.manual import ManualGateway
from freehold.storefront.models import FONT_STACKS, MenuItem
from freehold.storefront.selectors import store_settings
from freehold.webhooks.models import EVENTS, WebhookDelivery, WebhookSubscription
from freehold.webhooks.services import (
    SIGNATURE_HEADER,
    delivery_redeliver,
    subscription_create,
    subscription_delete,
    subscription_update,
)

SECTION = "settings"
SECTIONS = [
    ("dashboard:settings-details", "Store details", "Name, currency, business identity, tax, "
     "returns window, low-stock threshold."),
    ("dashboard:settings-theme", "Brand theme", "Logo, colours, fonts, announcement, hero."),
    ("dashboard:settings-navigation", "Navigation", "The header and footer menus."),
    ("dashboard:settings-shipping", "Shipping", "Zones, countries and rates."),
    ("dashboard:settings-markets", "Markets", "Countries, currencies, languages, prices, duties "
     "and exchange rates."),
    ("dashboard:settings-taxes", "Taxes", "Where the business is established, registrations "
     "(IOSS, VAT, US states), tax and duty rates, the US sales-tax nexus tracker."),
    ("dashboard:settings-payments", "Payments", "Payment gateways and bank-transfer details."),
    ("dashboard:settings-api-tokens", "API tokens", "Tokens for the admin API, with scopes."),
    ("dashboard:settings-webhooks", "Webhooks", "Subscriptions, deliveries and re-delivery."),
    ("dashboard:settings-privacy", "Privacy", "Retention periods and the nightly purge."),
]  # fmt: skip
STAFF_SECTION = ("dashboard:settings-staff", "Staff accounts", "Invite staff, roles, permissions.")


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


def _show_error(form: forms.BaseForm, error: FreeholdError) -> None:
    """Put a service's refusal next to the field it names (else above the form)."""
    field = error.field
    if field == "countries":
        field = "countries_text"
    form.add_error(field if field in form.fields else None, error.message)


def _done(request: HttpRequest, message: str, target: str) -> HttpResponse:
    messages.success(request, message)
    return HttpResponseRedirect(target)


@staff_required(SECTION)
def index(request: HttpRequest) -> HttpResponse:
    sections = [*SECTIONS, STAFF_SECTION] if access.is_manager(request.user) else SECTIONS
    return _page(request, "index.html", "Settings", sections=sections)


# --- Store details and theme ----------------------------------------------------------------


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def details(request: HttpRequest) -> HttpResponse:
    store = store_settings()
    form = store_forms.DetailsForm(request.POST or None, instance=store)
    if request.method == "POST" and form.is_valid():
        try:
            services.store_settings_update(
                actor=_actor(request),
                changes={name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            return _done(request, "Store details saved.", reverse("dashboard:settings-details"))
    status = 400 if form.errors else 200
    return _page(request, "details.html", "Store details", form=form, status=status)


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def theme(request: HttpRequest) -> HttpResponse:
    store = store_settings()
    data = request.POST if request.method == "POST" else None
    form = store_forms.ThemeForm(data, request.FILES or None, instance=store)
    if data is not None and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
        images = {}
        for name in ("logo", "hero_image"):
            if form.cleaned_data.get(f"remove_{name}"):
                changes[name] = None
            if form.cleaned_data.get(f"{name}_upload"):
                images[name] = form.cleaned_data[f"{name}_upload"]
        try:
            services.store_settings_update(actor=_actor(request), changes=changes, images=images)
        except FreeholdError as error:
            _show_error(form, error)
        else:
            return _done(request, "Theme saved.", reverse("dashboard:settings-theme"))
    store.refresh_from_db()
    return _page(
        request,
        "theme.html",
        "Brand theme",
        form=form,
        current=store,
        font_stacks=FONT_STACKS,
        status=400 if form.errors else 200,
    )


# --- Navigation ----------------------------------------------------------------------------


def _menus() -> list[tuple[str, str, list[MenuItem]]]:
    items: dict[str, list[MenuItem]] = {handle: [] for handle in services.MENU_TITLES}
    for item in MenuItem.objects.filter(menu__handle__in=list(items)).select_related("menu"):
        items[item.menu.handle].append(item)
    return [(handle, title, items[handle]) for handle, title in services.MENU_TITLES.items()]


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def navigation(request: HttpRequest) -> HttpResponse:
    """The two menus; POST adds a link to the menu named by `menu`."""
    forms_by_menu = {
        handle: store_forms.MenuItemForm(prefix=handle) for handle in services.MENU_TITLES
    }
    if request.method == "POST":
        handle = request.POST.get("menu", "")
        if handle not in forms_by_menu:
            raise Http404("No such menu.")
        form = store_forms.MenuItemForm(request.POST, prefix=handle)
        forms_by_menu[handle] = form
        if form.is_valid():
            try:
                services.menu_item_create(
                    menu_handle=handle,
                    title=form.cleaned_data["title"],
                    url=form.cleaned_data["url"],
                    actor=_actor(request),
                )
            except FreeholdError as error:
                _show_error(form, error)
            else:
                return _done(request, "Link added.", reverse("dashboard:settings-navigation"))
    status = 400 if any(form.errors for form in forms_by_menu.values()) else 200
    return _page(
        request,
        "navigation.html",
        "Navigation",
        menus=_menus(),
        add_forms=forms_by_menu,
        status=status,
    )


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def menu_item(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(MenuItem.objects.select_related("menu"), pk=item_id)
    initial = {"title": item.title, "url": item.url}
    form = store_forms.MenuItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.menu_item_update(
                item=item,
                title=form.cleaned_data["title"],
                url=form.cleaned_data["url"],
                actor=_actor(request),
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            return _done(request, "Link saved.", reverse("dashboard:settings-navigation"))
    return _page(
        request,
        "menu_item.html",
        f"Edit link “{item.title}”",
        item=item,
        form=form,
        status=400 if form.errors else 200,
    )


@staff_required(SECTION)
@require_POST
def menu_item_delete(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(MenuItem, pk=item_id)
    services.menu_item_delete(item=item, actor=_actor(request))
    return _done(request, f"“{item.title}” removed.", reverse("dashboard:settings-navigation"))


@staff_required(SECTION)
@require_POST
def menu_item_move(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(MenuItem, pk=item_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.menu_item_move(item=item, offset=offset, actor=_actor(request))
    return HttpResponseRedirect(reverse("dashboard:settings-navigation") + f"#item-{item.pk}")


# --- Shipping ------------------------------------------------------------------------------


@staff_required(SECTION)
def shipping(request: HttpRequest) -> HttpResponse:
    zones = list(ShippingZone.objects.prefetch_related("rates"))
    return _page(request, "shipping.html", "Shipping", zones=zones)


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def zone_edit(request: HttpRequest, zone_id: int | None = None) -> HttpResponse:
    zone = get_object_or_404(ShippingZone, pk=zone_id) if zone_id else ShippingZone()
    form = store_forms.ZoneForm(request.POST or None, instance=zone)
    if request.method == "POST" and form.is_valid():
        try:
            shipping_zone_save(zone=form.instance, actor=_actor(request))
        except FreeholdError as error:
            _show_error(form, error)
        else:
            return _done(request, "Shipping zone saved.", reverse("dashboard:settings-shipping"))
    title = f"Zone “{zone.name}”" if zone.pk else "New shipping zone"
    return _page(
        request, "zone.html", title, zone=zone, form=form, status=400 if form.errors else 200
    )


@staff_required(SECTION)
@require_POST
def zone_delete(request: HttpRequest, zone_id: int) -> HttpResponse:
    zone = get_object_or_404(ShippingZone, pk=zone_id)
    shipping_zone_delete(zone=zone, actor=_actor(request))
    return _done(request, f"Zone “{zone.name}” deleted.", reverse("dashboard:settings-shipping"))


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def rate_edit(
    request: HttpRequest, zone_id: int | None = None, rate_id: int | None = None
) -> HttpResponse:
    if rate_id:
        rate = get_object_or_404(ShippingRate.objects.select_related("zone"), pk=rate_id)
        zone = rate.zone
    else:
        zone = get_object_or_404(ShippingZone, pk=zone_id)
        rate = ShippingRate(zone=zone, currency=store_settings().currency)
    form = store_forms.RateForm(request.POST or None, instance=rate)
    if request.method == "POST" and form.is_valid():
        try:
            shipping_rate_save(rate=form.instance, actor=_actor(request))
        except FreeholdError as error:
            _show_error(form, error)
        else:
            return _done(request, "Shipping rate saved.", reverse("dashboard:settings-shipping"))
    title = f"Rate “{rate.name}”" if rate.pk else f"New rate in {zone.name}"
    return _page(
        request,
        "rate.html",
        title,
        zone=zone,
        rate=rate,
        form=form,
        status=400 if form.errors else 200,
    )


@staff_required(SECTION)
@require_POST
def rate_delete(request: HttpRequest, rate_id: int) -> HttpResponse:
    rate = get_object_or_404(ShippingRate, pk=rate_id)
    shipping_rate_delete(rate=rate, actor=_actor(request))
    return _done(request, f"Rate “{rate.name}” deleted.", reverse("dashboard:settings-shipping"))


# --- Payments ------------------------------------------------------------------------------


@staff_required(SECTION)
def payments(request: HttpRequest) -> HttpResponse:
    """Which gateways this store offers, and why; configuration lives in the environment."""
    registered = {gateway.code: gateway for gateway in gateways.available()}
    manual = registered.get("manual")
    rows = [
        {
            "code": "manual",
            "name": manual.name if manual else "Bank transfer or cash on delivery",
            "available": manual is not None,
            "how": "Always offered. Staff mark orders paid when the money arrives.",
        },
        {
            "code": "stripe",
            "name": "Stripe (cards, wallets)",
            "available": "stripe" in registered,
            "how": "Offered when FREEHOLD_STRIPE_SECRET_KEY is set in the server's environment"
            " (the webhook endpoint needs FREEHOLD_STRIPE_WEBHOOK_SECRET).",
        },
        {
            "code": "test",
            "name": "Test payments (no money)",
            "available": "test" in registered,
            "how": "Offered everywhere but production, for trying the checkout.",
        },
    ]
    known = {row["code"] for row in rows}
    rows += [
        {"code": code, "name": gateway.name, "available": True, "how": "Registered by a plugin."}
        for code, gateway in registered.items()
        if code not in known
    ]
    instructions = manual.instructions if isinstance(manual, ManualGateway) else ""
    return _page(
        request,
        "payments.html",
        "Payments",
        rows=rows,
        instructions=instructions,
        stripe_key_set=bool(settings.STRIPE_SECRET_KEY),
        stripe_webhook_secret_set=bool(settings.STRIPE_WEBHOOK_SECRET),
        webhook_url=request.build_absolute_uri(reverse("payment-webhook", args=["stripe"])),
    )


# --- Staff accounts ------------------------------------------------------------------------


def _base_url(request: HttpRequest) -> str:
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"


@staff_required(SECTION, managers_only=True)
def staff(request: HttpRequest) -> HttpResponse:
    members = Customer.objects.filter(is_staff=True).order_by("-is_active", "staff_role", "email")
    return _page(
        request,
        "staff.html",
        "Staff accounts",
        members=list(members),
        areas=dict(access.AREAS),
        is_owner=access.is_owner(request.user),
    )


@staff_required(SECTION, managers_only=True)
@require_http_methods(["GET", "HEAD", "POST"])
def staff_invite(request: HttpRequest) -> HttpResponse:
    form = store_forms.StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.staff_invite(
                email=data["email"],
                role=data["role"],
                permissions=data["permissions"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                invited_by=request.user,  # type: ignore[arg-type]
                base_url=_base_url(request),
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            return _done(
                request,
                f"Invitation sent to {member.email}.",
                reverse("dashboard:settings-staff"),
            )
    return _page(
        request,
        "staff_invite.html",
        "Invite a staff member",
        form=form,
        is_owner=access.is_owner(request.user),
        status=400 if form.errors else 200,
    )


@staff_required(SECTION, managers_only=True)
@require_http_methods(["GET", "HEAD", "POST"])
def staff_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    member = get_object_or_404(Customer, pk=member_id, is_staff=True)
    initial = {"role": member.staff_role or "owner", "permissions": member.staff_permissions}
    form = store_forms.StaffRoleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_update(
                member=member,
                role=form.cleaned_data["role"],
                permissions=form.cleaned_data["permissions"],
                changed_by=request.user,  # type: ignore[arg-type]
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            return _done(request, f"{member.email} saved.", reverse("dashboard:settings-staff"))
    return _page(
        request,
        "staff_edit.html",
        member.full_name or member.email,
        member=member,
        form=form,
        is_owner=access.is_owner(request.user),
        status=400 if form.errors else 200,
    )


@staff_required(SECTION, managers_only=True)
@require_POST
def staff_active(request: HttpRequest, member_id: int) -> HttpResponse:
    """Deactivate (`active=0`) or reactivate (`active=1`) a staff account."""
    member = get_object_or_404(Customer, pk=member_id, is_staff=True)
    operation = (
        services.staff_reactivate
        if request.POST.get("active") == "1"
        else (services.staff_deactivate)
    )
    try:
        operation(member=member, changed_by=request.user)  # type: ignore[arg-type]
    except FreeholdError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("dashboard:settings-staff"))
    verb = "reactivated" if request.POST.get("active") == "1" else "deactivated"
    return _done(request, f"{member.email} {verb}.", reverse("dashboard:settings-staff"))


@staff_required(SECTION, managers_only=True)
@require_POST
def staff_resend(request: HttpRequest, member_id: int) -> HttpResponse:
    member = get_object_or_404(Customer, pk=member_id, is_staff=True)
    try:
        services.staff_invitation_resend(
            member=member,
            invited_by=request.user,  # type: ignore[arg-type]
            base_url=_base_url(request),
        )
    except FreeholdError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("dashboard:settings-staff"))
    return _done(
        request, f"Invitation sent again to {member.email}.", reverse("dashboard:settings-staff")
    )


# --- API tokens ----------------------------------------------------------------------------


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The tokens, and a form for a new one; the new secret is shown once, in the answer."""
    form = store_forms.ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = api_token_create(
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                actor=_actor(request),
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            # Rendered in the POST's answer (no-store), never kept in a session at rest.
            return _page(request, "api_token_created.html", "API token created", token=token,
                         secret=secret)  # fmt: skip
    tokens = ApiToken.objects.select_related("created_by").order_by("revoked_at", "-created_at")
    return _page(
        request,
        "api_tokens.html",
        "API tokens",
        form=form,
        tokens=list(tokens),
        scope_labels=dict(SCOPES),
        status=400 if form.errors else 200,
    )


@staff_required(SECTION)
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id)
    api_token_revoke(token=token, actor=_actor(request))
    return _done(
        request, f"Token “{token.name}” revoked.", reverse("dashboard:settings-api-tokens")
    )


# --- Webhooks ------------------------------------------------------------------------------


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    """The subscriptions, and a form for a new one; its signing secret is shown once."""
    form = store_forms.WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription, secret = subscription_create(
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                actor=_actor(request),
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            return _page(
                request,
                "webhook_created.html",
                "Webhook subscription created",
                subscription=subscription,
                secret=secret,
                signature_header=SIGNATURE_HEADER,
            )
    subscriptions = WebhookSubscription.objects.order_by("-created_at")
    return _page(
        request,
        "webhooks.html",
        "Webhooks",
        form=form,
        subscriptions=list(subscriptions),
        event_labels=dict(EVENTS),
        status=400 if form.errors else 200,
    )


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def webhook(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """One subscription: edit its URL and events, pause, delete; its delivery log."""
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    initial = {"url": subscription.url, "events": subscription.events}
    form = store_forms.WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            subscription_update(
                subscription=subscription,
                actor=_actor(request),
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            target = reverse("dashboard:settings-webhook", args=[subscription.pk])
            return _done(request, "Subscription saved.", target)
    deliveries = paginate(
        request, WebhookDelivery.objects.filter(subscription=subscription).order_by("-id")
    )
    return _page(
        request,
        "webhook.html",
        "Webhook subscription",
        subscription=subscription,
        form=form,
        deliveries=deliveries,
        signature_header=SIGNATURE_HEADER,
        status=400 if form.errors else 200,
    )


@staff_required(SECTION)
@require_POST
def webhook_active(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Pause (`active=0`) or resume (`active=1`) a subscription."""
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    active = request.POST.get("active") == "1"
    subscription_update(subscription=subscription, actor=_actor(request), is_active=active)
    target = reverse("dashboard:settings-webhook", args=[subscription.pk])
    return _done(request, "Subscription resumed." if active else "Subscription paused.", target)


@staff_required(SECTION)
@require_POST
def webhook_delete(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    subscription_delete(subscription=subscription, actor=_actor(request))
    return _done(request, "Subscription deleted.", reverse("dashboard:settings-webhooks"))


@staff_required(SECTION)
@require_POST
def webhook_redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id)
    delivery_redeliver(delivery=delivery, actor=_actor(request))
    target = reverse("dashboard:settings-webhook", args=[delivery.subscription_id])
    return _done(request, f"{delivery.event} will be delivered again shortly.", target)
