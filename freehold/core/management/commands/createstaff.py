"""`freehold createstaff --email`: a staff account with full rights (the admin back door)."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from freehold.demo.seed import staff_ensure


class Command(BaseCommand):
    help = "Create a staff account (or give an existing account staff rights)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--password",
            default=None,
            help="Asked for on a terminal; without a terminal a random password is printed.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"{email!r} is not an e-mail address.") from exc
        password = options["password"]
        if password is None and sys.stdin.isatty():
            password = getpass.getpass("Password (empty for a random one): ") or None
            if password and password != getpass.getpass("Password again: "):
                raise CommandError("The passwords differ.")
        if password:
            try:
                validate_password(password)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        account, chosen = staff_ensure(email=email, password=password)
        self.stdout.write(self.style.SUCCESS(f"{account.email} is staff (superuser)."))
        if chosen and password is None:
            self.stdout.write(f"Password: {chosen}")
        elif chosen is None:
            self.stdout.write("The account kept its password.")
