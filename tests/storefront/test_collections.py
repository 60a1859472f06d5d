"""Collection pages: grid, filters with counts, sorting, pagination and rule-based collections."""

import re
from decimal import Decimal

import pytest

from freehold.catalog import selectors, services
from freehold.catalog.models import Collection, Product
from tests.factories import make_collection, make_product
from tests.storefront.helpers import html

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return re.findall(r'<h2 class="card-title">([^<]+)</h2>', response.content.decode())


def test_collection_shows_title_description_and_cards(client, store):
    on_sale = make_product(title="Linen Shirt", price="39.00", compare_at="59.00", images=1)
    ranged = make_product(
        title="Wool Coat",
        variants=[
            services.VariantInput(price=Decimal("150"), options=["S"], stock_quantity=1),
            services.VariantInput(price=Decimal("180"), options=["M"], stock_quantity=1),
        ],
        options={"Size": ["S", "M"]},
    )
    gone = make_product(title="Old Hat", stock=0)
    make_collection(
        title="Autumn", products=[on_sale, ranged, gone], description_html="<p>Warm things.</p>"
    )

    response = client.get("/collections/autumn")

    assert response.status_code == 200
    text = response.content.decode()
    assert "<h1>Autumn</h1>" in text and "<p>Warm things.</p>" in text
    assert titles(response) == ["Linen Shirt", "Wool Coat", "Old Hat"]
    assert "$39.00" in text and '<s class="price-compare">' in text and "$59.00" in text
    assert '<span class="price-from">From </span>$150.00' in text
    assert 'badge badge-sale">Sale<' in text
    assert 'badge badge-muted">Sold out<' in text
    assert "3 products" in text


def test_cards_have_images_with_size_and_srcset_lazy_below_the_fold(client, store):
    products = [make_product(title=f"Item {n}", images=1) for n in range(6)]
    make_collection(title="Grid", products=products)

    page = html(client.get("/collections/grid"))

    images = [img for img in page.find_all("img") if img.get("alt") == ""]
    assert len(images) == 6
    assert all(img["width"] and img["height"] and img["srcset"] for img in images)
    assert [img.get("loading") for img in images] == ["eager"] * 4 + ["lazy"] * 2


def test_all_products_lists_active_products_only(client, store):
    make_product(title="Shown")
    make_product(title="Draft", status=Product.Status.DRAFT)
    make_product(title="Archived", status=Product.Status.ARCHIVED)

    response = client.get("/collections/all")

    assert titles(response) == ["Shown"]


def test_manual_collection_keeps_the_merchants_order(client, store):
    b, a, c = make_product(title="B"), make_product(title="A"), make_product(title="C")
    make_collection(title="Picked", products=[b, a, c])

    assert titles(client.get("/collections/picked")) == ["B", "A", "C"]


def test_a_product_in_several_collections_appears_once_in_each_order(client, store):
    a, b = make_product(title="A"), make_product(title="B")
    make_collection(title="First", products=[a, b])
    make_collection(title="Second", products=[b, a])

    assert titles(client.get("/collections/first")) == ["A", "B"]
    assert titles(client.get("/collections/second")) == ["B", "A"]


def test_default_sort_is_the_collections_sort_order(client, store):
    products = [
        make_product(title=t, price=p) for t, p in (("Mid", "20"), ("Low", "10"), ("High", "30"))
    ]
    make_collection(title="Sorted", products=products, sort_order=Collection.SortOrder.PRICE_DESC)

    response = client.get("/collections/sorted")

    assert titles(response) == ["High", "Mid", "Low"]
    assert html(response).find("option", value="price-desc", selected="") is not None


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price-asc", ["Low", "Mid", "High"]),
        ("price-desc", ["High", "Mid", "Low"]),
        ("title-asc", ["High", "Low", "Mid"]),
        ("title-desc", ["Mid", "Low", "High"]),
        ("created-asc", ["Mid", "Low", "High"]),
        ("created-desc", ["High", "Low", "Mid"]),
        ("best-selling", ["Low", "High", "Mid"]),
    ],
)
def test_sorting(client, store, sort, expected):
    for title, price, sold in (("Mid", "20", 5), ("Low", "10", 50), ("High", "30", 10)):
        product = make_product(title=title, price=price)
        Product.objects.filter(pk=product.pk).update(sales_count=sold)

    assert titles(client.get(f"/collections/all?sort={sort}")) == expected


