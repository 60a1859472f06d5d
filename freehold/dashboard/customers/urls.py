from django.urls import path

from freehold.dashboard.customers import views

urlpatterns = [
    path("", views.index, name="customers"),
]
