"""Translation writes: one row per object and language, sanitised, audited, errors naming the
field; reads overlay the active language field by field; cache tags move like the object's."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from freehold.catalog import selectors, services, translations
from freehold.catalog.models import (
    CollectionTranslation,
    ProductOptionTranslation,
    ProductTranslation,
)
from freehold.catalog.search import search_product_ids
from freehold.core import pagecache
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.core.models import AuditEvent
from tests.factories import make_collection, make_product, make_store_settings

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture
def coat(db):
    make_store_settings(language="en")
    return make_product(
        title="Wool Coat",
        description_html="<p>Boiled wool.</p>",
        options={"Size": ["S", "M", "L"]},
    )


def test_a_translation_is_saved_sanitised_and_audited(coat):
    row = services.product_translation_save(
        product=coat,
        language="de",
        data={
            "title": "  Wollmantel ",
            "description_html": '<p onclick="x()">Gekochte Wolle.</p><script>evil()</script>',
        },
        actor=ACTOR,
    )

    assert row is not None
    assert row.title == "Wollmantel"
    assert row.description_html == "<p>Gekochte Wolle.</p>"
    event = AuditEvent.objects.get(verb="product.translated")
    assert event.object_id == str(coat.pk)
    assert event.data == {"language": "de", "fields": ["description_html", "title"]}


def test_saving_again_changes_the_same_row_and_an_empty_one_is_deleted(coat):
    services.product_translation_save(product=coat, language="de", data={"title": "Mantel"})
    services.product_translation_save(product=coat, language="de", data={"seo_title": "Mantel!"})

    row = ProductTranslation.objects.get(product=coat, language="de")
    assert (row.title, row.seo_title) == ("Mantel", "Mantel!")

    services.product_translation_save(
        product=coat, language="de", data={"title": "", "seo_title": " "}
    )
    assert not ProductTranslation.objects.filter(product=coat).exists()


def test_one_row_per_object_and_language(coat):
    ProductTranslation.objects.create(product=coat, language="fr", title="Manteau")

    with pytest.raises(IntegrityError), transaction.atomic():
        ProductTranslation.objects.create(product=coat, language="fr", title="Manteau 2")


@pytest.mark.parametrize(
    ("language", "data", "field"),
    [
        ("de", {"title": "M" * 256}, "title"),
        ("de", {"seo_description": "x" * 513}, "seo_description"),
        ("xx", {"title": "Mantel"}, "language"),
        ("en", {"title": "Coat"}, "language"),  # the store's own language
    ],
)
def test_bad_input_is_refused_naming_the_field(coat, language, data, field):
    with pytest.raises(ValidationFailed) as refused:
        services.product_translation_save(product=coat, language=language, data=data)

    assert refused.value.field == field
    assert not ProductTranslation.objects.exists()


def test_a_german_store_translates_into_english(coat):
    make_store_settings(language="de")

    services.product_translation_save(product=coat, language="en", data={"title": "Coat"})

    with pytest.raises(ValidationFailed):
        services.product_translation_save(product=coat, language="de", data={"title": "Mantel"})


def test_the_search_finds_a_product_by_its_translated_title(coat):
    assert search_product_ids("mantel") == []

    services.product_translation_save(product=coat, language="de", data={"title": "Mantel"})

    assert search_product_ids("mantel") == [coat.pk]
    assert search_product_ids("wool coat") == [coat.pk]


def test_reads_overlay_the_active_language_field_by_field(coat):
    services.product_translation_save(product=coat, language="de", data={"title": "Wollmantel"})

    with translation.override("de"):
        german = selectors.product_detail(coat.handle)
        listed = selectors.products_in_order([coat.pk])
    with translation.override("fr"):
        french = selectors.product_detail(coat.handle)
    with translation.override("en"):
        english = selectors.product_detail(coat.handle)

    assert german is not None and french is not None and english is not None
    assert (german.product.title, german.product.description_html) == (
        "Wollmantel",
        "<p>Boiled wool.</p>",
    )
    assert listed[0].title == "Wollmantel"
    assert french.product.title == english.product.title == "Wool Coat"


def test_option_labels_follow_the_option_values_order(coat):
    size = coat.options.get()
    services.product_option_translation_save(
        option=size, language="fr", name="Taille", values=["Petit", "", "Grand"]
    )

    with translation.override("fr"):
        detail = selectors.product_detail(coat.handle)

    assert detail is not None
    option = detail.options[0]
    assert option.name == "Taille"
    assert option.values == ["S", "M", "L"]
    assert option.value_labels == {"S": "Petit", "M": "M", "L": "Grand"}


def test_option_translation_refuses_more_labels_than_values_and_deletes_when_empty(coat):
    size = coat.options.get()

    with pytest.raises(ValidationFailed) as refused:
        services.product_option_translation_save(
            option=size, language="de", name="Größe", values=["a", "b", "c", "d"]
        )
    assert refused.value.field == "values"

    services.product_option_translation_save(option=size, language="de", name="Größe", values=[])
    assert ProductOptionTranslation.objects.get(option=size).values == []
    services.product_option_translation_save(option=size, language="de", name="", values=["", ""])
    assert not ProductOptionTranslation.objects.exists()


def test_collection_translations_are_read_in_the_active_language(coat):
    outerwear = make_collection(title="Outerwear", description_html="<p>Coats.</p>")
    services.collection_translation_save(
        collection=outerwear,
        language="de",
        data={"title": "Oberbekleidung", "description_html": "<p>Mäntel<img src=x onerror=y>"},
        actor=ACTOR,
    )

    with translation.override("de"):
        shown = selectors.published_collection(outerwear.handle)

    assert shown is not None
    assert shown.title == "Oberbekleidung"
    assert shown.description_html == '<p>Mäntel<img src="x"></p>'
    assert CollectionTranslation.objects.get().language == "de"
    assert AuditEvent.objects.filter(verb="collection.translated").count() == 1


def test_translation_saves_and_deletes_move_the_object_cache_tags(coat):
    outerwear = make_collection(title="Outerwear")
    tags = (f"product:{coat.pk}", "listings", f"collection:{outerwear.pk}")
    before = {tag: pagecache.version(tag) for tag in tags}

    row = ProductTranslation.objects.create(product=coat, language="de", title="Mantel")
    after_product = {tag: pagecache.version(tag) for tag in tags}
    CollectionTranslation.objects.create(collection=outerwear, language="de", title="Jacken")
    after_collection = {tag: pagecache.version(tag) for tag in tags}
    row.delete()
    after_delete = pagecache.version(f"product:{coat.pk}")

    assert after_product[f"product:{coat.pk}"] != before[f"product:{coat.pk}"]
    assert after_product["listings"] != before["listings"]
    assert after_collection[f"collection:{outerwear.pk}"] != before[f"collection:{outerwear.pk}"]
    assert after_delete != after_product[f"product:{coat.pk}"]


def test_translatable_languages_put_the_markets_languages_first(coat):
    codes = [choice.code for choice in translations.translatable_languages()]

    assert "en" not in codes
    assert sorted(codes) == ["de", "es", "fr", "ja", "zh-hans"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, translations.MISSING),
        ({"title": "Mantel"}, translations.PARTLY),
        ({"title": "Mantel", "description_html": "<p>Wolle</p>"}, translations.TRANSLATED),
    ],
)
def test_the_state_of_a_translation(coat, fields, expected):
    row = ProductTranslation(product=coat, language="de", **fields) if fields else None

    assert translations.translation_state(coat, row, translations.PRODUCT_FIELDS) == expected