def test_option_filters_show_counts_and_narrow_the_grid(client, store):
    make_product(title="Shirt", options={"Size": ["S", "M"], "Colour": ["Red"]})
    make_product(title="Tee", options={"Size": ["M", "L"], "Colour": ["Blue"]})
    make_product(title="Cap", options={"Size": ["One size"]})

    response = client.get("/collections/all?filter.Size=M&sort=title-asc")

    assert titles(response) == ["Shirt", "Tee"]
    text = response.content.decode()
    assert re.search(r'value="S">\s*<span>S <span class="count">\(1\)</span>', text)
    assert re.search(r'value="M" checked>\s*<span>M <span class="count">\(2\)</span>', text)
    assert "One size" in text
    # Sizes in size order, not alphabetical.
    filters = text[text.index('id="filter-form"') :]
    assert filters.index('value="S"') < filters.index('value="M"') < filters.index('value="L"')


def test_values_of_one_option_are_alternatives_and_options_combine(client, store):
    make_product(title="Shirt", options={"Size": ["S"], "Colour": ["Red"]})
    make_product(title="Tee", options={"Size": ["L"], "Colour": ["Blue"]})
    make_product(title="Polo", options={"Size": ["L"], "Colour": ["Red"]})

    either = client.get("/collections/all?filter.Size=S&filter.Size=L&sort=title-asc")
    both = client.get("/collections/all?filter.Size=L&filter.Colour=Red")

    assert titles(either) == ["Polo", "Shirt", "Tee"]
    assert titles(both) == ["Polo"]


def test_price_range_and_in_stock_filters(client, store):
    make_product(title="Cheap", price="5")
    make_product(title="Middle", price="25")
    make_product(title="Middle sold out", price="26", stock=0)
    make_product(title="Dear", price="90")

    in_range = client.get("/collections/all?price_min=10&price_max=50&sort=title-asc")
    available = client.get("/collections/all?price_min=10&price_max=50&in_stock=1")

    assert titles(in_range) == ["Middle", "Middle sold out"]
    assert titles(available) == ["Middle"]
    assert html(available).meta("robots") == "noindex, follow"


def test_pagination_with_prev_and_next_links(client, store, settings):
    settings.CATALOG_PAGE_SIZE = 2
    for n in range(5):
        make_product(title=f"Item {n}", price=str(10 + n))

    first = client.get("/collections/all?sort=price-asc&utm_source=ad")
    second = client.get("/collections/all?sort=price-asc&page=2")
    last = client.get("/collections/all?sort=price-asc&page=3")

    assert titles(first) == ["Item 0", "Item 1"]
    assert titles(second) == ["Item 2", "Item 3"]
    assert titles(last) == ["Item 4"]
    page = html(second)
    assert page.find("a", rel="prev")["href"] == "?sort=price-asc&page=1"
    assert page.find("a", rel="next")["href"] == "?sort=price-asc&page=3"
    assert page.find("link", rel="next")["href"] == "?sort=price-asc&page=3"
    assert html(first).find("a", rel="prev") is None
    assert html(first).find("a", rel="next")["href"] == "?sort=price-asc&page=2"  # no utm
    assert html(last).find("a", rel="next") is None
    assert "Page 2 of 3" in second.content.decode()


def test_collection_canonical_keeps_only_the_page(client, store, settings):
    settings.CATALOG_PAGE_SIZE = 1
    make_collection(title="Summer", products=[make_product(), make_product()])

    first = html(client.get("/collections/summer?sort=price-asc&filter.Size=S&fbclid=1"))
    second = html(client.get("/collections/summer?page=2&sort=title-asc&in_stock=1"))

    assert first.find("link", rel="canonical")["href"] == "http://testserver/collections/summer"
    assert (
        second.find("link", rel="canonical")["href"]
        == "http://testserver/collections/summer?page=2"
    )


def test_collection_breadcrumbs_in_json_ld(client, store):
    make_collection(title="Summer")

    documents = html(client.get("/collections/summer")).json_ld()

    crumbs = next(d for d in documents if d["@type"] == "BreadcrumbList")["itemListElement"]
    assert [(c["name"], c["item"]) for c in crumbs] == [
        ("Home", "http://testserver/"),
        ("Summer", "http://testserver/collections/summer"),
    ]


