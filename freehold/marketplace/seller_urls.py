"""The shopper's marketplace pages: /sellers/<handle> and /legal/marketplace."""

from django.urls import path

from freehold.marketplace import seller_views as views

urlpatterns = [
    path("sellers/<slug:handle>", views.seller, name="seller"),
    path("legal/marketplace", views.marketplace_info, name="marketplace-info"),
]
