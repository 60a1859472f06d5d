"""URL stub: the owning stream fills it in."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