@pytest.mark.parametrize(
    "query",
    [
        "page=-1",
        "page=abc",
        "page=99999",
        "page=99999999999999999999999",
        "price_max=x",
        "price_min=-5",
        "price_min=NaN&price_max=Infinity",
        "price_max=1e999",
        "sort=bogus",
        "in_stock=maybe",
        "filter.=x",
        "filter.Size=" + "x" * 5000,
    ],
)
def test_bad_parameters_are_ignored_not_errors(client, store, query):
    make_product(title="Still here", price="10")

    response = client.get(f"/collections/all?{query}")

    assert response.status_code == 200
    if "filter" not in query:
        assert titles(response) == ["Still here"]


def test_page_beyond_the_end_shows_the_last_page(client, store, settings):
    settings.CATALOG_PAGE_SIZE = 1
    make_product(title="One", price="1")
    make_product(title="Two", price="2")

    response = client.get("/collections/all?sort=price-asc&page=99999")

    assert titles(response) == ["Two"]


# Rule-based collections ---------------------------------------------------------------------


def smart(*rules, match_all=True):
    return make_collection(
        title="Smart", kind=Collection.Kind.SMART, rules=list(rules), match_all_rules=match_all
    )


def rule(field, relation, value):
    return {"field": field, "relation": relation, "value": value}


def members(collection) -> set[str]:
    return set(selectors.collection_products(collection).values_list("title", flat=True))


def catalog():
    make_product(
        title="Linen Shirt",
        price="49",
        tags=["summer", "linen"],
        product_type="Shirt",
        brand="Fjell",
    )
    make_product(
        title="Wool Coat",
        price="180",
        compare_at="220",
        product_type="Coat",
        brand="Fjell",
        tags=["winter"],
    )
    make_product(
        title="Linen Trousers",
        price="79",
        tags=["summer"],
        product_type="Trousers",
        brand="Nord",
        stock=0,
    )
    make_product(title="Draft Summer Hat", tags=["summer"], status=Product.Status.DRAFT)


@pytest.mark.parametrize(
    ("rules", "match_all", "expected"),
    [
        ([rule("tag", "equals", "summer")], True, {"Linen Shirt", "Linen Trousers"}),
        ([rule("tag", "equals", "SUMMER")], True, {"Linen Shirt", "Linen Trousers"}),
        ([rule("tag", "not_equals", "summer")], True, {"Wool Coat"}),
        ([rule("type", "equals", "coat")], True, {"Wool Coat"}),
        ([rule("brand", "not_equals", "Fjell")], True, {"Linen Trousers"}),
        ([rule("title", "starts_with", "linen")], True, {"Linen Shirt", "Linen Trousers"}),
        ([rule("title", "ends_with", "coat")], True, {"Wool Coat"}),
        ([rule("title", "contains", "tRou")], True, {"Linen Trousers"}),
        ([rule("title", "not_contains", "linen")], True, {"Wool Coat"}),
        ([rule("price", "greater_than", "50")], True, {"Wool Coat", "Linen Trousers"}),
        ([rule("price", "less_than", "50")], True, {"Linen Shirt"}),
        ([rule("price", "equals", "79")], True, {"Linen Trousers"}),
        ([rule("compare_at", "greater_than", "0")], True, {"Wool Coat"}),
        ([rule("in_stock", "equals", "true")], True, {"Linen Shirt", "Wool Coat"}),
        ([rule("in_stock", "equals", "false")], True, {"Linen Trousers"}),
        (
            [rule("tag", "equals", "summer"), rule("price", "less_than", "60")],
            True,
            {"Linen Shirt"},
        ),
        (
            [rule("tag", "equals", "winter"), rule("brand", "equals", "Nord")],
            False,
            {"Wool Coat", "Linen Trousers"},
        ),
        ([], True, set()),
    ],
)
def test_smart_collection_rules(rules, match_all, expected):
    catalog()

    assert members(smart(*rules, match_all=match_all)) == expected


def test_smart_collection_page_follows_the_rules_and_new_products(client, store):
    catalog()
    make_collection(
        title="Summer",
        kind=Collection.Kind.SMART,
        rules=[rule("tag", "equals", "summer")],
        sort_order=Collection.SortOrder.TITLE_ASC,
    )
    assert titles(client.get("/collections/summer")) == ["Linen Shirt", "Linen Trousers"]

    make_product(title="Beach Towel", tags=["summer"])

    assert titles(client.get("/collections/summer")) == [
        "Beach Towel",
        "Linen Shirt",
        "Linen Trousers",
    ]
