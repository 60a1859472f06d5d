from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "freehold.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"
