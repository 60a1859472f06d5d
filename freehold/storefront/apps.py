from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "freehold.storefront"
    label = "storefront"
    verbose_name = "Storefront"

    def ready(self) -> None:
        from freehold.storefront import cache  # noqa: F401  (page-cache invalidation receivers)
