"""URL stub: the owning stream fills it in (names: dashboard:marketplace-...)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
