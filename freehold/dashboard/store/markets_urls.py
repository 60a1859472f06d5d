"""/dashboard/settings/markets/: included by freehold/dashboard/urls.py in the `dashboard`
namespace (names `dashboard:settings-market…` and `dashboard:settings-fx-…`)."""

from django.urls import path

from freehold.dashboard.store import markets_views

urlpatterns = [
    path("", markets_views.index, name="settings-markets"),
    path("new/", markets_views.edit, name="settings-market-new"),
    path("preview/", markets_views.preview, name="settings-market-preview"),
    path("<int:market_id>/", markets_views.edit, name="settings-market"),
    path("<int:market_id>/delete/", markets_views.delete, name="settings-market-delete"),
    path("<int:market_id>/default/", markets_views.make_default, name="settings-market-default"),
    path("<int:market_id>/prices/", markets_views.prices, name="settings-market-prices"),
    path("rates/", markets_views.rates, name="settings-fx-rates"),
    path("rates/update/", markets_views.rates_update, name="settings-fx-update"),
    path("rates/upload/", markets_views.rates_upload, name="settings-fx-upload"),
]
