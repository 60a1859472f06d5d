import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from freehold.catalog.image_services import media_image_create, product_image_add
from freehold.catalog.images import MAX_PIXELS, rendition_widths
from freehold.catalog.models import ProductImage, Variant
from freehold.catalog.services import ProductInput, VariantInput, product_create

pytestmark = pytest.mark.django_db

EXIF_ORIENTATION = 0x0112
ROTATE_90_CLOCKWISE = 6


def picture_bytes(size, image_format="PNG", colour=(40, 90, 60), mode="RGB", **save_options):
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, image_format, **save_options)
    return buffer.getvalue()


def open_stored(name):
    with default_storage.open(name, "rb") as handle:
        picture = Image.open(io.BytesIO(handle.read()))
        picture.load()
    return picture


@pytest.fixture
def product():
    return product_create(
        data=ProductInput(
            title="Waxed Jacket",
            options=[("Colour", ["Olive", "Navy"])],
            variants=[
                VariantInput(price=Decimal("229.00"), options=["Olive"], sku="WJ-OLI"),
                VariantInput(price=Decimal("229.00"), options=["Navy"], sku="WJ-NAV"),
            ],
        ),
        currency="EUR",
    )


def test_renditions_are_made_at_the_standard_widths_in_jpeg_and_webp(product):
    # given a 1000 x 800 photo
    data = picture_bytes((1000, 800))

    # when it is added to a product
    image = product_image_add(product=product, file=data, filename="jacket.png", alt="Front")

    # then there are renditions at every standard width up to 1000, each JPEG and WebP
    image.refresh_from_db()
    assert list(image.renditions) == ["160", "320", "480", "640", "960"]
    for width, entry in image.renditions.items():
        expected = (int(width), round(800 * int(width) / 1000))
        assert entry["height"] == expected[1]
        jpeg, webp = open_stored(entry["jpeg"]), open_stored(entry["webp"])
        assert (jpeg.format, jpeg.size, jpeg.mode) == ("JPEG", expected, "RGB")
        assert (webp.format, webp.size) == ("WEBP", expected)
        assert entry["jpeg"].startswith("images/renditions/product-")
    assert (image.width, image.height) == (1000, 800)
    # and it became the product's featured image
    product.refresh_from_db()
    assert product.featured_image == image


def test_a_picture_narrower_than_every_standard_width_keeps_its_own_width():
    assert rendition_widths(100) == [100]
    assert rendition_widths(1600) == [160, 320, 480, 640, 960, 1280, 1600]
    assert rendition_widths(5000)[-1] == 1600


def test_images_are_appended_after_the_last_position_and_shown_for_variants(product):
    olive = Variant.objects.get(sku="WJ-OLI")
    first = product_image_add(product=product, file=picture_bytes((400, 500)), filename="a.png")

    second = product_image_add(
        product=product, file=picture_bytes((400, 500)), filename="b.png", variant_ids=[olive.pk]
    )

    assert (first.position, second.position) == (1, 2)
    olive.refresh_from_db()
    assert olive.image == second
    product.refresh_from_db()
    assert product.featured_image == first


def test_a_variant_of_another_product_is_refused(product):
    other = product_create(
        data=ProductInput(title="Beanie", variants=[VariantInput(price=Decimal(35), sku="BN")]),
        currency="EUR",
    )
    foreign = Variant.objects.get(product=other)

    with pytest.raises(ValidationError) as error:
        product_image_add(
            product=product,
            file=picture_bytes((300, 300)),
            filename="x.png",
            variant_ids=[foreign.pk],
        )

    assert "variant_ids" in error.value.message_dict
    assert not ProductImage.objects.exists()


def test_a_file_that_is_not_an_image_is_refused_on_the_file_field(product):
    with pytest.raises(ValidationError) as error:
        product_image_add(product=product, file=b"%PDF-1.7 not a picture", filename="spec.pdf")

    assert "not an image" in error.value.message_dict["file"][0]
    assert not ProductImage.objects.exists()


def test_an_image_format_browsers_do_not_show_everywhere_is_refused(product):
    with pytest.raises(ValidationError) as error:
        product_image_add(product=product, file=picture_bytes((50, 50), "BMP"), filename="x.bmp")

    assert "BMP" in error.value.message_dict["file"][0]


def test_an_image_over_forty_megapixels_is_refused_before_decoding(product):
    # given a one-bit PNG just over the limit (small as a file, huge once decoded)
    width = 8000
    data = picture_bytes((width, MAX_PIXELS // width + 1), mode="1", colour=0)

    with pytest.raises(ValidationError) as error:
        product_image_add(product=product, file=ContentFile(data, name="huge.png"))

    assert "megapixels" in error.value.message_dict["file"][0]
    assert not ProductImage.objects.exists()


def test_the_exif_orientation_is_applied(product):
    # given a 400 x 200 camera JPEG, red on the left and blue on the right, whose EXIF says
    # "rotate 90 degrees clockwise to display"
    sideways = Image.new("RGB", (400, 200), (220, 30, 30))
    sideways.paste((30, 30, 220), (200, 0, 400, 200))
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATE_90_CLOCKWISE
    buffer = io.BytesIO()
    sideways.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)

    # when it is added
    image = product_image_add(product=product, file=buffer.getvalue(), filename="photo.jpg")

    # then it is upright: 200 x 400, red on top and blue below
    image.refresh_from_db()
    assert (image.width, image.height) == (200, 400)
    rendition = open_stored(image.renditions["160"]["jpeg"])
    assert rendition.size == (160, 320)
    top, bottom = rendition.getpixel((80, 40)), rendition.getpixel((80, 280))
    assert top[0] > 180 > top[2]
    assert bottom[2] > 180 > bottom[0]


def test_a_transparent_logo_is_flattened_onto_white():
    logo = picture_bytes((400, 100), mode="RGBA", colour=(0, 0, 0, 0))

    image = media_image_create(file=logo, filename="logo.png", alt="Logo")

    assert list(image.renditions) == ["160", "320"]
    assert image.renditions["160"]["jpeg"].startswith("images/renditions/media-")
    rendition = open_stored(image.renditions["320"]["jpeg"])
    assert rendition.getpixel((10, 10)) == pytest.approx((255, 255, 255), abs=2)
    assert image.alt == "Logo"
