"""/dashboard/marketplace/payouts and /ledger (names dashboard:marketplace-...)."""

from django.urls import path

from freehold.dashboard.marketplace import money_views

urlpatterns = [
    path("payouts/", money_views.payouts, name="marketplace-payouts"),
    path("payouts/<int:payout_id>/paid", money_views.payout_paid, name="marketplace-payout-paid"),
    path("ledger/", money_views.ledger, name="marketplace-ledger"),
]
