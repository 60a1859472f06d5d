"""Writes that add images: product photos and brand media (logo, hero, collection images).

Kept apart from `services.py` because they do file and Pillow work; like every service they
validate first, then write, then keep the product summary (its featured image) current.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from freehold.catalog.images import make_renditions, validate_image_file
from freehold.catalog.models import MediaImage, Product, ProductImage, Variant
from freehold.catalog.services import product_refresh_summary

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WebP": "webp", "GIF": "gif"}


def _as_file(file: File | bytes, filename: str) -> File:
    if isinstance(file, bytes | bytearray):
        return ContentFile(bytes(file), name=filename or "image")
    if filename:
        file.name = filename
    return file


def _checked_upload(file: File | bytes, filename: str, field_name: str) -> File:
    """Validate the image and give it a name whose extension matches its real format."""
    upload = _as_file(file, filename)
    handle = upload.file if upload.file is not None else io.BytesIO()
    info = validate_image_file(handle, field_name=field_name)
    stem = PurePath(upload.name or "image").stem[:80] or "image"
    upload.name = f"{stem}.{EXTENSIONS[info.format]}"
    return upload


@transaction.atomic
def product_image_add(
    *,
    product: Product,
    file: File | bytes,
    filename: str = "",
    alt: str = "",
    position: int | None = None,
    variant_ids: Sequence[int] = (),
) -> ProductImage:
    """Add a photo to a product (last unless `position` is given) and show it for `variant_ids`.

    `file` is a Django `File` (an upload) or raw bytes with `filename`. A file that is not a
    JPEG, PNG, WebP or GIF image, or that is over 40 megapixels, is refused with an error on
    the `file` field.
    """
    upload = _checked_upload(file, filename, "file")
    wanted = set(variant_ids)
    if len(wanted) != Variant.objects.filter(product=product, pk__in=wanted).count():
        raise ValidationError({"variant_ids": "Some variants do not belong to this product."})
    if position is None:
        highest = ProductImage.objects.filter(product=product).aggregate(top=Max("position"))["top"]
        position = (highest or 0) + 1
    image = ProductImage(product=product, alt=alt.strip()[:512], position=position)
    image.file.save(upload.name or "image", upload, save=False)
    image.save()
    make_renditions(image)
    if wanted:
        Variant.objects.filter(pk__in=wanted).update(image=image)
    product_refresh_summary(product=product)
    return image


@transaction.atomic
def media_image_create(*, file: File | bytes, filename: str = "", alt: str = "") -> MediaImage:
    """Store a brand image (logo, hero banner, social image) with its renditions."""
    upload = _checked_upload(file, filename, "file")
    image = MediaImage(alt=alt.strip()[:512])
    image.file.save(upload.name or "image", upload, save=False)
    image.save()
    make_renditions(image)
    return image
