"""Theme files a merchant overrides, and the template helpers (images, money, JSON)."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from markupsafe import Markup

from freehold.catalog.models import ProductImage
from freehold.core.money import Money
from freehold.storefront.jinja import babel_locale, format_money, image, json_data, safe_url
from freehold.storefront.models import StoreSettings
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db


def templates_with_theme(theme_dir: Path) -> list[dict]:
    jinja, *others = django_settings.TEMPLATES
    default_dirs = [d for d in jinja["DIRS"] if Path(d).name == "templates"]
    return [{**jinja, "DIRS": [theme_dir, *default_dirs]}, *others]


def test_a_theme_file_overrides_the_built_in_one(client, store, tmp_path):
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "footer.html").write_text(
        '<footer class="merchant-footer">Hand-made footer for {{ store().name }}'
        " <a href=\"{{ url('imprint') }}\">Imprint</a></footer>"
    )

    with override_settings(TEMPLATES=templates_with_theme(tmp_path)):
        text = client.get("/").content.decode()

    assert "Hand-made footer for Fjell &amp; Co" in text
    assert 'class="site-footer"' not in text
    assert 'class="site-header"' in text  # everything else is still the built-in theme


def test_without_the_override_the_built_in_footer_is_back(client, store):
    assert 'class="site-footer"' in client.get("/").content.decode()


def test_image_without_renditions_uses_the_original_file():
    picture = ProductImage(width=800, height=600, alt="A vase")
    picture.file.name = "images/vase.jpg"

    markup = str(image(picture, sizes="50vw"))

    assert markup.startswith("<img ") and "<picture>" not in markup
    assert 'src="/media/images/vase.jpg"' in markup
    assert 'srcset="/media/images/vase.jpg 800w"' in markup
    assert 'width="800" height="600"' in markup
    assert 'alt="A vase"' in markup and 'loading="lazy"' in markup and 'sizes="50vw"' in markup


def test_image_with_renditions_offers_webp_and_jpeg_and_can_limit_widths():
    picture = ProductImage(width=1600, height=800, alt="")
    picture.file.name = "images/hero.jpg"
    picture.renditions = {
        "320": {"jpeg": "r/hero-320.jpg", "webp": "r/hero-320.webp", "height": 160},
        "640": {"jpeg": "r/hero-640.jpg", "webp": "r/hero-640.webp", "height": 320},
        "1280": {"jpeg": "r/hero-1280.jpg", "webp": "r/hero-1280.webp", "height": 640},
    }

    markup = str(image(picture, widths=[320, 640], priority=True))

    webp = "/media/r/hero-320.webp 320w, /media/r/hero-640.webp 640w"
    assert markup.startswith(f'<picture><source type="image/webp" srcset="{webp}"')
    assert 'srcset="/media/r/hero-320.jpg 320w, /media/r/hero-640.jpg 640w"' in markup
    assert "1280" not in markup
    assert 'fetchpriority="high"' in markup and 'loading="eager"' in markup
    assert 'alt=""' in markup


def test_missing_image_gives_a_placeholder_not_an_img():
    labelled = str(image(None, alt="Gift card"))
    decorative = str(image(None, alt=""))

    assert "<img" not in labelled and 'role="img" aria-label="Gift card"' in labelled
    assert 'aria-hidden="true"' in decorative


def test_image_attributes_are_escaped():
    picture = ProductImage(width=10, height=10, alt='"><script>x</script>')
    picture.file.name = "images/a.jpg"

    markup = str(image(picture))

    assert "<script>" not in markup and "&#34;&gt;&lt;script&gt;" in markup


def test_money_formats_in_the_store_locale():
    assert format_money(Money("1234.5", "EUR"), language="de-DE") == "1.234,50\xa0€"
    assert format_money(Money("5", "JPY"), language="ja") == "￥5"
    assert babel_locale("xx-nonsense") == "en"


def test_json_data_escapes_what_could_end_a_script_element():
    rendered = json_data({"title": "</script><!-- & \u2028"})

    assert isinstance(rendered, Markup)
    assert "<" not in rendered and ">" not in rendered and "&" not in rendered
    assert "\u2028" not in rendered


def test_product_card_for_a_product_without_images(client, store):
    make_product(title="Gift Card")

    text = client.get("/collections/all").content.decode()

    assert 'class="placeholder" aria-hidden="true"' in text
    assert "<img" not in text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/collections/new", "/collections/new"),
        ("https://instagram.com/fjell", "https://instagram.com/fjell"),
        ("mailto:hi@fjell.example", "mailto:hi@fjell.example"),
        ("javascript:alert(1)", "#"),
        (" JavaScript:alert(1)", "#"),
        ("//evil.example/x", "#"),
        ("data:text/html,x", "#"),
        ("", "#"),
    ],
)
def test_merchant_links_are_limited_to_safe_schemes(url, expected):
    assert safe_url(url) == expected


def test_hero_and_announcement_links_cannot_run_script(client, store):
    make_store_settings(
        hero_cta_label="Shop",
        hero_cta_url="javascript:alert(1)",
        announcement_enabled=True,
        announcement_text="Sale",
        announcement_url="javascript:alert(2)",
    )

    text = client.get("/").content.decode()

    assert "javascript:" not in text


def test_an_invalid_colour_never_reaches_the_stylesheet(client, store):
    StoreSettings.objects.filter(pk=1).update(color_primary="red;}*{")  # seven characters

    css = client.get("/theme.css").content.decode()

    assert "red;}*{" not in css and "--color-primary:#1f3a5f" in css
