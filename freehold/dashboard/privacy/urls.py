"""Privacy requests (customers area) and retention periods (settings area).

Included at the dashboard's root, so the queue lives under /dashboard/customers/privacy/ and
the retention settings under /dashboard/settings/privacy/, next to their areas.
"""

from django.urls import path

from freehold.dashboard.privacy import views

urlpatterns = [
    path("customers/privacy/", views.index, name="privacy-requests"),
    path("customers/privacy/new/", views.create, name="privacy-request-create"),
    path("customers/privacy/<int:request_id>/", views.detail, name="privacy-request-detail"),
    path(
        "customers/privacy/<int:request_id>/export.json",
        views.request_export,
        name="privacy-request-export",
    ),
    path(
        "customers/privacy/<int:request_id>/<str:action>/",
        views.act,
        name="privacy-request-act",
    ),
    path(
        "customers/<int:customer_id>/export.json",
        views.customer_export,
        name="privacy-customer-export",
    ),
    path("settings/privacy/", views.retention_settings, name="settings-privacy"),
]
