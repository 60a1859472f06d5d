"""The translation catalogues: complete, consistent with the code, compiled, and safe to show.

A developer who wraps a new string and forgets `make messages` fails here, as does a
translation that drops a placeholder or the `.mo` that was not recompiled after a `.po` edit.
"""

from __future__ import annotations

import gettext
import io
import re

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from django.conf import settings

from freehold import i18n_tools

PYTHON_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
BRACE_PLACEHOLDER = re.compile(r"\{(\w+)\}")
HTML_TAG = re.compile(r"</?\w+[^>]*>")
# Translations are trusted markup in templates (Jinja's newstyle gettext): a character that
# means something in HTML must come from the English, never from a translator.
MARKUP_CHARACTERS = ("<", ">", "&", '"')


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return i18n_tools.extract()


@pytest.fixture(scope="module", params=i18n_tools.LOCALES)
def catalog(request: pytest.FixtureRequest) -> Catalog:
    path = i18n_tools.po_path(request.param)
    assert path.exists(), f"no catalogue for {request.param}: run `make messages`"
    return i18n_tools.read_catalog(path, request.param)


def _messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def _pairs(message: Message) -> list[tuple[str, str]]:
    """(English, translation) for each form: a plural's forms all answer to its plural."""
    if isinstance(message.id, str):
        return [(message.id, str(message.string))]
    singular, plural = message.id[0], message.id[1]
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return [(singular if index == 0 else plural, text) for index, text in enumerate(strings)]


def test_the_settings_offer_exactly_the_catalogued_languages():
    # Given the languages the storefront offers
    codes = {code for code, _name in settings.LANGUAGES}

    # Then each one but English (the source language) has a catalogue, and nothing more
    catalogued = {locale.lower().replace("_", "-") for locale in i18n_tools.LOCALES}
    assert codes == catalogued | {"en"}
    assert settings.LOCALE_PATHS == [i18n_tools.LOCALE_DIR]


def test_every_catalogue_translates_every_string(catalog):
    # When the catalogue is read, then no string is empty or fuzzy
    assert i18n_tools.untranslated(catalog) == []
    assert len(_messages(catalog)) > 300


def test_the_code_has_no_string_the_catalogues_lack(extracted, catalog):
    # Given every string the templates and the Python code mark for translation
    wanted = {message.id for message in _messages(extracted)}

    # Then the catalogue has them all (else: run `make messages` and translate)
    present = {message.id for message in _messages(catalog)}
    assert sorted(map(str, wanted - present)) == []


def test_the_catalogues_keep_no_string_the_code_no_longer_uses(extracted, catalog):
    wanted = {message.id for message in _messages(extracted)}
    present = {message.id for message in _messages(catalog)}
    assert sorted(map(str, present - wanted)) == []


def test_translations_keep_every_placeholder(catalog):
    # Given each translation of each string
    wrong = []
    for message in _messages(catalog):
        for english, translated in _pairs(message):
            # Then it names the same %(placeholders)s and {placeholders} as the English, and
            # the same HTML tags (a link keeps its href)
            for pattern in (PYTHON_PLACEHOLDER, BRACE_PLACEHOLDER, HTML_TAG):
                if sorted(pattern.findall(english)) != sorted(pattern.findall(translated)):
                    wrong.append((catalog.locale, english, translated))
    assert wrong == []


def test_a_plural_without_a_number_in_one_form_still_formats(catalog):
    # Jinja's ngettext fills %(num)s: every form must accept the same mapping.
    for message in _messages(catalog):
        for english, translated in _pairs(message):
            values = {name: 1 for name in PYTHON_PLACEHOLDER.findall(english)}
            if values:
                assert translated % values, (catalog.locale, english)


def test_translations_bring_no_markup_of_their_own(catalog):
    # Given that templates output translations as markup, unescaped
    for message in _messages(catalog):
        for english, translated in _pairs(message):
            # Then a translation holds no <, >, & or " that its English does not (typographic
            # quotes in place of '"' are welcome)
            for character in MARKUP_CHARACTERS:
                assert translated.count(character) <= english.count(character), (
                    catalog.locale,
                    english,
                    translated,
                )


def test_every_catalogue_states_its_plural_rule(catalog):
    assert catalog.plural_forms.startswith(f"nplurals={catalog.num_plurals};")
    for message in _messages(catalog):
        if isinstance(message.id, tuple):
            assert len(message.string) == catalog.num_plurals, (catalog.locale, message.id)


def test_the_committed_mo_files_are_compiled_from_the_po_files(catalog):
    # Given the .po as committed, compiled in memory
    expected = gettext.GNUTranslations(io.BytesIO(i18n_tools.compiled(catalog)))

    # When the committed .mo (what Django reads) is loaded
    path = i18n_tools.po_path(str(catalog.locale)).with_suffix(".mo")
    with path.open("rb") as handle:
        committed = gettext.GNUTranslations(handle)

    # Then they hold the same messages (else: run `make messages`)
    assert committed._catalog == expected._catalog  # type: ignore[attr-defined]
    with path.open("rb") as handle:
        assert len(read_mo(handle)) == len(_messages(catalog))


def test_the_check_command_reports_nothing_to_do():
    # The same verdict CI gets from `python -m freehold.i18n_tools --check`.
    assert i18n_tools.check() == []
