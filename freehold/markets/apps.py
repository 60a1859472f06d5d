from django.apps import AppConfig


class MarketsConfig(AppConfig):
    name = "freehold.markets"
    label = "markets"
    verbose_name = "Markets"
