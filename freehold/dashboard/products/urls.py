from django.urls import path

from freehold.dashboard.products import views

urlpatterns = [
    path("", views.index, name="products"),
    path("new/", views.new, name="product-new"),
    path("export.csv", views.export_csv, name="product-export"),
    path("bulk/", views.bulk, name="product-bulk"),
    path("<int:product_id>/", views.edit, name="product-edit"),
    path("<int:product_id>/options/", views.options, name="product-options"),
    path("<int:product_id>/variants/", views.variants, name="product-variants"),
    path(
        "<int:product_id>/variants/<int:variant_id>/delete/",
        views.variant_delete,
        name="product-variant-delete",
    ),
    path(
        "<int:product_id>/variants/<int:variant_id>/stock/",
        views.variant_stock,
        name="product-variant-stock",
    ),
    path("<int:product_id>/images/", views.images, name="product-images"),
    path("<int:product_id>/images/order/", views.images_order, name="product-images-order"),
    path("<int:product_id>/images/<int:image_id>/", views.image, name="product-image"),
    path("<int:product_id>/duplicate/", views.duplicate, name="product-duplicate"),
    path("<int:product_id>/archive/", views.archive, name="product-archive"),
]
