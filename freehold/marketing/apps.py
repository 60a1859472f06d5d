from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "freehold.marketing"
    label = "marketing"
    verbose_name = "Marketing"
