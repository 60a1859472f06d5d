from django.urls import path

from freehold.dashboard.discounts import views

urlpatterns = [
    path("", views.index, name="discounts"),
]
