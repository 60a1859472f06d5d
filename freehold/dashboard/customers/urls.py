from django.urls import path

from freehold.dashboard.customers import views

urlpatterns = [
    path("", views.index, name="customers"),
    path("new/", views.create, name="customer-create"),
    path("export.csv", views.export, name="customer-export"),
    path("<int:customer_id>/", views.detail, name="customer-detail"),
    path("<int:customer_id>/edit/", views.edit, name="customer-edit"),
    path("<int:customer_id>/notes/", views.notes, name="customer-notes"),
]
