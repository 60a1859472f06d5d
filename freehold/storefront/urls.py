from django.urls import path

from freehold.storefront import views

urlpatterns = [
    path("", views.home, name="home"),
    path("collections/<str:handle>", views.collection, name="collection"),
    path("products/<str:handle>", views.product, name="product"),
    path("search", views.search, name="search"),
    path("search/suggest", views.search_suggest, name="search-suggest"),
    path("pages/<str:handle>", views.page, name="page"),
    path("legal/imprint", views.imprint, name="imprint"),
    path("theme.css", views.theme_css, name="theme-css"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap"),
]
