from django.urls import path

from freehold.dashboard.orders import returns_views, views

urlpatterns = [
    path("", views.index, name="orders"),
    path("export.csv", views.export, name="orders-export"),
    path("bulk", views.bulk, name="orders-bulk"),
    path("packing-slips", views.packing_slips, name="orders-packing-slips"),
    # Before "<str:number>/", which would take "returns" for an order number.
    path("returns/", returns_views.returns_index, name="order-returns"),
    path("returns/<int:pk>/", returns_views.return_detail, name="order-return"),
    path("returns/<int:pk>/approve", returns_views.return_approve, name="order-return-approve"),
    path("returns/<int:pk>/reject", returns_views.return_reject, name="order-return-reject"),
    path("returns/<int:pk>/receive", returns_views.return_receive, name="order-return-receive"),
    path("returns/<int:pk>/refund", returns_views.return_refund, name="order-return-refund"),
    path("returns/<int:pk>/note", returns_views.return_note, name="order-return-note"),
    path("withdrawals/", returns_views.withdrawals_index, name="order-withdrawals"),
    path(
        "withdrawals/<int:pk>/refund",
        returns_views.withdrawal_refund,
        name="order-withdrawal-refund",
    ),
    path("<str:number>/", views.detail, name="order-detail"),
    path("<str:number>/mark-paid", views.mark_paid, name="order-mark-paid"),
    path("<str:number>/fulfil", views.fulfil, name="order-fulfil"),
    path(
        "<str:number>/parcels/<int:parcel_id>/delivered",
        views.mark_delivered,
        name="order-parcel-delivered",
    ),
    path("<str:number>/cancel", views.cancel, name="order-cancel"),
    path("<str:number>/refund", views.refund, name="order-refund"),
    path("<str:number>/notes", views.add_note, name="order-note"),
    path("<str:number>/packing-slip", views.packing_slip, name="order-packing-slip"),
    path("<str:number>/invoice", views.invoice, name="order-invoice"),
]
