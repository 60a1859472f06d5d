"""Everything `freehold demo` does before it serves: migrate, seed once, static files, login.

A second `freehold demo` reuses the store and the staff login of the first: the login is
kept in `<data dir>/demo-login.txt` (readable by its owner only) and printed again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

from freehold.catalog.models import Product
from freehold.customers.models import Customer
from freehold.demo import brand
from freehold.demo.seed import catalog_exists, seed, staff_ensure

DEMO_PRODUCTS = 300
DEMO_CUSTOMERS = 500
LOGIN_FILE = "demo-login.txt"
MANIFEST = "staticfiles.json"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    is_current: bool  # False: someone changed the password since it was generated


def login_file() -> Path:
    return Path(settings.DATA_DIR) / LOGIN_FILE


def _read_password(path: Path) -> str | None:
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "password" and value.strip():
            return value.strip()
    return None


def _write_login(path: Path, email: str, password: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(
        "# The demo store's staff login (freehold demo). Delete this file for a new password.\n"
        f"email: {email}\npassword: {password}\n"
    )


def demo_login() -> DemoLogin:
    """The staff login to print: generated once, then read back from the login file."""
    path = login_file()
    email = brand.STAFF_EMAIL
    password = _read_password(path)
    account = Customer.objects.filter(email=email).first()
    if password is None or account is None:
        password = password or secrets.token_urlsafe(9)
        staff_ensure(email=email, password=password)
        _write_login(path, email, password)
        return DemoLogin(email=email, password=password, is_current=True)
    return DemoLogin(email=email, password=password, is_current=account.check_password(password))


def static_files_stale() -> bool:
    """True when `collectstatic` has never run or a source file changed since it last did."""
    manifest = Path(settings.STATIC_ROOT) / MANIFEST
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    for finder in get_finders():
        for name, storage in finder.list([]):
            if Path(storage.path(name)).stat().st_mtime > built:
                return True
    return False


def demo_prepare(*, out: TextIO) -> DemoLogin:
    call_command("migrate", interactive=False, verbosity=0)
    if catalog_exists():
        count = Product.objects.count()
        out.write(
            f"Reusing the demo store in {settings.DATA_DIR} ({count:,} products). "
            "`freehold seed --reset` starts it over.\n"
        )
    else:
        out.write(
            f"Creating the demo store in {settings.DATA_DIR} (first run only; "
            "about a minute for the pictures).\n"
        )
        password = _read_password(login_file()) or secrets.token_urlsafe(9)
        seed(products=DEMO_PRODUCTS, customers=DEMO_CUSTOMERS, staff_password=password)
        _write_login(login_file(), brand.STAFF_EMAIL, password)
    if static_files_stale():
        out.write("Collecting static files…\n")
        call_command("collectstatic", interactive=False, verbosity=0)
    out.flush()
    return demo_login()
