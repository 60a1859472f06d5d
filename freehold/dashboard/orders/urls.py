from django.urls import path

from freehold.dashboard.orders import views

urlpatterns = [
    path("", views.index, name="orders"),
    path("export.csv", views.export, name="orders-export"),
    path("bulk", views.bulk, name="orders-bulk"),
    path("packing-slips", views.packing_slips, name="orders-packing-slips"),
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
