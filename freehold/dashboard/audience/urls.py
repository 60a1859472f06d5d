"""Segments, RFM and cohorts, under /dashboard/customers/ (the customers area)."""

from django.urls import path

from freehold.dashboard.audience import views

urlpatterns = [
    path("segments/", views.segment_list, name="audience-segments"),
    path("segments/new/", views.segment_new, name="audience-segment-new"),
    path("segments/preview/", views.segment_preview, name="audience-segment-preview"),
    path("segments/<int:segment_id>/", views.segment_edit, name="audience-segment-edit"),
    path(
        "segments/<int:segment_id>/customers/",
        views.segment_customers,
        name="audience-segment-customers",
    ),
    path("segments/<int:segment_id>/delete/", views.segment_delete, name="audience-segment-delete"),
    path("rfm/", views.rfm, name="audience-rfm"),
    path("rfm/recompute/", views.rfm_recompute, name="audience-rfm-recompute"),
    path("rfm/<slug:code>/", views.rfm_class, name="audience-rfm-class"),
    path("cohorts/", views.cohort_view, name="audience-cohorts"),
    path("<int:customer_id>/timeline/", views.customer_timeline, name="audience-customer-timeline"),
]
