from django.urls import path

from freehold.dashboard.products import collections_views, translations_views, views

urlpatterns = [
    path("", views.index, name="products"),
    path("new/", views.new, name="product-new"),
    path("export.csv", views.export_csv, name="product-export"),
    path("bulk/", views.bulk, name="product-bulk"),
    path("collections/", collections_views.index, name="collections"),
    path("collections/new/", collections_views.new, name="collection-new"),
    path("collections/<int:collection_id>/", collections_views.edit, name="collection-edit"),
    path(
        "collections/<int:collection_id>/translations/",
        translations_views.collection,
        name="collection-translations",
    ),
    path(
        "collections/<int:collection_id>/delete/",
        collections_views.delete,
        name="collection-delete",
    ),
    path(
        "collections/<int:collection_id>/products/",
        collections_views.product_add,
        name="collection-product-add",
    ),
    path(
        "collections/<int:collection_id>/products/<int:product_id>/remove/",
        collections_views.product_remove,
        name="collection-product-remove",
    ),
    path(
        "collections/<int:collection_id>/products/<int:product_id>/move/",
        collections_views.product_move,
        name="collection-product-move",
    ),
    path("<int:product_id>/", views.edit, name="product-edit"),
    path("<int:product_id>/options/", views.options, name="product-options"),
    path(
        "<int:product_id>/translations/",
        translations_views.product,
        name="product-translations",
    ),
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
    path("<int:product_id>/images/fetch/", views.images_fetch, name="product-images-fetch"),
    path("<int:product_id>/images/<int:image_id>/", views.image, name="product-image"),
    path("<int:product_id>/duplicate/", views.duplicate, name="product-duplicate"),
    path("<int:product_id>/archive/", views.archive, name="product-archive"),
]
