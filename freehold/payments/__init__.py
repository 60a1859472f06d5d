"""Payments: the gateway protocol, the built-in gateways and incoming webhooks.

Importing the package registers the built-in gateways: the manual one always, the test one
everywhere but production (its page lets anyone "pay" without money, so a live store must
not offer it), and Stripe only when its secret key is set (a store without an account must
not offer a method that can only fail). The Stripe module, and the library behind it, is
imported only then: it is large, and most processes of a store without Stripe never need it.
"""

from __future__ import annotations

from django.conf import settings

from freehold.payments import gateways
from freehold.payments.manual import ManualGateway
from freehold.payments.testgateway import TestGateway


def register_built_in() -> None:
    """Register the gateways this configuration offers (called once, at import)."""
    gateways.register(ManualGateway())
    if not getattr(settings, "IS_PRODUCTION", False):
        gateways.register(TestGateway())
    if getattr(settings, "STRIPE_SECRET_KEY", ""):
        from freehold.payments.stripe_gateway import StripeGateway

        gateways.register(StripeGateway())


register_built_in()
