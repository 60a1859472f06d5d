"""Northwind Supply Co.: the demo brand's identity, look, home page, menus, pages, collections.

An invented Berlin outdoor and apparel brand. Everything a merchant would type into the
settings screens is here as data; `seed.py` writes it through the models' own validation
(the colours pass the WCAG AA contrast check in `StoreSettings.clean()`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

STORE_NAME = "Northwind Supply Co."
CURRENCY = "EUR"
STAFF_EMAIL = "admin@example.com"

# The VAT ID's last digit is its ISO 7064 check digit (see generate.german_vat_id).
VAT_ID_BODY = "31484902"

STORE_SETTINGS: dict[str, Any] = {
    "name": STORE_NAME,
    "tagline": "Clothing and kit for the long way round, made to be mended.",
    "currency": CURRENCY,
    "language": "en",
    # German VAT, included in the catalog prices (the demo orders are priced the same way).
    "tax_label": "VAT",
    "tax_rate_percent": Decimal("19"),
    "prices_include_tax": True,
    "legal_name": "Northwind Supply GmbH",
    "legal_form": "GmbH (limited liability company under German law)",
    "representatives": "Managing directors: Lena Hartmann, Jonas Okafor",
    "address_line1": "Lychener Straße 42",
    "address_line2": "Aufgang B, 2. OG",
    "postal_code": "10437",
    "city": "Berlin",
    "region": "",
    "country_code": "DE",
    "email": "hello@northwind-supply.example",
    "phone": "+49 30 57700240",
    "register_name": "Amtsgericht Charlottenburg (Berlin)",
    "register_number": "HRB 228514 B",
    "color_primary": "#1f4d3a",
    "color_accent": "#b4532a",
    "color_background": "#faf7f2",
    "color_text": "#1d1d1b",
    "font_heading": "old-style",
    "font_body": "humanist",
    "announcement_enabled": True,
    "announcement_text": "Free EU shipping over €75 · 30-day returns · Repairs for life",
    "announcement_url": "/pages/shipping",
    "hero_title": "Made for the long way round",
    "hero_subtitle": (
        "Merino, waxed canvas and organic cotton, cut in Berlin and built to be worn for years "
        "and mended when needed."
    ),
    "hero_cta_label": "Shop new arrivals",
    "hero_cta_url": "/collections/new-arrivals",
    "featured_products_per_collection": 4,
    "seo_title": "Northwind Supply Co. · Outdoor clothing and bags from Berlin",
    "seo_description": (
        "Merino knitwear, waxed jackets, rolltop backpacks and organic cotton shirts, designed "
        "in Berlin, made in small European workshops and repaired for life."
    ),
}

LOGO_TEXT = "Northwind"
HERO_ALT = "Pine trees by a still lake at dawn, with mountain ridges behind"

MAIN_MENU = (
    ("Shop all", "/collections/all"),
    ("New arrivals", "/collections/new-arrivals"),
    ("Jackets", "/collections/jackets"),
    ("Knitwear", "/collections/knitwear"),
    ("Bags", "/collections/bags"),
    ("Sale", "/collections/sale"),
    ("About", "/pages/about"),
)
FOOTER_MENU = (
    ("About", "/pages/about"),
    ("Shipping", "/pages/shipping"),
    ("Returns", "/pages/returns"),
    ("Contact", "/pages/contact"),
    ("Imprint", "/legal/imprint"),
)

RETURN_WINDOW_DAYS = 30

PAGES: tuple[dict[str, str], ...] = (
    {
        "handle": "about",
        "title": "About Northwind",
        "template": "content",
        "seo_description": "Who we are, where our clothes are made, and why we repair them.",
        "body_html": (
            "<p>Northwind started in 2016 in a shared workshop in Prenzlauer Berg, with one "
            "waxed jacket and a sewing machine bought second-hand from a sailmaker. We still "
            "design every piece in Berlin, and we still wear our samples until they fall "
            "apart, because that is how we learn where they fail.</p>"
            "<h2>Made in small runs</h2>"
            "<p>Our knitwear comes from two family mills in Portugal and Scotland, our shirts "
            "and trousers from workshops near Porto and Izmir, and our bags are sewn ten "
            "minutes from our office, in Wedding. We visit every one of them at least once a "
            "year and publish the list on this page.</p>"
            "<h2>Repairs for life</h2>"
            "<p>Send back anything you bought from us with a broken zip, a torn seam or a hole "
            "in the elbow and we will mend it for free. Last year our repair bench fixed 2,140 "
            "pieces.</p>"
        ),
    },
    {
        "handle": "shipping",
        "title": "Shipping",
        "template": "content",
        "seo_description": (
            "Delivery times and costs for Germany, the EU and the rest of the world."
        ),
        "body_html": (
            "<p>We pack every order at our Berlin workshop and hand it to DHL the same day when "
            "you order before 14:00 on a working day.</p>"
            '<table><thead><tr><th scope="col">Destination</th><th scope="col">Time</th>'
            '<th scope="col">Cost</th></tr></thead><tbody>'
            "<tr><td>Germany</td><td>1–2 working days</td><td>€4.90, free over €75</td></tr>"
            "<tr><td>European Union</td><td>2–5 working days</td><td>€9.90, free over €75</td></tr>"
            "<tr><td>United Kingdom and Switzerland</td><td>3–6 working days</td>"
            "<td>€14.90</td></tr>"
            "<tr><td>Rest of the world</td><td>5–10 working days</td><td>€24.90</td></tr>"
            "</tbody></table>"
            "<p>Prices include VAT for EU destinations. Outside the EU, import duties and taxes "
            "may be charged on delivery; checkout tells you before you pay.</p>"
        ),
    },
    {
        "handle": "returns",
        "title": "Returns and refunds",
        "template": "content",
        "seo_description": (
            "30 days to return anything unworn, and your statutory right of withdrawal."
        ),
        "body_html": (
            f"<p>You have <strong>{RETURN_WINDOW_DAYS} days</strong> from delivery to return "
            "anything unworn and unwashed, with its tags on. Returns within the EU are free: "
            "request a label from your account or from the link in your shipping e-mail.</p>"
            "<ul><li>Refunds go back to the way you paid, within 14 days of our receiving the "
            "return.</li><li>Exchanges for another size ship as soon as your return is "
            "scanned.</li><li>Socks and underwear can only be returned in their sealed "
            "packaging.</li></ul>"
            "<h2>Your right of withdrawal</h2>"
            "<p>As a consumer in the EU you may withdraw from your purchase within 14 days of "
            "receiving the last item without giving a reason. Our 30-day returns promise "
            "comes on top of that right and does not limit it.</p>"
        ),
    },
    {
        "handle": "contact",
        "title": "Contact",
        "template": "contact",
        "seo_description": "Write to us, call the workshop or visit us in Berlin.",
        "body_html": (
            "<p>Questions about sizing, an order or a repair? Write to us and a person from the "
            "workshop answers within one working day. You can also call us Monday to Friday, "
            "10:00–17:00 (Berlin time), or visit the shop at the front of the workshop.</p>"
        ),
    },
)

# Collections. Manual ones are filled by the seed (newest, staff picks); rule-based ones
# must pass services.collection_validate_rules.
MANUAL_COLLECTIONS: tuple[dict[str, Any], ...] = (
    {
        "handle": "new-arrivals",
        "title": "New arrivals",
        "sort_order": "manual",
        "description_html": "<p>Fresh from the workshops this season.</p>",
    },
    {
        "handle": "staff-picks",
        "title": "Staff picks",
        "sort_order": "manual",
        "description_html": "<p>What the people who make Northwind wear every week.</p>",
    },
)
SMART_COLLECTIONS: tuple[dict[str, Any], ...] = (
    {
        "handle": "sale",
        "title": "Sale",
        "sort_order": "price-asc",
        "rules": [{"field": "compare_at", "relation": "greater_than", "value": "0"}],
        "description_html": "<p>Last colours and sizes, reduced. The reference price is the "
        "lowest price of the 30 days before the reduction.</p>",
    },
    {
        "handle": "under-50",
        "title": "Under €50",
        "sort_order": "price-desc",
        "rules": [{"field": "price", "relation": "less_than", "value": "50"}],
        "description_html": "<p>Small things that last: socks, hats, tees and totes.</p>",
    },
    {
        "handle": "merino",
        "title": "Merino",
        "sort_order": "best-selling",
        "rules": [{"field": "tag", "relation": "equals", "value": "merino"}],
        "description_html": "<p>Warm when it is cold, cool when it is not, and it does not "
        "smell after a week on the trail.</p>",
    },
    {
        "handle": "waterproof",
        "title": "Waterproof",
        "sort_order": "best-selling",
        "rules": [
            {"field": "tag", "relation": "equals", "value": "waterproof"},
            {"field": "tag", "relation": "equals", "value": "water-repellent"},
        ],
        "match_all_rules": False,
        "description_html": "<p>Shells, waxed cotton and rolltops for weather that will not "
        "make up its mind.</p>",
    },
)
TYPE_COLLECTION_DESCRIPTIONS = {
    "Shirts": "Oxford, flannel, linen and chambray, with corozo buttons.",
    "T-Shirts": "Heavyweight cotton and merino tees.",
    "Jackets": "Shells, waxed jackets and parkas for four seasons.",
    "Knitwear": "Merino and lambswool from family mills in Portugal and Scotland.",
    "Trousers": "Chinos, work trousers and cords, hemmed free on request.",
    "Shorts": "For trails, lakes and long evenings.",
    "Bags": "Totes, daypacks and rolltops sewn in Berlin-Wedding.",
    "Hats": "Beanies, watch caps and six-panel caps.",
    "Socks": "Merino and organic cotton, reinforced at the heel and toe.",
    "Accessories": "Scarves, gaiters and bandanas.",
}
FEATURED_COLLECTIONS = ("new-arrivals", "knitwear", "jackets", "sale", "staff-picks")
NEW_ARRIVALS_COUNT = 12
STAFF_PICKS_COUNT = 8
