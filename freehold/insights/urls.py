from django.urls import path

from freehold.insights import views

urlpatterns = [
    path("_e", views.collect, name="insights-collect"),
]
