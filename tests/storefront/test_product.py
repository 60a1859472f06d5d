"""The product page: gallery, variant picker without JavaScript, EU price note, structured data."""

import datetime as dt
from decimal import Decimal

import pytest

from freehold.catalog import services
from freehold.catalog.models import Variant
from freehold.core import clock
from tests.factories import make_product, make_product_image, make_store_settings
from tests.storefront.helpers import html

pytestmark = pytest.mark.django_db


def shirt(**fields):
    """S/M/L in two colours; M costs more, L/Blue is sold out."""
    variants = [
        services.VariantInput(
            price=Decimal("55.00") if size == "M" else Decimal("49.00"),
            options=[size, colour],
            sku=f"SHIRT-{size}-{colour}",
            stock_quantity=0 if (size, colour) == ("L", "Blue") else (2 if size == "S" else 20),
            barcode="4006381333931" if (size, colour) == ("S", "Red") else "",
        )
        for size in ("S", "M", "L")
        for colour in ("Red", "Blue")
    ]
    return make_product(
        title="Linen Shirt",
        options={"Size": ["S", "M", "L"], "Colour": ["Red", "Blue"]},
        variants=variants,
        brand="Fjell",
        description_html="<p>Soft <em>linen</em>, cut loose.</p>",
        **fields,
    )


def test_product_page_shows_title_brand_price_description_and_availability(client, store):
    product = shirt()

    page = html(client.get(product.get_absolute_url()))

    assert '<h1 class="product-title">Linen Shirt</h1>' in page.text
    assert "Fjell" in page.text
    assert "<p>Soft <em>linen</em>, cut loose.</p>" in page.text
    assert page.find("span", id="product-price") is not None
    assert 'id="product-price" class="product-price">$49.00<' in page.text
    assert ">Only 2 left<" in page.text  # S/Red is the first variant in stock
    # the add-to-cart form posts the shown variant, without a per-visitor CSRF token (cached)
    form = page.find("form", id="add-to-cart")
    assert form is not None and form["action"] == "/cart/add"
    assert "csrfmiddlewaretoken" not in page.text


def test_option_parameters_select_the_variant_without_javascript(client, store):
    product = shirt()

    page = html(client.get(product.get_absolute_url() + "?option1=M&option2=Blue"))

    assert 'id="product-price" class="product-price">$55.00<' in page.text
    assert page.find("input", name="option1", value="M")["checked"] == ""
    assert page.find("input", name="option2", value="Blue")["checked"] == ""
    assert page.find("input", name="option1", value="S").get("checked") is None
    assert ">In stock<" in page.text


def test_one_option_parameter_picks_the_first_available_match(client, store):
    product = shirt()

    page = html(client.get(product.get_absolute_url() + "?option1=M"))

    assert 'id="product-price" class="product-price">$55.00<' in page.text
    assert page.find("input", name="option2", value="Red")["checked"] == ""


def test_variant_parameter_selects_that_variant(client, store):
    product = shirt()
    sold_out = Variant.objects.get(product=product, option1="L", option2="Blue")

    page = html(client.get(f"{product.get_absolute_url()}?variant={sold_out.pk}"))

    assert page.find("input", name="option1", value="L")["checked"] == ""
    assert ">Sold out<" in page.text


def test_picker_is_a_get_form_with_labelled_radios_in_fieldsets(client, store):
    product = shirt()

    page = html(client.get(product.get_absolute_url()))

    form = page.find("form", id="variant-picker")
    assert form is not None and form["method"] == "get"
    assert form["action"] == product.get_absolute_url()
    assert len(page.find_all("fieldset", class_="option")) == 2
    for radio in page.find_all("input", type="radio"):
        assert page.find("label", for_=radio["id"]), radio
    assert "Choose</button>" in page.text
    assert "csrfmiddlewaretoken" not in page.text


def test_unavailable_combinations_are_marked(client, store):
    product = shirt()

    page = html(client.get(product.get_absolute_url() + "?option1=L&option2=Red"))

    blue = page.find("input", name="option2", value="Blue")
    label = page.find("label", for_=blue["id"])
    assert "is-unavailable" in label["class"]
    red_label = page.find("label", for_=page.find("input", name="option2", value="Red")["id"])
    assert "is-unavailable" not in red_label["class"]


