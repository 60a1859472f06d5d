"""The API instance: /api/v1/, its OpenAPI document and docs page, and one error shape."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as ModelValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from freehold.api import (
    admin_customers,
    admin_discounts,
    admin_orders,
    admin_products,
    admin_vendors,
    admin_webhooks,
    carts,
    staff,
    storefront,
)
from freehold.api.conventions import BadCursor, RateLimited, error_body
from freehold.api.models import SCOPES
from freehold.core.errors import FreeholdError, NotFound
from freehold.core.idempotency import IdempotencyInProgress, IdempotencyKeyReused

# Swagger UI (shipped inside django-ninja, no CDN) sets styles inline; only its page may.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; object-src 'none'"
)


def _docs_policy(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CSP
        return response

    return wrapped


api = NinjaAPI(
    title="Freehold API",
    version="1",
    description=(
        "Conventions: cursor pagination (`limit`, `cursor`, `next_cursor`); filters as query "
        'parameters; errors as `{"error": {"code", "message", "field"}}`; ISO 8601 '
        'times; money as `{"amount": "12.50", "currency": "EUR"}`; an `Idempotency-Key` '
        "header on creating POSTs (a retry gets the first answer).\n\n"
        "The admin endpoints (`/admin/...`) take `Authorization: Bearer <token>` (made in "
        "the admin under API tokens); no token is 401, a token without the endpoint's scope "
        "403. Scopes: " + ", ".join(f"`{code}` ({label})" for code, label in SCOPES) + "."
    ),
    urls_namespace="api-v1",
    docs=Swagger(),
    docs_url="/docs",
    docs_decorator=_docs_policy,
    openapi_url="/openapi.json",
)
api.add_router("/", storefront.router)
api.add_router("/", carts.router)
for admin in (
    admin_orders,
    admin_products,
    admin_customers,
    admin_discounts,
    admin_webhooks,
    admin_vendors,
):
    api.add_router("/", admin.router)


def _respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    first = error.errors[0] if error.errors else {}
    location = [str(part) for part in first.get("loc", ()) if part not in {"query", "path", "body"}]
    # ("query", "parameters", "limit") or ("body", "data", "quantity"): the first name left is
    # the view's argument, not something the client sent.
    field = ".".join(location[1:] if len(location) > 1 else location) or None
    message = str(first.get("msg", "This value is not valid."))
    return _respond(request, 422, error_body("invalid", message, field))


@api.exception_handler(RateLimited)
def _limited(request: HttpRequest, error: RateLimited) -> HttpResponse:
    response = _respond(request, 429, error_body(error.code, error.message))
    response["Retry-After"] = "60"
    return response


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, error: NotFound) -> HttpResponse:
    return _respond(request, 404, error_body("not_found", error.message, error.field))


@api.exception_handler(Http404)
def _http_404(request: HttpRequest, error: Http404) -> HttpResponse:
    return _respond(request, 404, error_body("not_found", "Not found."))


@api.exception_handler(staff.Forbidden)
def _forbidden(request: HttpRequest, error: FreeholdError) -> HttpResponse:
    return _respond(request, 403, error_body(error.code, error.message, error.field))


@api.exception_handler(IdempotencyKeyReused)
@api.exception_handler(IdempotencyInProgress)
def _conflict(request: HttpRequest, error: FreeholdError) -> HttpResponse:
    return _respond(request, 409, error_body(error.code, error.message, error.field))


@api.exception_handler(BadCursor)
@api.exception_handler(FreeholdError)
def _rule(request: HttpRequest, error: FreeholdError) -> HttpResponse:
    return _respond(request, 400, error_body(error.code, error.message, error.field))


@api.exception_handler(ModelValidationError)
def _model_invalid(request: HttpRequest, error: ModelValidationError) -> HttpResponse:
    """A model's validation error a service let through: the one shape, naming the field."""
    failed = staff.validation_failed(error, {})
    return _respond(request, 400, error_body(failed.code, failed.message, failed.field))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return _respond(request, 401, error_body("unauthenticated", "Authentication required."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return _respond(request, error.status_code, error_body("error", str(error.message)))
