"""The vendor's trader details under the DSA (stream DSA)."""

from django.urls import path

from freehold.marketplace import dsa_views

urlpatterns = [
    path("vendor/trader", dsa_views.trader, name="vendor-trader"),
]
