from django.urls import path

from freehold.dashboard.orders import views

urlpatterns = [
    path("", views.index, name="orders"),
]
