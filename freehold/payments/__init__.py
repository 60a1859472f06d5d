"""Payments: the gateway protocol, the built-in gateways and incoming webhooks.

Importing the package registers the built-in gateways: the manual one always, the test one
everywhere but production (its page lets anyone "pay" without money, so a live store must
not offer it).
"""

from __future__ import annotations

from django.conf import settings

from freehold.payments import gateways
from freehold.payments.manual import ManualGateway
from freehold.payments.testgateway import TestGateway

gateways.register(ManualGateway())
if not getattr(settings, "IS_PRODUCTION", False):
    gateways.register(TestGateway())
