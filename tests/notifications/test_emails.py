"""Order e-mails: what each one says, that it is escaped, themed, and sent only after commit."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import transaction
from django.test import override_settings

from freehold.catalog.models import Variant
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.notifications import emails
from freehold.notifications.tasks import queue_order_email, send_order_email
from freehold.orders.models import Fulfilment, Order
from tests.factories import make_media_image, make_product, make_store_settings

pytestmark = pytest.mark.django_db

ADDRESS = {
    "first_name": "Ana",
    "last_name": "Lima",
    "line1": "Rua das Flores 7",
    "postal_code": "1200-195",
    "city": "Lisboa",
    "country_code": "PT",
}


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "orders@fjell.example"
    settings.SITE_URL = "https://fjell.example"
    make_store_settings(name="Fjell & Co", email="hello@fjell.example", color_primary="#123456")


def place_order(*products_and_quantities, email="ana@example.com") -> Order:
    cart = cart_create(currency="EUR")
    for product, quantity in products_and_quantities:
        variant = Variant.objects.filter(product=product).first()
        cart_add(cart=cart, variant_id=variant.pk, quantity=quantity)
    return checkout_complete(
        cart_token=cart.token,
        email=email,
        idempotency_key=uuid.uuid4().hex,
        shipping_address=ADDRESS,
    )


@pytest.fixture
def order() -> Order:
    mug = make_product(
        title="Stoneware Mug", price="12.50", currency="EUR", options={"Colour": ["Sand"]}
    )
    tote = make_product(title="Canvas Tote", price="30.00", currency="EUR")
    return place_order((mug, 2), (tote, 1))


def shipped(order: Order) -> Fulfilment:
    return Fulfilment.objects.create(
        order=order,
        status=Fulfilment.Status.SHIPPED,
        carrier="DHL",
        tracking_number="JD0146000",
        tracking_url="https://track.example/JD0146000?lang=en&x=1",
    )


@pytest.mark.parametrize(
    ("kind", "subject_start"),
    [
        ("order_confirmation", "Order #1001 confirmed"),
        ("payment_received", "Payment received for order #1001"),
        ("order_shipped", "Order #1001 has shipped"),
        ("order_refunded", "Refund for order #1001"),
    ],
)
def test_every_e_mail_names_the_order_its_lines_and_totals(order, kind, subject_start):
    # Given a placed order (and what the shipping and refund e-mails need)
    extra = {
        "order_shipped": {"fulfilment": shipped(order)},
        "order_refunded": {"refund_amount": "30.00"},
    }.get(kind, {})

    # When the e-mail is rendered
    subject, text, html = emails.render(kind, order=order, **extra)

    # Then subject, text and HTML all say which order, what was bought and what it cost
    assert subject == f"{subject_start} – Fjell & Co"
    assert "Order #1001" in text and "Order #1001" in html
    assert "2 x Stoneware Mug (Sand): €25.00" in text
    assert "1 x Canvas Tote: €30.00" in text
    assert "Subtotal: €55.00" in text and "Total: €55.00" in text
    assert "Stoneware Mug" in html and "Sand" in html and "€25.00" in html and "€55.00" in html
    assert "Ana Lima" in text and "1200-195 Lisboa" in text and "Portugal" in text
    assert "Portugal" in html
    order_url = f"https://fjell.example/orders/{order.token}"
    assert order_url in text and f'href="{order_url}"' in html
    # The brand: store name escaped in HTML, plain in text, colours inline
    assert "Fjell &amp; Co" in html and "Fjell &amp;" not in text
    assert "#123456" in html


def test_the_shipping_e_mail_gives_carrier_and_tracking(order):
    _subject, text, html = emails.render("order_shipped", order=order, fulfilment=shipped(order))

    assert "Carrier: DHL" in text and "Tracking number: JD0146000" in text
    assert "Track your parcel: https://track.example/JD0146000?lang=en&x=1" in text
    assert 'href="https://track.example/JD0146000?lang=en&amp;x=1"' in html
    assert "DHL" in html and "JD0146000" in html


def test_the_confirmation_tells_the_shopper_how_to_withdraw(order):
    # EU: an order confirmation must inform of the right of withdrawal (else +12 months)
    _subject, text, html = emails.render("order_confirmation", order=order)

    link = f"/withdrawal?order={order.token}"
    assert "within 14 days of receiving the last item" in text
    assert f"Withdraw from contract here: https://fjell.example{link}" in text
    assert f'href="https://fjell.example{link}"' in html


def test_the_refund_e_mail_gives_the_amount(order):
    _subject, text, html = emails.render("order_refunded", order=order, refund_amount="12.5")

    assert "We have refunded €12.50" in text
    assert "€12.50" in html


def test_html_escapes_what_the_merchant_typed_and_text_does_not(order):
    product = make_product(title="Mug <script>alert(1)</script>", price="5", currency="EUR")
    order = place_order((product, 1))

    _subject, text, html = emails.render("order_confirmation", order=order)

    assert "<script>" not in html
    assert "Mug &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "1 x Mug <script>alert(1)</script>: €5.00" in text


def test_without_a_site_url_there_are_no_links_or_logo(settings, order):
    settings.SITE_URL = ""
    make_store_settings(logo=make_media_image(width=400, height=100))

    _subject, text, html = emails.render("order_confirmation", order=order)

    assert "/orders/" not in text and "/orders/" not in html
    assert "<img" not in html


def test_the_logo_is_an_absolute_url_when_the_site_url_is_known(order):
    logo = make_media_image(width=400, height=100)
    make_store_settings(logo=logo)

    _subject, _text, html = emails.render("order_confirmation", order=order)

    assert f'<img src="https://fjell.example{logo.file.url}" alt="Fjell &amp; Co"' in html


def test_an_unknown_kind_or_a_missing_fulfilment_is_refused(order):
    with pytest.raises(ValueError, match="Unknown order e-mail"):
        emails.render("order_lost", order=order)
    with pytest.raises(ValueError, match="fulfilment"):
        emails.render("order_shipped", order=order)
    with pytest.raises(ValueError, match="Unknown order e-mail"):
        queue_order_email("order_lost", order)


def test_send_mails_the_order_address_with_both_parts(order):
    sent = emails.send("order_confirmation", order_id=order.pk)

    assert sent == 1
    (message,) = mail.outbox
    assert message.to == ["ana@example.com"]
    assert message.from_email == "orders@fjell.example"
    assert message.reply_to == ["hello@fjell.example"]
    assert "Stoneware Mug" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html" and html.startswith("<!DOCTYPE html>")


def test_the_task_sends_with_json_arguments(order):
    fulfilment = shipped(order)

    send_order_email.enqueue("order_shipped", order.pk, fulfilment_id=fulfilment.pk)

    (message,) = mail.outbox
    assert message.subject.startswith("Order #1001 has shipped")
    assert "JD0146000" in message.body


def test_a_rolled_back_transaction_sends_nothing(order, django_capture_on_commit_callbacks):
    class Rollback(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        queue_order_email("order_confirmation", order)
        raise Rollback

    assert callbacks == []
    assert mail.outbox == []


def test_a_committed_transaction_sends_one_e_mail(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            queue_order_email("order_refunded", order, refund_amount="7.25")
        assert mail.outbox == []  # nothing before the commit

    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.subject.startswith("Refund for order #1001")
    assert "€7.25" in message.body


def templates_with_theme(theme_dir: Path) -> list[dict]:
    jinja, *others = django_settings.TEMPLATES
    default_dirs = [d for d in jinja["DIRS"] if Path(d).name == "templates"]
    return [{**jinja, "DIRS": [theme_dir, *default_dirs]}, *others]


def test_a_merchant_theme_overrides_the_e_mail_frame(order, tmp_path):
    # Given a theme folder with its own emails/base.html and base.txt
    (tmp_path / "emails").mkdir()
    (tmp_path / "emails" / "base.html").write_text(
        '<div class="merchant-mail">{{ store.name }}: {% block heading %}{% endblock %}'
        "{% for line in lines %} {{ line.product_title }}{% endfor %}</div>"
    )
    (tmp_path / "emails" / "base.txt").write_text("MERCHANT {{ store.name }}")

    # When an e-mail is rendered with that theme
    with override_settings(TEMPLATES=templates_with_theme(tmp_path)):
        _subject, text, html = emails.render("order_confirmation", order=order)

    # Then the merchant's frame wraps the built-in content
    assert html.startswith('<div class="merchant-mail">Fjell &amp; Co: Thank you for your order')
    assert "Stoneware Mug" in html and "<!DOCTYPE html>" not in html
    assert text == "MERCHANT Fjell & Co\n"


def test_without_the_override_the_built_in_frame_is_back(order):
    _subject, _text, html = emails.render("order_confirmation", order=order)

    assert html.startswith("<!DOCTYPE html>") and "merchant-mail" not in html
