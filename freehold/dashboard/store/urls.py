from django.urls import path

from freehold.dashboard.store import views

urlpatterns = [
    path("", views.index, name="settings"),
]
