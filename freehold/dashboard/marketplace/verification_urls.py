"""INFORM verification for the operator (stream INFORM); names dashboard:marketplace-..."""

from django.urls import path

from freehold.dashboard.marketplace import verification_views as views

urlpatterns = [
    path("verification/", views.queue, name="marketplace-verification"),
    path(
        "verification/vendors/<int:vendor_id>/",
        views.vendor_detail,
        name="marketplace-verification-vendor",
    ),
    path(
        "verification/vendors/<int:vendor_id>/partial-disclosure/revoke/",
        views.revoke_partial_disclosure,
        name="marketplace-verification-revoke-partial",
    ),
    path(
        "verification/notices/<int:notice_id>/withdraw/",
        views.withdraw_notice,
        name="marketplace-verification-withdraw-notice",
    ),
    path(
        "verification/records/<int:record_id>/decide/",
        views.decide,
        name="marketplace-verification-decide",
    ),
    path(
        "verification/records/<int:record_id>/reveal/",
        views.reveal,
        name="marketplace-verification-reveal",
    ),
]
