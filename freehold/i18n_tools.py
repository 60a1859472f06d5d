"""The translation catalogues: extract the storefront's strings, merge them, compile them.

Django's `makemessages` reads neither Jinja2 templates nor works without GNU gettext, so this
module does the same job with Babel alone:

    python -m freehold.i18n_tools          # `make messages`: extract, merge, compile
    python -m freehold.i18n_tools --check  # exit 1 if a catalogue is missing a string or stale

1. Extract: every `_()`, `gettext()`, `ngettext()`, `pgettext()` and `{% trans %}` in the
   storefront theme's templates (`.html`, `.txt`), and every `gettext`/`gettext_lazy`/...
   call in the Python packages shoppers meet (not the dashboard or the API, which stay in
   English), into `freehold/locale/django.pot`.
2. Merge: each `freehold/locale/<locale>/LC_MESSAGES/django.po` gains the new strings (empty,
   for a translator), keeps every translation it has, and drops strings no longer used.
3. Compile: each `.po` to the `.mo` Django reads, with Babel's `write_mo`.

The tests (tests/i18n) fail when a string in the code is missing from the catalogues, when a
translation is empty or fuzzy, or when a `.mo` is older than its `.po`: run `make messages`
and translate what it added.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
LOCALE_DIR = PACKAGE_DIR / "locale"
TEMPLATE_FILE = LOCALE_DIR / "django.pot"
DOMAIN = "django"
# The catalogues kept, as Babel (and Django's locale directories) name them.
LOCALES = ("de", "fr", "es", "ja", "zh_Hans")

TEMPLATE_DIR = PACKAGE_DIR / "storefront" / "theme" / "templates"
TEMPLATE_SUFFIXES = (".html", ".txt")
# Python packages whose strings shoppers read; the dashboard and the API stay in English.
PYTHON_EXCLUDED = ("dashboard", "api", "demo", "migrations", "locale")

KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
JINJA_OPTIONS = {
    "extensions": "jinja2.ext.i18n",
    "trim_blocks": "true",
    "lstrip_blocks": "true",
    "newstyle_gettext": "true",
}
COMMENT_TAGS = ("Translators:",)
# Fixed, so re-running the extraction changes a file only when its strings change.
CREATION_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HEADER = "Translations of the Freehold storefront and its e-mails."


def _template_files() -> Iterator[Path]:
    for path in sorted(TEMPLATE_DIR.rglob("*")):
        if path.is_file() and path.suffix in TEMPLATE_SUFFIXES:
            yield path


def _python_files() -> Iterator[Path]:
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR).parts
        if not any(part in PYTHON_EXCLUDED for part in parts[:-1]):
            yield path


def _new_catalog(locale: str | None = None) -> Catalog:
    return Catalog(
        locale=locale,
        domain=DOMAIN,
        header_comment=f"# {HEADER}",
        project="Freehold",
        version="1",
        copyright_holder="Freehold",
        creation_date=CREATION_DATE,
        revision_date=CREATION_DATE,
        fuzzy=False,
    )


def extract() -> Catalog:
    """Every translatable string of the templates and the shopper-facing Python code."""
    template = _new_catalog()
    sources: list[tuple[Path, object, dict[str, str]]] = [
        *((path, "jinja2.ext:babel_extract", JINJA_OPTIONS) for path in _template_files()),
        *((path, "python", {}) for path in _python_files()),
    ]
    for path, method, options in sources:
        relative = path.relative_to(PROJECT_DIR).as_posix()
        for line, message, comments, context in extract_from_file(
            method,  # type: ignore[arg-type]
            str(path),
            keywords=KEYWORDS,
            comment_tags=COMMENT_TAGS,
            options=options,
            strip_comment_tags=True,
        ):
            template.add(
                message,
                locations=[(relative, line)],
                auto_comments=comments,
                context=context,
            )
    return template


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def _write_po(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_previous=False, ignore_obsolete=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != buffer.getvalue():
        path.write_bytes(buffer.getvalue())


def compiled(catalog: Catalog) -> bytes:
    """A catalogue as the .mo bytes Django reads (fuzzy and empty strings left out)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def merge(template: Catalog, locale: str) -> Catalog:
    """The locale's catalogue with exactly the template's strings, translations kept."""
    path = po_path(locale)
    catalog = read_catalog(path, locale) if path.exists() else _new_catalog(locale)
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=True)
    catalog.creation_date = CREATION_DATE
    return catalog


def untranslated(catalog: Catalog) -> list[str]:
    """The ids of the strings a catalogue lacks a translation for (empty or fuzzy)."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update() -> dict[str, list[str]]:
    """Extract, merge and compile every catalogue; the untranslated strings per locale."""
    template = extract()
    _write_po(template, TEMPLATE_FILE)
    report = {}
    for locale in LOCALES:
        catalog = merge(template, locale)
        path = po_path(locale)
        _write_po(catalog, path)
        mo = path.with_suffix(".mo")
        data = compiled(catalog)
        if not mo.exists() or mo.read_bytes() != data:
            mo.write_bytes(data)
        report[locale] = untranslated(catalog)
    return report


def check() -> list[str]:
    """What is out of date, without writing anything: the problems, one line each."""
    template = extract()
    wanted = {message.id for message in template if message.id}
    problems = []
    for locale in LOCALES:
        path = po_path(locale)
        if not path.exists():
            problems.append(f"{locale}: no catalogue at {path.relative_to(PROJECT_DIR)}")
            continue
        catalog = read_catalog(path, locale)
        present = {message.id for message in catalog if message.id}
        for message_id in sorted(map(str, wanted - present)):
            problems.append(f"{locale}: not in the catalogue: {message_id!r}")
        for message_id in untranslated(catalog):
            problems.append(f"{locale}: not translated: {message_id!r}")
        mo = path.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compiled(catalog):
            problems.append(f"{locale}: {mo.name} is not compiled from the current .po")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m freehold.i18n_tools", description=__doc__)
    parser.add_argument("--check", action="store_true", help="report problems, write nothing")
    arguments = parser.parse_args(argv)
    if arguments.check:
        problems = check()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    report = update()
    for locale, missing in report.items():
        state = f"{len(missing)} to translate" if missing else "complete"
        print(f"{po_path(locale).relative_to(PROJECT_DIR)}: {state}")
        for message_id in missing:
            print(f"    {message_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
