"""`freehold rates update [FILE_OR_URL]`: keep the ECB's euro reference rates."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from freehold.core.errors import FreeholdError
from freehold.markets import fx
from freehold.markets.services import fx_rates_import


class Command(BaseCommand):
    help = "Read ECB euro reference rates (eurofxref XML, a file or a URL) and keep them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["update"])
        parser.add_argument(
            "source",
            nargs="?",
            default=fx.ECB_DAILY_URL,
            help="a eurofxref XML file or URL (default: the ECB's daily file)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["source"]
        try:
            data = fx.read_source(source)
        except OSError as error:
            raise CommandError(f"cannot read {source}: {error}") from None
        try:
            result = fx_rates_import(data=data)
        except FreeholdError as error:
            raise CommandError(f"{source}: {error.message}") from None
        if result.days == 0:
            raise CommandError(f"{source}: no rates")
        span = (
            str(result.first_day)
            if result.first_day == result.last_day
            else f"{result.first_day} to {result.last_day}"
        )
        self.stdout.write(
            f"ECB reference rates {span}: {result.created} new, "
            f"{result.unchanged} already kept ({result.days} day(s))."
        )