def test_variant_data_for_the_enhancing_script(client, store):
    product = shirt()

    page = html(client.get(product.get_absolute_url()))

    data = page.json_script("product-data")
    assert data["options"] == ["Size", "Colour"]
    assert len(data["variants"]) == 6
    medium_blue = next(v for v in data["variants"] if v["options"] == ["M", "Blue"])
    assert medium_blue["price"] == "$55.00"
    assert medium_blue["available"] is True
    large_blue = next(v for v in data["variants"] if v["options"] == ["L", "Blue"])
    assert large_blue["available"] is False and large_blue["availability"] == "Sold out"
    assert page.find("script", src="/static/storefront/product.js", defer="")


def test_gallery_shows_every_image_with_thumbnails_that_link_to_the_full_image(client, store):
    product = make_product(title="Vase", images=3)

    page = html(client.get(product.get_absolute_url()))

    main = page.find("img", id="product-main-image")
    assert main is not None and main["fetchpriority"] == "high" and main["loading"] == "eager"
    assert main["width"] == "40" and main["height"] == "30" and main["srcset"]
    thumbs = page.find_all("a", class_="thumb")
    assert len(thumbs) == 3
    assert all(t["href"].startswith("/media/images/") for t in thumbs)
    thumbnail_images = [img for img in page.find_all("img") if img.get("sizes") == "80px"]
    assert all(img["loading"] == "lazy" for img in thumbnail_images)
    assert set(page.json_script("product-data")["images"]) == {t["data-image"] for t in thumbs}


def test_variant_image_becomes_the_main_image(client, store):
    product = shirt()
    make_product_image(product, position=1, alt="Red shirt")
    blue_image = make_product_image(product, position=2, alt="Blue shirt")
    Variant.objects.filter(product=product, option2="Blue").update(image=blue_image)

    page = html(client.get(product.get_absolute_url() + "?option1=S&option2=Blue"))

    assert page.find("img", id="product-main-image")["alt"] == "Blue shirt"


def test_renditions_give_webp_and_jpeg_srcsets(client, store):
    product = make_product(title="Vase")
    make_product_image(
        product,
        width=1200,
        height=1500,
        renditions={
            "320": {"jpeg": "images/r/vase-320.jpg", "webp": "images/r/vase-320.webp"},
            "960": {"jpeg": "images/r/vase-960.jpg", "webp": "images/r/vase-960.webp"},
        },
    )

    page = html(client.get(product.get_absolute_url()))

    main = page.find("img", id="product-main-image")
    assert main["srcset"] == "/media/images/r/vase-320.jpg 320w, /media/images/r/vase-960.jpg 960w"
    assert main["width"] == "1200" and main["height"] == "1500"
    source = page.find("source", type="image/webp")
    assert (
        source["srcset"] == "/media/images/r/vase-320.webp 320w, /media/images/r/vase-960.webp 960w"
    )
    assert page.meta("og:image") == "http://testserver/media/images/r/vase-960.jpg"
    assert page.meta("og:image:width") == "960" and page.meta("og:image:height") == "1200"


def test_product_without_images_shows_a_placeholder_and_no_broken_image(client, store):
    product = make_product(title="Gift Card")

    page = html(client.get(product.get_absolute_url()))

    assert page.find("span", id="product-main-image") is not None
    assert not [img for img in page.find_all("img") if not img.get("src")]
    assert page.find_all("img") == []  # no logo, no images at all


def test_sale_shows_compare_at_and_the_lowest_price_of_the_last_30_days(client, store):
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    with clock.frozen_at(start):
        product = make_product(title="Coat", price="120.00")
    variant = product.variants.get()
    with clock.frozen_at(start + dt.timedelta(days=20)):
        services.variant_set_price(variant=variant, price=Decimal("110.00"))
    with clock.frozen_at(start + dt.timedelta(days=50)):
        services.variant_set_price(
            variant=variant, price=Decimal("80.00"), compare_at_price=Decimal("120.00")
        )

    with clock.frozen_at(start + dt.timedelta(days=55)):
        page = html(client.get(product.get_absolute_url()))

    assert 'class="product-price is-sale">$80.00<' in page.text
    assert "$120.00" in page.text
    # Prices in the 30 days before day 55 other than the current one: 110 (from day 20 on).
    assert "Lowest price in the last 30 days: <span data-value>$110.00</span>" in page.text


