"""The vendor's orders and payouts (/vendor/orders, /vendor/payouts)."""

from django.urls import path

from freehold.marketplace import money_views

urlpatterns = [
    path("vendor/orders", money_views.orders, name="vendor-orders"),
    path("vendor/orders/<str:number>", money_views.order_detail, name="vendor-order"),
    path("vendor/payouts", money_views.payouts, name="vendor-payouts"),
    path(
        "vendor/payouts/<int:payout_id>",
        money_views.payout_statement,
        name="vendor-payout-statement",
    ),
]
