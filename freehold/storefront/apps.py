from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "freehold.storefront"
    label = "storefront"
    verbose_name = "Storefront"
