"""What every endpoint shares: money, errors, cursors, rate limits.

- Money is `{"amount": "12.50", "currency": "EUR"}`: the amount a string, so no client parses
  it into a float.
- Every error is `{"error": {"code", "message", "field"}}`, whatever raised it: a validation
  error names the parameter, a business rule its field, a missing object gives `not_found`.
- Lists are cursor-paginated: `?limit=` (1 to 100) and `?cursor=` from the previous page's
  `next_cursor`. A cursor is opaque (the last row's key, base64), stable while rows are added,
  and never an offset, so page 500 costs what page 1 costs.
- Times are ISO 8601 with a time zone.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Schema
from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from freehold.core.errors import FreeholdError
from freehold.core.money import Money
from freehold.core.ratelimit import RateLimit, client_address

M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 24
MAX_LIMIT = 100


def storefront_rate() -> RateLimit:
    """The public storefront API's limit per client address and minute (settings, so an
    operator can raise it for a headless front end behind one address)."""
    return RateLimit(
        scope="api-storefront", limit=settings.API_STOREFRONT_RATE_PER_MINUTE, window_seconds=60
    )


class OneOf:
    """`Annotated[str, OneOf(Product.Status)]`: one of a model's choices, as an inline `enum`.

    Django's choices classes share names (`Product.Status`, `WebhookDelivery.Status`), and the
    OpenAPI document names schemas by class name only: the second would overwrite the first.
    """

    def __init__(self, choices: Iterable[str]):
        self.values = [str(value) for value in getattr(choices, "values", choices)]

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.literal_schema(self.values)


class MoneyOut(Schema):
    amount: str
    currency: str


def money(amount: Decimal | None, currency: str) -> MoneyOut | None:
    if amount is None:
        return None
    quantized = Money(amount, currency).quantize()
    return MoneyOut(amount=str(quantized.amount), currency=quantized.currency)


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    error: ErrorDetail


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


class BadCursor(FreeholdError):
    code = "invalid_cursor"


class RateLimited(FreeholdError):
    code = "rate_limited"


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(str(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The row key a cursor stands for; a cursor we did not make is a 400 naming `cursor`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor(
            "This cursor is not valid; start again without it.", field="cursor"
        ) from None
    if key < 1:
        raise BadCursor("This cursor is not valid; start again without it.", field="cursor")
    return key


def page_by_key(
    queryset: QuerySet[M], *, limit: int, cursor: str | None
) -> tuple[list[M], str | None]:
    """One page, newest first by primary key, and the cursor of the next (None on the last).

    One row more than asked tells whether another page exists without a COUNT.
    """
    queryset = queryset.order_by("-pk")
    if cursor:
        queryset = queryset.filter(pk__lt=decode_cursor(cursor))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].pk)


def store_currency() -> str:
    """The store's currency (new products are priced in it; reports sum in it), without
    creating the settings row a fresh install may not have yet."""
    from freehold.storefront.models import StoreSettings

    currency = StoreSettings.objects.filter(pk=1).values_list("currency", flat=True).first()
    return currency or str(StoreSettings._meta.get_field("currency").get_default())


def check_rate(request: HttpRequest) -> None:
    limit = storefront_rate()
    if limit.hit(client_address(request)) > limit.limit:
        raise RateLimited("Too many requests; slow down and try again in a minute.")
