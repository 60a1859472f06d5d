"""/dashboard/marketplace/payouts and /ledger (names dashboard:marketplace-...)."""

from django.urls import path

from freehold.dashboard.marketplace import money_views

urlpatterns = [
    path("payouts/", money_views.payouts, name="marketplace-payouts"),
    path("payouts/run", money_views.payouts_run_now, name="marketplace-payouts-run"),
    path("payouts/<int:payout_id>/paid", money_views.payout_paid, name="marketplace-payout-paid"),
    path(
        "payouts/<int:payout_id>/release",
        money_views.payout_release,
        name="marketplace-payout-release",
    ),
    path("payouts/<int:payout_id>/hold", money_views.payout_hold, name="marketplace-payout-hold"),
    path("ledger/", money_views.ledger, name="marketplace-ledger"),
]
