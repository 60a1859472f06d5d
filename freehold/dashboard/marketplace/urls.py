"""/dashboard/marketplace/: the operator's side of marketplace mode, one module per stream."""

from django.urls import include, path

urlpatterns = [
    path("", include("freehold.dashboard.marketplace.vendors_urls")),
    path("", include("freehold.dashboard.marketplace.money_urls")),
    path("", include("freehold.dashboard.marketplace.verification_urls")),
    path("", include("freehold.dashboard.marketplace.dsa_urls")),
]
