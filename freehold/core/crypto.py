"""Secrets at rest: symmetric encryption for values the app must read back (webhook secrets).

Fernet (AES-128-CBC with HMAC-SHA256) from `cryptography`. The key is FREEHOLD_ENCRYPTION_KEY
when set (so SECRET_KEY can rotate without losing stored secrets), else derived from
SECRET_KEY. Decrypting with the wrong key raises instead of returning garbage.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from freehold.core.errors import FreeholdError


class CannotDecrypt(FreeholdError):
    code = "cannot_decrypt"


def _fernet() -> Fernet:
    material = settings.ENCRYPTION_KEY or f"freehold.crypto:{settings.SECRET_KEY}"
    key = base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest())
    return Fernet(key)


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise CannotDecrypt(
            "A stored secret cannot be read with the current key (was FREEHOLD_ENCRYPTION_KEY or "
            "SECRET_KEY changed?)."
        ) from None
