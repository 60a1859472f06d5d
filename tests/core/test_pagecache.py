"""The tag-versioned page cache, on a bare view (storefront tests cover the real pages)."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from freehold.core import pagecache

rendered: list[str] = []


@pagecache.cache_page
def product_view(request, name="a"):
    rendered.append(name)
    pagecache.tag(request, f"product:{name}")
    return HttpResponse(f"page {name} #{len(rendered)}")


@pytest.fixture(autouse=True)
def _reset():
    rendered.clear()


def get(path="/products/a"):
    return RequestFactory().get(path)


def test_second_request_is_a_hit_with_the_same_body():
    first = product_view(get())
    second = product_view(get())
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert len(rendered) == 1


def test_invalidating_a_shown_tag_re_renders():
    product_view(get())
    pagecache.invalidate("product:a")
    response = product_view(get())
    assert response["X-Page-Cache"] == "miss"
    assert len(rendered) == 2


@pytest.mark.django_db
def test_a_page_cached_while_the_change_was_uncommitted_is_retired_at_commit(
    django_capture_on_commit_callbacks,
):
    # Given a write in progress that has invalidated the product
    with django_capture_on_commit_callbacks(execute=True):
        pagecache.invalidate("product:a")
        # When another request renders and caches the page before the write commits
        product_view(get())
        assert product_view(get())["X-Page-Cache"] == "hit"
    # Then the commit retires that copy: it may show the rows as they were before
    assert product_view(get())["X-Page-Cache"] == "miss"


def test_invalidating_another_tag_keeps_the_page():
    product_view(get())
    pagecache.invalidate("product:zzz")
    assert product_view(get())["X-Page-Cache"] == "hit"


def test_global_store_tag_invalidates_every_page():
    product_view(get())
    pagecache.invalidate(pagecache.GLOBAL_TAG)
    assert product_view(get())["X-Page-Cache"] == "miss"


def test_tracking_parameters_share_one_entry_but_real_parameters_do_not():
    product_view(get("/products/a?page=2"))
    assert product_view(get("/products/a?utm_source=ig&page=2&fbclid=x"))["X-Page-Cache"] == "hit"
    assert product_view(get("/products/a?page=3"))["X-Page-Cache"] == "miss"


def test_disabled_cache_always_renders(settings):
    settings.PAGE_CACHE_ENABLED = False
    product_view(get())
    response = product_view(get())
    assert "X-Page-Cache" not in response
    assert len(rendered) == 2


def test_responses_setting_cookies_or_errors_are_not_cached():
    @pagecache.cache_page
    def sets_cookie(request):
        response = HttpResponse("x")
        response.set_cookie("visitor", "1")
        return response

    @pagecache.cache_page
    def not_found(request):
        return HttpResponse("missing", status=404)

    sets_cookie(get("/c"))
    assert "X-Page-Cache" not in sets_cookie(get("/c"))
    not_found(get("/n"))
    assert "X-Page-Cache" not in not_found(get("/n"))


def test_post_requests_pass_through():
    request = RequestFactory().post("/products/a")
    product_view(request)
    product_view(RequestFactory().post("/products/a"))
    assert len(rendered) == 2


@pytest.mark.django_db
def test_a_hit_is_served_before_sessions_and_touches_no_database(client, django_assert_num_queries):
    from tests.factories import make_product

    product = make_product(title="Canvas Tote")
    first = client.get(product.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(product.get_absolute_url(), {"utm_source": "newsletter"})
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "Content-Security-Policy" in second
