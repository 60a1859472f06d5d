"""Marketplace settings and vendors (stream VENDORS); names dashboard:marketplace-..."""

from django.urls import path

from freehold.dashboard.marketplace import vendors_views

urlpatterns = [
    path("", vendors_views.settings_page, name="marketplace-settings"),
    path("vendors/", vendors_views.vendors, name="marketplace-vendors"),
    path("vendors/<int:vendor_id>/", vendors_views.vendor_detail, name="marketplace-vendor"),
    path(
        "vendors/<int:vendor_id>/status/<str:action>/",
        vendors_views.vendor_status,
        name="marketplace-vendor-status",
    ),
]
