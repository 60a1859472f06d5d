from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "freehold.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from freehold.catalog import cache  # noqa: F401  (page-cache invalidation receivers)
