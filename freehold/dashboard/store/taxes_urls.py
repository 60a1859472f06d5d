"""/dashboard/settings/taxes/: included by freehold/dashboard/urls.py in the `dashboard`
namespace (names `dashboard:settings-taxes` and `dashboard:settings-tax-…`)."""

from django.urls import path

from freehold.dashboard.store import taxes_views

urlpatterns = [
    path("", taxes_views.index, name="settings-taxes"),
    path("registrations/new/", taxes_views.registration, name="settings-tax-registration-new"),
    path(
        "registrations/<int:registration_id>/",
        taxes_views.registration,
        name="settings-tax-registration",
    ),
    path(
        "registrations/<int:registration_id>/active/",
        taxes_views.registration_active,
        name="settings-tax-registration-active",
    ),
    path("rates/", taxes_views.rates, name="settings-tax-rates"),
    path("duties/", taxes_views.duties, name="settings-tax-duties"),
    path("nexus/", taxes_views.nexus, name="settings-tax-nexus"),
]
