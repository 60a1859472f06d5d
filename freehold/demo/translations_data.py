"""The demo's German and French texts: collection, menu and page titles, so `/de-de/` and
`/fr-fr/` show translated content beside the translated interface (fixed data: same every run).
"""

from __future__ import annotations

from typing import Any

from freehold.catalog.models import (
    Collection,
    CollectionTranslation,
    ProductOptionTranslation,
    ProductTranslation,
)
from freehold.storefront.models import MenuItem, MenuItemTranslation, Page, PageTranslation

# English text → (German, French).
COLLECTION_TITLES = {
    "new-arrivals": ("Neuheiten", "Nouveautés"),
    "staff-picks": ("Unsere Favoriten", "Nos coups de cœur"),
    "sale": ("Sale", "Soldes"),
    "under-50": ("Unter 50 €", "Moins de 50 €"),
    "merino": ("Merino", "Mérinos"),
    "waterproof": ("Wasserdicht", "Imperméable"),
    "shirts": ("Hemden", "Chemises"),
    "t-shirts": ("T-Shirts", "T-shirts"),
    "jackets": ("Jacken", "Vestes"),
    "knitwear": ("Strick", "Maille"),
    "trousers": ("Hosen", "Pantalons"),
    "shorts": ("Shorts", "Shorts"),
    "bags": ("Taschen", "Sacs"),
    "hats": ("Mützen und Hüte", "Bonnets et chapeaux"),
    "socks": ("Socken", "Chaussettes"),
    "accessories": ("Accessoires", "Accessoires"),
}
MENU_TITLES = {
    "Shop all": ("Alle Produkte", "Tout voir"),
    "New arrivals": ("Neuheiten", "Nouveautés"),
    "Jackets": ("Jacken", "Vestes"),
    "Knitwear": ("Strick", "Maille"),
    "Bags": ("Taschen", "Sacs"),
    "Sale": ("Sale", "Soldes"),
    "About": ("Über uns", "À propos"),
    "Shipping": ("Versand", "Livraison"),
    "Returns": ("Rücksendungen", "Retours"),
    "Contact": ("Kontakt", "Contact"),
    "Imprint": ("Impressum", "Mentions légales"),
}
PAGE_TITLES = {
    "about": ("Über Northwind", "À propos de Northwind"),
    "shipping": ("Versand", "Livraison"),
    "returns": ("Rücksendungen", "Retours"),
    "contact": ("Kontakt", "Contact"),
}
LANGUAGES = ("de", "fr")


def write_translations() -> int:
    """Replace the demo's translations of collections, menu links and pages: rows written."""
    collections = Collection.objects.filter(handle__in=COLLECTION_TITLES)
    items = MenuItem.objects.filter(title__in=MENU_TITLES)
    pages = Page.objects.filter(handle__in=PAGE_TITLES)
    CollectionTranslation.objects.filter(collection__in=collections).delete()
    MenuItemTranslation.objects.filter(item__in=items).delete()
    PageTranslation.objects.filter(page__in=pages).delete()
    collection_rows = [
        CollectionTranslation(
            collection=collection, language=language, title=COLLECTION_TITLES[collection.handle][n]
        )
        for collection in collections
        for n, language in enumerate(LANGUAGES)
    ]
    item_rows = [
        MenuItemTranslation(item=item, language=language, title=MENU_TITLES[item.title][n])
        for item in items
        for n, language in enumerate(LANGUAGES)
    ]
    page_rows = [
        PageTranslation(page=page, language=language, title=PAGE_TITLES[page.handle][n])
        for page in pages
        for n, language in enumerate(LANGUAGES)
    ]
    CollectionTranslation.objects.bulk_create(collection_rows)
    MenuItemTranslation.objects.bulk_create(item_rows)
    PageTranslation.objects.bulk_create(page_rows)
    return len(collection_rows) + len(item_rows) + len(page_rows)


def translation_querysets() -> list[Any]:
    """Every translation row, for `seed.wipe`'s raw deletes (children before their objects)."""
    return [
        ProductOptionTranslation.objects.all(),
        ProductTranslation.objects.all(),
        CollectionTranslation.objects.all(),
        MenuItemTranslation.objects.all(),
        PageTranslation.objects.all(),
    ]
