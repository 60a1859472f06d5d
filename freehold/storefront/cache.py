"""Page-cache invalidation for the brand: settings, menus, featured collections and pages.

They show on every page (header, footer, home), so any change moves the global `store` tag,
which also renews the cached chrome (storefront.selectors.chrome).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save

from freehold.core import clock
from freehold.core.pagecache import GLOBAL_TAG, invalidate
from freehold.storefront.models import (
    FeaturedCollection,
    Menu,
    MenuItem,
    MenuItemTranslation,
    Page,
    PageTranslation,
    StoreSettings,
)


def _store_changed(sender: Any, **kwargs: Any) -> None:
    invalidate(GLOBAL_TAG)


def _stamp_settings(sender: Any, instance: StoreSettings, **kwargs: Any) -> None:
    """/theme.css?v=<updated_at> is cached for a year: every save must give a new version."""
    if not kwargs.get("raw"):  # fixtures keep the value they carry
        instance.updated_at = clock.now()


pre_save.connect(_stamp_settings, sender=StoreSettings, dispatch_uid="pc-store-settings-stamp")
for signal in (post_save, post_delete):
    for model in (
        StoreSettings,
        FeaturedCollection,
        Menu,
        MenuItem,
        Page,
        PageTranslation,
        MenuItemTranslation,
    ):
        signal.connect(_store_changed, sender=model, dispatch_uid=f"pc-{model.__name__}-{signal}")
