"""Where e-mail goes: a file per message in development, SMTP when configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent

_PRINT_EMAIL_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({name: str(getattr(settings, name)) for name in (
    "EMAIL_BACKEND", "EMAIL_FILE_PATH", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL",
)}))
"""


def email_settings(tmp_path: Path, **environment: str) -> dict[str, Any]:
    """The e-mail settings as a fresh server process would load them."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FREEHOLD_") and key not in {"SECRET_KEY", "DATABASE_URL"}
    }
    env.update(DJANGO_SETTINGS_MODULE="freehold.settings", FREEHOLD_DATA_DIR=str(tmp_path))
    env.update(environment)
    result = subprocess.run(
        [sys.executable, "-c", _PRINT_EMAIL_SETTINGS],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_development_writes_e_mails_to_the_data_folder(tmp_path):
    loaded = email_settings(tmp_path)

    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert loaded["EMAIL_FILE_PATH"] == str(tmp_path.resolve() / "mail")
    assert loaded["DEFAULT_FROM_EMAIL"] == "shop@localhost"


def test_smtp_is_configured_from_the_environment(tmp_path):
    loaded = email_settings(
        tmp_path,
        FREEHOLD_EMAIL_BACKEND="smtp",
        FREEHOLD_EMAIL_HOST="mail.example.com",
        FREEHOLD_EMAIL_PORT="2525",
        FREEHOLD_EMAIL_USER="shop",
        FREEHOLD_EMAIL_PASSWORD="secret",
        FREEHOLD_EMAIL_USE_TLS="1",
        FREEHOLD_FROM_EMAIL="Fjell <orders@fjell.example>",
    )

    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (loaded["EMAIL_HOST"], loaded["EMAIL_PORT"]) == ("mail.example.com", "2525")
    assert (loaded["EMAIL_HOST_USER"], loaded["EMAIL_HOST_PASSWORD"]) == ("shop", "secret")
    assert loaded["EMAIL_USE_TLS"] == "True"
    assert loaded["DEFAULT_FROM_EMAIL"] == "Fjell <orders@fjell.example>"
