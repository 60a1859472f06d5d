from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "freehold.marketplace"
    label = "marketplace"
    verbose_name = "Marketplace: vendors, verification, payouts"

    def ready(self) -> None:
        # DSA traceability plugs its listing check into the vendor product flow on import;
        # the seller block connects its page-cache signals.
        from freehold.marketplace import dsa, seller  # noqa: F401
