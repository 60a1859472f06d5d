"""Vendor onboarding and the vendor dashboard's home and products (stream VENDORS)."""

from django.urls import path

from freehold.marketplace import vendor_views

PRODUCT = "vendor/products/<int:product_id>"

urlpatterns = [
    path("sell", vendor_views.sell, name="vendor-apply"),
    path("vendor/invitation/<str:token>", vendor_views.invitation, name="vendor-invitation"),
    path("vendor/", vendor_views.home, name="vendor-home"),
    path("vendor/products", vendor_views.products, name="vendor-products"),
    path("vendor/products/new", vendor_views.product_new, name="vendor-product-new"),
    path(PRODUCT, vendor_views.product_edit, name="vendor-product"),
    path(f"{PRODUCT}/options", vendor_views.product_options, name="vendor-product-options"),
    path(
        f"{PRODUCT}/variants/new",
        vendor_views.product_variant_add,
        name="vendor-product-variant-add",
    ),
    path(
        f"{PRODUCT}/variants/<int:variant_id>/remove",
        vendor_views.product_variant_remove,
        name="vendor-product-variant-remove",
    ),
    path(f"{PRODUCT}/images", vendor_views.product_images, name="vendor-product-images"),
    path(
        f"{PRODUCT}/images/<int:image_id>",
        vendor_views.product_image,
        name="vendor-product-image",
    ),
]
