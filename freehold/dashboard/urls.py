"""/dashboard/: the merchant's screens, one URL module per area."""

from django.urls import include, path

app_name = "dashboard"

urlpatterns = [
    path("", include("freehold.dashboard.home.urls")),
    path("orders/", include("freehold.dashboard.orders.urls")),
    path("products/", include("freehold.dashboard.products.urls")),
    path("", include("freehold.dashboard.privacy.urls")),
    path("customers/", include("freehold.dashboard.customers.urls")),
    path("customers/", include("freehold.dashboard.audience.urls")),
    path("discounts/", include("freehold.dashboard.discounts.urls")),
    path("imports/", include("freehold.dashboard.imports.urls")),
    path("marketplace/", include("freehold.dashboard.marketplace.urls")),
    path("settings/markets/", include("freehold.dashboard.store.markets_urls")),
    path("settings/taxes/", include("freehold.dashboard.store.taxes_urls")),
    path("settings/", include("freehold.dashboard.store.urls")),
]
