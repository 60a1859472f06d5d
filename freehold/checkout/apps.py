from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "freehold.checkout"
    label = "checkout"
    verbose_name = "Checkout"
