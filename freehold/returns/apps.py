from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "freehold.returns"
    label = "returns"
    verbose_name = "Returns and withdrawals"
