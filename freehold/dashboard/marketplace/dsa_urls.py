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
]
