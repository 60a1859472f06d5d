from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "freehold.marketplace"
    label = "marketplace"
    verbose_name = "Marketplace: vendors, verification, payouts"
