"""Content pages and the home page's featured collections, as the dashboard writes them.

Dashboard-only orchestration over storefront models: each write is checked, audited and saved
through the ORM, whose signals (storefront.cache) move the page cache's global `store` tag, the
same as the admin's saves: pages show in menus and footers, featured collections on the home
page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from freehold.catalog.html import sanitise_html
from freehold.catalog.models import Collection
from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.dashboard.store.services import full_clean_or_fail
from freehold.storefront.models import FeaturedCollection, Page, StoreSettings

PAGE_FIELDS = (
    "handle",
    "title",
    "body_html",
    "template",
    "is_published",
    "seo_title",
    "seo_description",
)
MAX_FEATURED = 12


@transaction.atomic
def page_save(*, page: Page | None, actor: Actor, **fields: Any) -> Page:
    """Create (`page=None`) or change a content page; the body is sanitised like the admin's."""
    unknown = sorted(set(fields) - set(PAGE_FIELDS))
    if unknown:
        raise ValueError(f"not page fields: {', '.join(unknown)}")
    created = page is None
    page = page if page is not None else Page()
    if "body_html" in fields:
        fields["body_html"] = sanitise_html(fields["body_html"])
    changed = sorted(name for name, value in fields.items() if getattr(page, name) != value)
    for name in changed:
        setattr(page, name, fields[name])
    page.updated_at = clock.now()
    full_clean_or_fail(page)
    page.save()
    audit.record(
        actor=actor,
        verb="page.created" if created else "page.updated",
        obj=page,
        data={"handle": page.handle, "fields": changed},
    )
    return page


@transaction.atomic
def page_delete(*, page: Page, actor: Actor) -> None:
    audit.record(
        actor=actor,
        verb="page.deleted",
        obj=page,
        data={"handle": page.handle, "title": page.title},
    )
    page.delete()


@transaction.atomic
def featured_collections_set(*, collection_ids: Sequence[int], actor: Actor) -> list[int]:
    """Replace the home page's featured collections with these, in this order."""
    ids = list(dict.fromkeys(collection_ids))
    if len(ids) > MAX_FEATURED:
        raise ValidationFailed(
            f"Feature at most {MAX_FEATURED} collections.", field="featured_collections"
        )
    found = set(Collection.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationFailed("That collection no longer exists.", field="collection")
    store, _ = StoreSettings.objects.select_for_update().get_or_create(pk=1)
    FeaturedCollection.objects.filter(settings=store).delete()
    FeaturedCollection.objects.bulk_create(
        FeaturedCollection(settings=store, collection_id=pk, position=position)
        for position, pk in enumerate(ids)
    )
    store.save(update_fields=["updated_at"])  # bulk writes send no signal: this moves the cache
    audit.record(
        actor=actor, verb="store.featured_collections", obj=store, data={"collections": ids}
    )
    return ids
