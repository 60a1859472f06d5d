"""Settings that protect a shop by default: production refuses unsafe settings, every response
carries a strict Content-Security-Policy, and cookies are out of reach of scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from freehold.core.middleware import SecurityHeadersMiddleware
from freehold.customers.models import Customer

PROJECT_DIR = Path(__file__).resolve().parent.parent
STRONG_SECRET_KEY = "k" * 20 + "3fG9qLw7Zr2pXv8sNd4tYb6m"

_PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in (
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
)}))
"""


def load_settings(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter, as a server process would at start."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FREEHOLD_") and key not in {"SECRET_KEY", "DATABASE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="freehold.settings",
        FREEHOLD_DATA_DIR=str(tmp_path),
        **environment,
    )
    return subprocess.run(
        [sys.executable, "-c", _PRINT_SETTINGS],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_with_the_development_secret_key(tmp_path: Path) -> None:
    # Given production mode with no SECRET_KEY set
    # When the settings load
    result = load_settings(tmp_path, FREEHOLD_ENV="production")

    # Then the process stops with a message naming the secret key
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    result = load_settings(tmp_path, FREEHOLD_ENV="production", SECRET_KEY="too-short")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_debug(tmp_path: Path) -> None:
    # Given production mode with a strong key but DEBUG switched on
    result = load_settings(
        tmp_path, FREEHOLD_ENV="production", SECRET_KEY=STRONG_SECRET_KEY, FREEHOLD_DEBUG="1"
    )

    # Then the settings refuse to load
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG" in result.stderr


def test_production_refuses_to_believe_any_host(tmp_path: Path) -> None:
    # Given production mode with a strong key but no allowed hosts named
    result = load_settings(tmp_path, FREEHOLD_ENV="production", SECRET_KEY=STRONG_SECRET_KEY)

    # Then it refuses to start, and says which setting to give
    assert result.returncode != 0
    assert "FREEHOLD_ALLOWED_HOSTS" in result.stderr


def test_production_with_a_strong_key_starts_with_secure_cookies_and_https(
    tmp_path: Path,
) -> None:
    # Given production mode with a strong secret key
    result = load_settings(
        tmp_path,
        FREEHOLD_ENV="production",
        SECRET_KEY=STRONG_SECRET_KEY,
        FREEHOLD_ALLOWED_HOSTS="shop.example.com",
    )

    # Then the settings load, with DEBUG off, cookies only over HTTPS and HSTS on
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["DEBUG"] is False
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert loaded["SECURE_SSL_REDIRECT"] is True


def test_development_mode_runs_with_debug_and_plain_http_cookies(tmp_path: Path) -> None:
    result = load_settings(tmp_path)

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["DEBUG"] is True
    assert loaded["SESSION_COOKIE_SECURE"] is False


def test_storefront_policy_allows_no_inline_code_and_no_other_host() -> None:
    # The policy every storefront response carries: own origin only, nothing inline.
    directives = dict(
        directive.strip().split(" ", 1) for directive in settings.CONTENT_SECURITY_POLICY.split(";")
    )

    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in settings.CONTENT_SECURITY_POLICY
    assert "http" not in settings.CONTENT_SECURITY_POLICY


def test_security_headers_middleware_puts_the_policy_on_storefront_responses() -> None:
    # Given any storefront view behind the middleware
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("<p>shop</p>")

    middleware = SecurityHeadersMiddleware(view)

    # When a shopper's request passes through it
    response = middleware(RequestFactory().get("/products/linen-shirt"))

    # Then the response carries the strict policy and a Permissions-Policy
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_responses_through_the_whole_stack_carry_security_headers(client: Client) -> None:
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    assert "object-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_hidden_from_scripts_and_same_site() -> None:
    # Given a staff account and a browser-like client that enforces CSRF
    Customer.objects.create_superuser(email="owner@example.com", password="a long passphrase")
    browser = Client(enforce_csrf_checks=True)

    # When they open the login form and sign in
    form = browser.get("/admin/login/")
    csrf_cookie = form.cookies[settings.CSRF_COOKIE_NAME]
    signed_in = browser.post(
        "/admin/login/?next=/admin/",
        {
            "username": "owner@example.com",
            "password": "a long passphrase",
            "csrfmiddlewaretoken": csrf_cookie.value,
        },
    )

    # Then both cookies are HttpOnly, and SameSite keeps them off cross-site requests
    assert signed_in.status_code == 302
    session_cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME]
    assert session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"
    assert csrf_cookie["httponly"]
    assert csrf_cookie["samesite"] == "Strict"
