"""The catalog services the dashboard and the staff API write through: stock movements, variants,
the options matrix, duplicates, archiving and images; each audited and announced by webhook."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from freehold.catalog import services
from freehold.catalog.models import PriceChange, Product, ProductImage, StockMovement, Variant
from freehold.catalog.services import VariantInput
from freehold.core import crypto
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.core.models import AuditEvent
from freehold.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.factories import make_product, make_store_settings, png_bytes

# Stock a product is created with (its first movement), left out where a test counts others.
OPENING = "Opening stock"

pytestmark = pytest.mark.django_db

STAFF = Actor(AuditEvent.ActorKind.STAFF, "7", "sam@example.com")


def subscribe(*events: str) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        url="https://example.com/hooks", events=list(events), secret_encrypted=crypto.encrypt("s")
    )


def deliveries(event: str) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(event=event).order_by("id"))


def verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))


# --- Stock ----------------------------------------------------------------------------------


def test_stock_adjust_records_a_movement_with_reason_actor_and_audit():
    # Given a variant with 10 units
    variant = make_product(stock=10).variants.get()

    # When staff write off 3 damaged units
    after = services.stock_adjust(
        variant=variant, delta=-3, reason="damaged", note="Water leak", actor=STAFF
    )

    # Then the stock is 7 and the history says why and who
    assert after == 7
    movement = StockMovement.objects.exclude(note=OPENING).get(variant=variant)
    assert (movement.delta, movement.quantity_after, movement.reason, movement.note) == (
        -3,
        7,
        "damaged",
        "Water leak",
    )
    assert movement.actor_label == "sam@example.com"
    event = AuditEvent.objects.get(verb="stock.adjusted")
    assert event.actor_label == "sam@example.com"
    assert event.data == {
        "delta": -3,
        "reason": "damaged",
        "note": "Water leak",
        "before": 10,
        "after": 7,
    }


def test_stock_adjust_keeps_free_text_reasons_as_a_note():
    # Given a variant (the staff API sends its reason as free text)
    variant = make_product(stock=0).variants.get()

    # When stock is adjusted with a reason that is no code
    services.stock_adjust(variant=variant, delta=4, reason="Counted in the back room")

    # Then the movement is "other" with the text kept, by the system actor
    movement = StockMovement.objects.exclude(note=OPENING).get(variant=variant)
    assert movement.reason == "other"
    assert movement.note == "Counted in the back room"
    assert movement.actor_label == "system"


def test_stock_adjust_refuses_no_change():
    variant = make_product().variants.get()
    with pytest.raises(ValidationFailed) as error:
        services.stock_adjust(variant=variant, delta=0)
    assert error.value.field == "delta"


def test_inventory_low_is_announced_once_when_stock_crosses_the_threshold():
    # Given a store whose low-stock level is 5, a subscriber, and a variant with 8 units
    make_store_settings(low_stock_threshold=5)
    subscribe("inventory.low")
    variant = make_product(stock=8).variants.get()

    # When stock goes 8 -> 6 (still above), 6 -> 5 (crosses), 5 -> 2 (already low)
    services.stock_adjust(variant=variant, delta=-2, reason="correction")
    services.stock_adjust(variant=variant, delta=-1, reason="correction")
    services.stock_adjust(variant=variant, delta=-3, reason="correction")

    # Then one inventory.low names the variant, its stock and the threshold
    [delivery] = deliveries("inventory.low")
    payload = delivery.payload["data"]
    assert payload["variant"]["id"] == variant.pk
    assert payload["variant"]["stock_quantity"] == 5
    assert payload["threshold"] == 5

    # And restocking then falling again announces it again
    services.stock_adjust(variant=variant, delta=10, reason="received")
    services.stock_adjust(variant=variant, delta=-10, reason="correction")
    assert len(deliveries("inventory.low")) == 2


def test_untracked_variants_never_run_low():
    make_store_settings(low_stock_threshold=5)
    subscribe("inventory.low")
    product = make_product(variants=[VariantInput(price=Decimal(5), track_inventory=False)])
    variant = product.variants.get()
    services.stock_adjust(variant=variant, delta=-3)
    assert deliveries("inventory.low") == []


def test_a_sale_records_a_sold_movement_and_announces_low_stock():
    # Given a subscriber, a threshold of 2 and a variant with 4 units
    make_store_settings(low_stock_threshold=2)
    subscribe("inventory.low")
    variant = make_product(stock=4).variants.get()

    # When checkout takes 1, then 2 units
    assert services.stock_decrement(variant_id=variant.pk, quantity=1, note="Order 1001")
    assert deliveries("inventory.low") == []
    assert services.stock_decrement(variant_id=variant.pk, quantity=2, note="Order 1002")

    # Then both sales are in the history and the second crossed the threshold
    history = list(
        StockMovement.objects.exclude(note=OPENING).filter(variant=variant).order_by("id")
    )
    assert [(m.delta, m.quantity_after, m.reason, m.note) for m in history] == [
        (-1, 3, "sold", "Order 1001"),
        (-2, 1, "sold", "Order 1002"),
    ]
    [delivery] = deliveries("inventory.low")
    assert delivery.payload["data"]["variant"]["stock_quantity"] == 1


def test_a_refused_sale_records_nothing():
    variant = make_product(stock=1).variants.get()
    assert services.stock_decrement(variant_id=variant.pk, quantity=2) is False
    assert not StockMovement.objects.exclude(note=OPENING).exists()


def test_a_sale_without_store_settings_uses_the_default_threshold():
    subscribe("inventory.low")
    variant = make_product(stock=6).variants.get()
    assert services.stock_decrement(variant_id=variant.pk, quantity=1)
    assert len(deliveries("inventory.low")) == 1  # 6 -> 5: at the default of 5


# --- Products -------------------------------------------------------------------------------


def test_product_create_and_update_are_audited_and_announced():
    # Given a subscriber to product.updated
    subscribe("product.updated")

    # When a product is created and then renamed by staff
    product = make_product(title="Linen Shirt", price="49", options={"Size": ["S", "M"]})
    services.product_update(product=product, title="Hemp Shirt", actor=STAFF)

    # Then both are in the audit trail and both were announced with the variants
    assert verbs() == ["product.created", "product.updated"]
    update = AuditEvent.objects.get(verb="product.updated")
    assert update.actor_label == "sam@example.com"
    assert update.data == {"fields": ["title"]}
    announced = [d.payload["data"] for d in deliveries("product.updated")]
    assert [p["title"] for p in announced] == ["Linen Shirt", "Hemp Shirt"]
    assert len(announced[1]["variants"]) == 2


def test_product_create_names_the_variant_whose_sku_is_taken():
    from django.core.exceptions import ValidationError

    make_product(variants=[VariantInput(price=Decimal(5), sku="MUG-1")])
    with pytest.raises(ValidationError) as error:
        make_product(
            variants=[
                VariantInput(price=Decimal(5), sku="NEW-1", options=["S"]),
                VariantInput(price=Decimal(5), sku="MUG-1", options=["M"]),
            ],
            options={"Size": ["S", "M"]},
        )
    assert "variants[2].sku" in error.value.message_dict


def test_archive_and_unarchive():
    product = make_product()
    services.product_archive(product=product, actor=STAFF)
    assert Product.objects.get(pk=product.pk).status == Product.Status.ARCHIVED
    event = AuditEvent.objects.filter(verb="product.updated").last()
    assert (event.from_state, event.to_state) == ("active", "archived")
    services.product_unarchive(product=product, actor=STAFF)
    assert Product.objects.get(pk=product.pk).status == Product.Status.DRAFT


# --- Variants -------------------------------------------------------------------------------


def test_variant_create_adds_a_combination_and_its_stock_as_received():
    # Given a shirt in S and M
    product = make_product(price="20", options={"Size": ["S", "M"]})

    # When staff add an L with 4 units
    variant = services.variant_create(
        product=product,
        data=VariantInput(price=Decimal("22"), options=["L"], sku="SH-L", stock_quantity=4),
        actor=STAFF,
    )

    # Then the option lists L, the summary's price range grows, the stock was received
    assert variant.title == "L"
    assert product.options.get().values == ["S", "M", "L"]
    product.refresh_from_db()
    assert product.price_max_amount == Decimal("22")
    assert Variant.objects.get(pk=variant.pk).stock_quantity == 4
    assert StockMovement.objects.exclude(note=OPENING).get(variant=variant).reason == "received"
    assert PriceChange.objects.filter(variant=variant).count() == 1
    assert "variant.created" in verbs()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (VariantInput(price=Decimal("5"), options=["S"]), "options"),  # S exists
        (VariantInput(price=Decimal("5"), options=[]), "options"),
        (VariantInput(price=Decimal("-1"), options=["XL"]), "price"),
        (VariantInput(price=Decimal("5"), options=["XL"], sku="TAKEN"), "sku"),
        (VariantInput(price=Decimal("5"), options=["XL"], barcode="123"), "barcode"),
    ],
)
def test_variant_create_refuses_bad_input_naming_the_field(data, field):
    make_product(variants=[VariantInput(price=Decimal(1), sku="TAKEN")])
    product = make_product(options={"Size": ["S"]})
    with pytest.raises(ValidationFailed) as error:
        services.variant_create(product=product, data=data)
    assert error.value.field == field


def test_variant_update_changes_price_through_the_price_history():
    # Given a variant at 20
    product = make_product(price="20")
    variant = product.variants.get()
    subscribe("product.updated")

    # When staff change price, compare-at, cost, SKU and weight
    services.variant_update(
        variant=variant,
        price=Decimal("15"),
        compare_at_price=Decimal("20"),
        cost=Decimal("6"),
        sku="MUG-BLUE",
        weight_grams=350,
        actor=STAFF,
    )

    # Then the history has the new price, the summary shows the sale, webhook and audit
    variant.refresh_from_db()
    assert (variant.price_amount, variant.cost_amount, variant.sku, variant.weight_grams) == (
        Decimal("15"),
        Decimal("6"),
        "MUG-BLUE",
        350,
    )
    assert PriceChange.objects.filter(variant=variant).count() == 2
    product.refresh_from_db()
    assert product.is_on_sale
    assert len(deliveries("product.updated")) == 1
    assert AuditEvent.objects.get(verb="variant.updated").actor_label == "sam@example.com"


def test_variant_update_without_a_price_change_writes_no_price_history():
    variant = make_product(price="20").variants.get()
    services.variant_update(variant=variant, price=Decimal("20.00"), sku="X")
    assert PriceChange.objects.filter(variant=variant).count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stock_quantity": 3}, "stock_quantity"),
        ({"price": Decimal("-2")}, "price"),
        ({"compare_at_price": Decimal("-2")}, "compare_at_price"),
        ({"sku": "TAKEN"}, "sku"),
        ({"barcode": "4006381333932x"}, "barcode"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_variant_update_refuses_bad_input_naming_the_field(changes, field):
    make_product(variants=[VariantInput(price=Decimal(1), sku="TAKEN")])
    variant = make_product().variants.get()
    with pytest.raises(ValidationFailed) as error:
        services.variant_update(variant=variant, **changes)
    assert error.value.field == field


def test_variant_delete_refuses_the_last_variant_and_prunes_option_values():
    # Given a shirt in S and M
    product = make_product(options={"Size": ["S", "M"]})
    small, medium = product.variants.order_by("position")

    # When the M is deleted
    services.variant_delete(variant=medium, actor=STAFF)

    # Then the option no longer offers M, and the S cannot be deleted
    assert product.options.get().values == ["S"]
    with pytest.raises(ValidationFailed) as error:
        services.variant_delete(variant=small)
    assert error.value.field == "variant"
    assert product.variants.count() == 1
    assert "variant.deleted" in verbs()


# --- Options matrix -------------------------------------------------------------------------


def test_options_matrix_turns_a_single_variant_into_combinations_keeping_it():
    # Given a product with one variant (SKU, stock and a price)
    product = make_product(
        variants=[VariantInput(price=Decimal("30"), sku="TEE", stock_quantity=5)]
    )
    original = product.variants.get()

    # When staff define Size: S, M, L by Colour: Red, Blue
    result = services.product_set_options_matrix(
        product=product,
        options=[("Size", ["S", "M", "L"]), ("Colour", ["Red", "Blue"])],
        actor=STAFF,
    )

    # Then six variants exist in matrix order; the original became S / Red with its stock
    titles = list(product.variants.order_by("position").values_list("title", flat=True))
    assert titles == ["S / Red", "S / Blue", "M / Red", "M / Blue", "L / Red", "L / Blue"]
    original.refresh_from_db()
    assert (original.title, original.sku, original.stock_quantity) == ("S / Red", "TEE", 5)
    assert len(result.created) == 5 and result.removed == []
    assert {v.price_amount for v in product.variants.all()} == {Decimal("30")}
    assert PriceChange.objects.filter(variant__product=product).count() == 6
    assert [(o.name, o.values) for o in product.options.all()] == [
        ("Size", ["S", "M", "L"]),
        ("Colour", ["Red", "Blue"]),
    ]
    assert set(product.facets.values_list("name", "value")) == {
        ("Size", "S"),
        ("Size", "M"),
        ("Size", "L"),
        ("Colour", "Red"),
        ("Colour", "Blue"),
    }


def test_options_matrix_reports_combinations_no_longer_listed_before_removing_them():
    # Given S/M by Red/Blue
    product = make_product(options={"Size": ["S", "M"], "Colour": ["Red", "Blue"]})

    # When Blue is dropped without confirming
    with pytest.raises(ValidationFailed) as error:
        services.product_set_options_matrix(
            product=product, options=[("Size", ["S", "M"]), ("Colour", ["Red"])]
        )

    # Then nothing changed and the error names the variants
    assert "S / Blue" in error.value.message and "M / Blue" in error.value.message
    assert product.variants.count() == 4

    # And with confirmation they go
    result = services.product_set_options_matrix(
        product=product,
        options=[("Size", ["S", "M"]), ("Colour", ["Red"])],
        remove_missing=True,
    )
    assert sorted(result.removed) == ["M / Blue", "S / Blue"]
    assert sorted(product.variants.values_list("title", flat=True)) == ["M / Red", "S / Red"]


def test_options_matrix_keeps_variants_when_options_are_reordered():
    product = make_product(options={"Size": ["S"], "Colour": ["Red", "Blue"]})
    ids = set(product.variants.values_list("pk", flat=True))
    services.product_set_options_matrix(
        product=product, options=[("Colour", ["Blue", "Red"]), ("Size", ["S"])]
    )
    assert set(product.variants.values_list("pk", flat=True)) == ids
    assert list(product.variants.order_by("position").values_list("title", flat=True)) == [
        "Blue / S",
        "Red / S",
    ]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ([("", ["S"])], "options[1].name"),
        ([("Size", ["S"]), ("size", ["M"])], "options[2].name"),
        ([("Size", [" ", ""])], "options[1].values"),
        ([("A", ["1"]), ("B", ["1"]), ("C", ["1"]), ("D", ["1"])], "options"),
        ([("A", [str(n) for n in range(20)]), ("B", [str(n) for n in range(20)])], "options"),
    ],
)
def test_options_matrix_refuses_bad_options_naming_them(options, field):
    product = make_product()
    with pytest.raises(ValidationFailed) as error:
        services.product_set_options_matrix(product=product, options=options)
    assert error.value.field == field


# --- Duplicate ------------------------------------------------------------------------------


def test_duplicate_makes_a_draft_copy_without_skus_stock_or_shared_files(media_root):
    # Given an active product with an SKU, a barcode, stock, tags and an image
    product = make_product(
        title="Linen Shirt",
        tags=["summer"],
        variants=[
            VariantInput(price=Decimal("49"), sku="LS-1", barcode="4006381333931", stock_quantity=3)
        ],
    )
    services.image_add(
        product=product, upload=SimpleUploadedFile("front.png", png_bytes(400, 300)), alt="Front"
    )

    # When staff duplicate it
    copy = services.product_duplicate(product=product, actor=STAFF)

    # Then the copy is a draft with a new handle, same price and tags, no SKU, barcode or stock
    assert (copy.title, copy.status) == ("Copy of Linen Shirt", Product.Status.DRAFT)
    assert copy.handle == "copy-of-linen-shirt"
    variant = copy.variants.get()
    assert (variant.sku, variant.barcode, variant.stock_quantity) == ("", "", 0)
    assert variant.price_amount == Decimal("49")
    assert list(copy.tags.values_list("name", flat=True)) == ["summer"]
    # And its image is its own file, with renditions, and is the featured image
    [image] = copy.images.all()
    original_image = product.images.get()
    assert image.file.name != original_image.file.name
    assert image.alt == "Front" and image.renditions
    assert copy.featured_image_id == image.pk
    assert AuditEvent.objects.get(verb="product.duplicated").data["from_product_id"] == product.pk


# --- Images ---------------------------------------------------------------------------------


def test_images_added_reordered_and_deleted(media_root, django_capture_on_commit_callbacks):
    # Given a product with two uploaded images
    product = make_product()
    first = services.image_add(
        product=product, upload=SimpleUploadedFile("a.png", png_bytes(300, 200)), actor=STAFF
    )
    second = services.image_add(
        product=product, upload=SimpleUploadedFile("b.png", png_bytes(300, 200)), alt="Back"
    )
    product.refresh_from_db()
    assert product.featured_image_id == first.pk

    # When they are swapped
    services.images_reorder(product=product, ordered_ids=[second.pk, first.pk], actor=STAFF)

    # Then the second is first and featured
    assert list(product.images.values_list("pk", flat=True)) == [second.pk, first.pk]
    product.refresh_from_db()
    assert product.featured_image_id == second.pk

    # When the second is deleted
    files = [second.file.name, *(r["jpeg"] for r in second.renditions.values())]
    assert all(default_storage.exists(name) for name in files)
    with django_capture_on_commit_callbacks(execute=True):
        services.image_delete(image=second, actor=STAFF)

    # Then its files are gone and the first is featured again
    assert not any(default_storage.exists(name) for name in files)
    product.refresh_from_db()
    assert product.featured_image_id == first.pk
    assert verbs()[-4:] == [
        "product.image_added",
        "product.image_added",
        "product.images_reordered",
        "product.image_deleted",
    ]


def test_images_reorder_must_list_each_image_once(media_root):
    product = make_product()
    image = services.image_add(product=product, upload=SimpleUploadedFile("a.png", png_bytes()))
    other = make_product(images=1).images.get()
    for ids in ([], [image.pk, image.pk], [image.pk, other.pk]):
        with pytest.raises(ValidationFailed) as error:
            services.images_reorder(product=product, ordered_ids=ids)
        assert error.value.field == "ordered_ids"


def test_image_add_refuses_a_file_that_is_not_an_image(media_root):
    from django.core.exceptions import ValidationError

    product = make_product()
    with pytest.raises(ValidationError):
        services.image_add(product=product, upload=SimpleUploadedFile("x.png", b"not an image"))
    assert not ProductImage.objects.exists()


def test_image_update_changes_alt_text(media_root):
    product = make_product()
    image = services.image_add(product=product, upload=SimpleUploadedFile("a.png", png_bytes()))
    services.image_update(image=image, alt="  Side view ", actor=STAFF)
    assert ProductImage.objects.get(pk=image.pk).alt == "Side view"


def test_opening_stock_is_the_first_line_of_the_stock_history():
    staff = Actor(kind=AuditEvent.ActorKind.STAFF, id="3", label="kim@example.com")
    product = services.product_create(
        data=services.ProductInput(
            title="Linen Shirt",
            options=[("Size", ["S", "M"])],
            variants=[
                VariantInput(price=Decimal("49.00"), options=["S"], stock_quantity=10),
                VariantInput(price=Decimal("49.00"), options=["M"], stock_quantity=0),
            ],
        ),
        currency="EUR",
        actor=staff,
    )

    small, medium = product.variants.order_by("position")
    movement = StockMovement.objects.get(variant=small)
    assert (movement.delta, movement.quantity_after, movement.reason) == (10, 10, "received")
    assert movement.actor_label == "kim@example.com"
    assert not StockMovement.objects.filter(variant=medium).exists()
