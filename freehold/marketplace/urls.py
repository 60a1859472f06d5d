"""Marketplace URLs on the storefront side: the vendor dashboard (/vendor/), applications,
invitations, verification, reports. Each stream keeps its own module."""

from django.urls import include, path

urlpatterns = [
    path("", include("freehold.marketplace.seller_urls")),
    path("", include("freehold.marketplace.vendor_urls")),
    path("", include("freehold.marketplace.money_urls")),
    path("", include("freehold.marketplace.verification_urls")),
    path("", include("freehold.marketplace.dsa_urls")),
]
