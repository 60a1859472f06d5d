"""Vendor onboarding and the vendor dashboard's home and products (stream VENDORS)."""

from django.urls import path

from freehold.marketplace import vendor_views

urlpatterns = [
    path("sell", vendor_views.sell, name="vendor-apply"),
    path("vendor/invitation/<str:token>", vendor_views.invitation, name="vendor-invitation"),
    path("vendor/", vendor_views.home, name="vendor-home"),
    path("vendor/products", vendor_views.products, name="vendor-products"),
    path("vendor/products/new", vendor_views.product_new, name="vendor-product-new"),
    path("vendor/products/<int:product_id>", vendor_views.product_edit, name="vendor-product"),
]
