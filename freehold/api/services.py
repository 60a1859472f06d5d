"""Issuing, checking and revoking API tokens."""

from __future__ import annotations

import datetime as dt
import hmac

from freehold.api.models import SCOPES, ApiToken, digest_of, new_secret
from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed

KNOWN_SCOPES = frozenset(code for code, _ in SCOPES)
# last_used_at is a hint for staff ("is this token still in use?"), not a log: one write a
# minute per token at most.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def api_token_create(*, name: str, scopes: list[str], actor: Actor) -> tuple[ApiToken, str]:
    """A new token and its secret. The secret is returned once and never stored."""
    name = " ".join(name.split())[:100]
    if not name:
        raise ValidationFailed("Give the token a name saying what uses it.", field="name")
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if unknown or not scopes:
        raise ValidationFailed(
            f"Choose scopes from {', '.join(sorted(KNOWN_SCOPES))}"
            + (f"; unknown: {', '.join(unknown)}." if unknown else "."),
            field="scopes",
        )
    secret = new_secret()
    key = secret.split("_")[1]
    token = ApiToken.objects.create(
        name=name, key=key, digest=digest_of(secret), scopes=sorted(set(scopes))
    )
    audit.record(actor=actor, verb="api_token.created", obj=token, data={"scopes": token.scopes})
    return token, secret


def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, verb="api_token.revoked", obj=token)
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The active token this secret belongs to, or None. The digest is compared in constant
    time, so a caller cannot learn a secret byte by byte from response times."""
    parts = secret.split("_")
    if len(parts) != 3 or parts[0] + "_" != "fh_" or not parts[1]:
        return None
    token = ApiToken.objects.filter(key=parts[1][:32], revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.digest, digest_of(secret)):
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
