from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "freehold.marketplace"
    label = "marketplace"
    verbose_name = "Marketplace: vendors, verification, payouts"

    def ready(self) -> None:
        # DSA traceability plugs its listing check into the vendor product flow on import.
        from freehold.marketplace import dsa  # noqa: F401
