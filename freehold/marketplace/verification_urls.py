"""INFORM on the storefront side: seller pages, reports, and the vendor's verification."""

from django.urls import path

from freehold.marketplace import verification_views as views

urlpatterns = [
    path("sellers/<slug:handle>/report", views.seller_report, name="seller-report"),
    path("vendor/verification", views.vendor_verification, name="vendor-verification"),
    path("vendor/verification/certify", views.vendor_certify, name="vendor-certify"),
    path(
        "vendor/verification/full-disclosure",
        views.vendor_full_disclosure,
        name="vendor-full-disclosure",
    ),
    path(
        "vendor/verification/<int:record_id>/confirm",
        views.vendor_verification_confirm,
        name="vendor-verification-confirm",
    ),
    path(
        "vendor/verification/<str:field>",
        views.vendor_verification_submit,
        name="vendor-verification-submit",
    ),
]
