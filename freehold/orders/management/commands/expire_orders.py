"""`freehold manage expire_orders`: cancel unpaid orders past the payment timeout (for cron)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from freehold.orders.operations import orders_expire_unpaid


class Command(BaseCommand):
    help = (
        "Cancel orders still awaiting payment after FREEHOLD_ORDER_PAYMENT_TIMEOUT_MINUTES "
        "and put their units back in stock."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        expired = orders_expire_unpaid()
        minutes = settings.ORDER_PAYMENT_TIMEOUT_MINUTES
        self.stdout.write(
            f"Expired {expired} unpaid order(s) (payment timeout: {minutes} minutes)."
        )
