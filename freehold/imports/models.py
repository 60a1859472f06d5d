"""Import runs, the identifiers other platforms gave our products, and their images' sources."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from freehold.catalog.models import Product, ProductImage, Variant
from freehold.core import clock
from freehold.imports.records import FORMATS


class ImportRun(models.Model):
    """One file imported (or previewed): its bytes, progress and report.

    The file is kept in the database, not under MEDIA_ROOT: media is public, and an import
    file holds the whole catalog (or customers' addresses). Keeping it is what lets an
    interrupted run be started again and finish the rest.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    format = models.CharField(max_length=32, choices=[(f, f) for f in FORMATS])
    filename = models.CharField(max_length=255)
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    dry_run = models.BooleanField(default=False)
    fetch_images = models.BooleanField(default=True)
    rows = models.PositiveIntegerField(default=0)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    images_pending = models.PositiveIntegerField(default=0)
    # {"problems": [{"row", "column", "message", "item"}], "items": [{"item", "action", "changes"}]}
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.format} {self.filename} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ExternalId(models.Model):
    """An identifier another platform gave a product or variant: an ASIN, a WooCommerce id.

    A re-import finds what it imported before by these (besides handles and SKUs), so a
    listing whose SKU changed on Amazon still updates the same variant.
    """

    scheme = models.CharField(max_length=32)
    value = models.CharField(max_length=255)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="external_ids")
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.CASCADE, related_name="external_ids"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "value"], name="external_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


class ImageSource(models.Model):
    """A product image known by its URL in an imported file, fetched or waiting to be.

    An unreachable image never fails an import: the row stays `pending` with the last error,
    and `freehold import images` (or the dashboard) tries again. The URL is also how a
    re-import recognises an image it already has.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        FETCHED = "fetched", "Fetched"
        FAILED = "failed", "Failed"  # gave up: not an image, or too many attempts

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="image_sources")
    run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="image_sources"
    )
    url = models.URLField(max_length=2048)
    position = models.PositiveIntegerField(default=1)
    alt = models.CharField(max_length=512, blank=True)
    # SKUs (or variant ids, once imported) that show this image: Shopify's "Variant Image".
    variant_ids = models.JSONField(default=list, blank=True)
    image = models.ForeignKey(
        ProductImage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=512, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["product_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "url"], name="image_source_unique")
        ]
        indexes = [
            models.Index(
                fields=["status", "id"],
                condition=Q(status="pending"),
                name="image_source_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return self.url
