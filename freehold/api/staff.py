"""What every admin (staff) API endpoint shares: bearer tokens, scopes, idempotent writes.

`Authorization: Bearer fh_<key>_<secret>`; a missing or unknown token is 401, a token without
the endpoint's scope 403. Creating POSTs, and writes that move goods or money, take an
`Idempotency-Key` header: a retried call is answered with the first result, never done twice,
and the same key with another body is refused (409).

The endpoints live in `admin_orders`, `admin_products`, `admin_customers`, `admin_discounts` and
`admin_webhooks`; each calls the domain's services, which own the rules and the audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Header, Router, Schema
from ninja.security import HttpBearer

from freehold.api.conventions import ErrorOut
from freehold.api.models import ApiToken
from freehold.api.services import api_token_authenticate
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError, ValidationFailed
from freehold.core.idempotency import IdempotentResult, fingerprint_of, run_idempotent
from freehold.core.models import AuditEvent


class Forbidden(FreeholdError):
    code = "forbidden"


class TokenAuth(HttpBearer):
    """A bearer token holding `scope`. The scope is checked here, before the request's body
    is read: a token without it gets 403 whatever it sent, and learns nothing about the
    endpoint's validation."""

    def __init__(self, scope: str = ""):
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = api_token_authenticate(token)
        if found is None:
            return None
        request.api_token = found  # type: ignore[attr-defined]
        if self.scope and self.scope not in found.scopes:
            raise Forbidden(f"This token lacks the scope {self.scope}.", field="scope")
        return found


def scope(name: str) -> TokenAuth:
    """`@router.get(..., auth=scope("orders:read"))`: the scope an endpoint needs."""
    return TokenAuth(name)


def admin_router(tag: str) -> Router:
    """A router for one area of the admin API, every endpoint behind a bearer token (each
    endpoint names its scope with `auth=scope(...)`)."""
    return Router(tags=[f"admin: {tag}"], auth=TokenAuth())


ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}

IDEMPOTENCY = Header(..., alias="Idempotency-Key", min_length=1, max_length=255)


def actor_of(request: HttpRequest) -> Actor:
    """Who the audit trail names for this request: the token, by its name."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    return Actor(kind=AuditEvent.ActorKind.API_TOKEN, id=str(token.pk), label=token.name)


def once(
    *, scope: str, key: str, data: Schema, operation: Callable[[], dict[str, Any]]
) -> IdempotentResult:
    """Run `operation` once per `Idempotency-Key` and target; the same key with another body
    is refused (409)."""
    return run_idempotent(
        scope=scope,
        key=key,
        fingerprint=fingerprint_of(data.model_dump_json()),
        operation=operation,
    )


def create_once(
    request: HttpRequest, *, kind: str, key: str, data: Schema, create: Callable[[], int]
) -> int:
    """The id of the object a creating POST made: made now, or by the first call with this
    `Idempotency-Key`. Keys are per token, so two clients choosing the same key never meet."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    result = once(
        scope=f"api.create.{kind}:{token.pk}",
        key=key,
        data=data,
        operation=lambda: {"id": create()},
    )
    return int(result.response["id"])


def absent() -> Any:
    """The default of a PATCH field: not sent, so left alone (`changes_of` skips it). A client
    cannot send it: a null where the field is not nullable is a 422."""
    return None


def changes_of(data: Schema) -> dict[str, Any]:
    """The fields a PATCH body sent (absent ones are left alone), as plain values."""
    return {name: getattr(data, name) for name in data.model_fields_set}


def field_name(raw: str, renames: Mapping[str, str]) -> str:
    """A model's field name as the API calls it: `variants[2].price_amount` → `variants.1.price`
    (positions in service errors count from 1, in request bodies from 0)."""
    if "[" not in raw:  # already as the request named it
        return ".".join(renames.get(part, part) for part in raw.split("."))
    parts = []
    for part in raw.replace("]", "").replace("[", ".").split("."):
        if part.isdigit():
            parts.append(str(int(part) - 1))
        else:
            parts.append(renames.get(part, part))
    return ".".join(parts)


@contextmanager
def as_api_errors(renames: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn a model validation error raised by a service into our one error shape, naming the
    field as the request did."""
    try:
        yield
    except ValidationError as error:
        raise validation_failed(error, renames or {}) from None
    except FreeholdError as error:
        if error.field:
            error.field = field_name(error.field, renames or {})
        raise


def validation_failed(error: ValidationError, renames: Mapping[str, str]) -> ValidationFailed:
    if hasattr(error, "error_dict"):
        name, messages = next(iter(error.message_dict.items()))
        field = None if name == "__all__" else field_name(name, renames)
        return ValidationFailed(" ".join(messages), field=field)
    return ValidationFailed(" ".join(error.messages))


def in_utc(value: dt.datetime | None) -> dt.datetime | None:
    """In UTC, whatever offset was sent (a time without one is UTC): the database accepts
    offsets up to 15:59 only, and some clients send others."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("This time is out of range.") from None
