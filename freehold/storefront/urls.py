from django.urls import path, re_path

from freehold.markets import views as market_views
from freehold.storefront import checkout_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("collections/<str:handle>", views.collection, name="collection"),
    path("products/<str:handle>", views.product, name="product"),
    path("search", views.search, name="search"),
    path("search/suggest", views.search_suggest, name="search-suggest"),
    path("pages/<str:handle>", views.page, name="page"),
    path("legal/imprint", views.imprint, name="imprint"),
    path("cart", checkout_views.cart, name="cart"),
    path("cart/add", checkout_views.cart_add, name="cart-add"),
    path("cart/lines/<int:line_id>", checkout_views.cart_line, name="cart-line"),
    path(
        "cart/lines/<int:line_id>/remove", checkout_views.cart_line_remove, name="cart-line-remove"
    ),
    path("checkout", checkout_views.checkout, name="checkout"),
    # Only order tokens (32 URL-safe characters) match, so fixed paths such as /orders/lookup
    # stay free for other pages wherever they are declared.
    re_path(
        r"^orders/(?P<token>[A-Za-z0-9_-]{20,64})$",
        checkout_views.order_status,
        name="order-status",
    ),
    path("market", market_views.market_select, name="market-select"),
    path("market/suggest", market_views.market_suggest, name="market-suggest"),
    path("theme.css", views.theme_css, name="theme-css"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap"),
    path("sitemap-urls.xml", views.sitemap_urls_xml, name="sitemap-urls"),
]
