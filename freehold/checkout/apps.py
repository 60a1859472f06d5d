from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "freehold.checkout"
    label = "checkout"
    verbose_name = "Checkout"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from freehold.checkout.session import merge_guest_cart

        user_logged_in.connect(merge_guest_cart, dispatch_uid="freehold.checkout.merge_guest_cart")
