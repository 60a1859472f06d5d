from django.urls import path

from freehold.dashboard.products import views

urlpatterns = [
    path("", views.index, name="products"),
]
