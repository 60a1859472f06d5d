from django.urls import path

from freehold.dashboard.home import views

urlpatterns = [
    path("", views.index, name="home"),
    path("audit/", views.audit, name="audit"),
]