def test_lowest_price_counts_a_lower_price_inside_the_window(client, store):
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    with clock.frozen_at(start):
        product = make_product(title="Coat", price="120.00")
    variant = product.variants.get()
    with clock.frozen_at(start + dt.timedelta(days=40)):
        services.variant_set_price(variant=variant, price=Decimal("70.00"))
    with clock.frozen_at(start + dt.timedelta(days=45)):
        services.variant_set_price(variant=variant, price=Decimal("120.00"))
    with clock.frozen_at(start + dt.timedelta(days=50)):
        services.variant_set_price(
            variant=variant, price=Decimal("90.00"), compare_at_price=Decimal("120.00")
        )

    with clock.frozen_at(start + dt.timedelta(days=52)):
        page = html(client.get(product.get_absolute_url()))

    assert "Lowest price in the last 30 days: <span data-value>$70.00</span>" in page.text


def test_no_price_note_without_a_sale(client, store):
    product = make_product(title="Coat", price="120.00")

    page = html(client.get(product.get_absolute_url()))

    assert page.find("p", id="product-lowest-price")["hidden"] == ""
    assert page.find("s", id="product-compare-at")["hidden"] == ""


def test_json_ld_product_has_an_offer_per_variant(client, store):
    product = shirt()

    page = html(client.get(product.get_absolute_url()))

    documents = {d["@type"]: d for d in page.json_ld()}
    data = documents["Product"]
    assert data["name"] == "Linen Shirt"
    assert data["brand"] == {"@type": "Brand", "name": "Fjell"}
    assert len(data["offers"]) == 6
    offers = {o["sku"]: o for o in data["offers"]}
    small_red = offers["SHIRT-S-Red"]
    assert small_red["price"] == "49.00" and small_red["priceCurrency"] == "USD"
    assert small_red["availability"] == "https://schema.org/InStock"
    assert small_red["gtin"] == "4006381333931"
    variant = Variant.objects.get(sku="SHIRT-S-Red")
    assert small_red["url"] == f"http://testserver{product.get_absolute_url()}?variant={variant.pk}"
    assert offers["SHIRT-L-Blue"]["availability"] == "https://schema.org/OutOfStock"
    crumbs = documents["BreadcrumbList"]["itemListElement"]
    assert [c["name"] for c in crumbs] == ["Home", "All products", "Linen Shirt"]


def test_json_ld_cannot_close_its_script_element(client, store):
    product = make_product(title="Evil </script><script>alert(1)</script> Shirt")

    response = client.get(product.get_absolute_url())

    text = response.content.decode()
    assert "</script><script>alert(1)" not in text
    assert html(response).json_ld()[0]["name"] == "Evil </script><script>alert(1)</script> Shirt"


def test_social_tags_use_absolute_urls_and_product_price(client, store):
    product = make_product(title="Vase", price="35.50", images=1, seo_description="A tall vase.")

    page = html(client.get(product.get_absolute_url() + "?utm_source=newsletter&variant=1"))

    assert page.meta("og:type") == "product"
    assert page.meta("og:title") == "Vase – Fjell & Co"
    assert page.meta("description") == "A tall vase."
    assert page.meta("og:url") == "http://testserver" + product.get_absolute_url()
    assert (
        page.find("link", rel="canonical")["href"]
        == "http://testserver" + product.get_absolute_url()
    )
    assert page.meta("og:image").startswith("http://testserver/media/images/")
    assert page.meta("og:image:width") == "40" and page.meta("og:image:height") == "30"
    assert page.meta("product:price:amount") == "35.50"
    assert page.meta("product:price:currency") == "USD"
    assert page.meta("twitter:card") == "summary_large_image"


def test_meta_description_falls_back_to_the_description_text(client, store):
    product = make_product(
        title="Vase", description_html="<p>" + "Hand thrown stoneware. " * 20 + "</p>"
    )

    description = html(client.get(product.get_absolute_url())).meta("description")

    assert description.startswith("Hand thrown stoneware.")
    assert len(description) <= 160 and description.endswith("…")


def test_prices_follow_the_store_language(client, store):
    make_store_settings(language="de", currency="EUR")
    product = make_product(title="Mantel", price="1234.50", currency="EUR")

    text = client.get(product.get_absolute_url()).content.decode()

    assert "1.234,50\xa0€" in text
