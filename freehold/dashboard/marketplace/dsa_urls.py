"""DSA trader traceability, the operator's side (names dashboard:marketplace-trader...)."""

from django.urls import path

from freehold.dashboard.marketplace import dsa_views

urlpatterns = [
    path("traders/", dsa_views.traders, name="marketplace-traders"),
    path("traders/<int:vendor_id>/", dsa_views.trader_detail, name="marketplace-trader"),
    path(
        "traders/<int:vendor_id>/correction",
        dsa_views.trader_correction,
        name="marketplace-trader-correction",
    ),
    path(
        "traders/<int:vendor_id>/suspend",
        dsa_views.trader_suspend,
        name="marketplace-trader-suspend",
    ),
    path("traders/checks", dsa_views.listing_checks, name="marketplace-listing-checks"),
    path(
        "traders/checks/<int:product_id>/ok",
        dsa_views.listing_check_ok,
        name="marketplace-listing-check-ok",
    ),
    path(
        "traders/checks/<int:product_id>/suspend",
        dsa_views.listing_check_suspend,
        name="marketplace-listing-check-suspend",
    ),
    path(
        "traders/products/<int:product_id>/illegal",
        dsa_views.illegal_product,
        name="marketplace-illegal-product",
    ),
]
