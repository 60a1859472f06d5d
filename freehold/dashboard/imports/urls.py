"""/dashboard/imports/: included by freehold/dashboard/urls.py in the `dashboard` namespace."""

from django.urls import path

from freehold.dashboard.imports import views

urlpatterns = [
    path("", views.index, name="imports"),
    path("<int:run_id>/", views.detail, name="import-detail"),
    path("<int:run_id>/progress/", views.progress, name="import-progress"),
    path("<int:run_id>/confirm/", views.confirm, name="import-confirm"),
    path("<int:run_id>/cancel/", views.cancel, name="import-cancel"),
    path("<int:run_id>/retry/", views.retry, name="import-retry"),
    path("<int:run_id>/images/", views.images, name="import-images"),
]
