"""Image files: validation and resized renditions (JPEG and WebP) for `srcset`.

A shopper's phone should download a 480-pixel WebP, not the merchant's 6,000-pixel camera
original, so every image gets renditions at fixed widths, stored next to the original and
listed in its `renditions` field:

    {"320": {"jpeg": "images/renditions/product-7-320.jpg",
             "webp": "images/renditions/product-7-320.webp", "height": 400}, ...}

Renditions are upright (the EXIF orientation is applied, phones store most photos sideways
plus a rotation flag) and RGB (transparency is flattened onto white), and the image's
`width` and `height` are the upright size, so templates can set width/height attributes and
the page does not shift while images load.

Rendition files are named after the model and row id (`product-7-320.jpg`, `media-3-320.jpg`)
because product images and media images have separate id sequences.

The module imports no models, so worker processes can encode without setting Django up.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

if TYPE_CHECKING:
    from freehold.catalog.models import RenditionedImage

RENDITION_WIDTHS = (160, 320, 480, 640, 960, 1280, 1600)
JPEG_QUALITY = 82
WEBP_QUALITY = 80
MAX_PIXELS = 40_000_000
MAX_MEGAPIXELS = MAX_PIXELS // 1_000_000
# What browsers and Pillow both read; MPO is how many phones save a JPEG.
SUPPORTED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}
RENDITIONS_FOLDER = "images/renditions"
FLATTEN_BACKGROUND = (255, 255, 255)


@dataclass(frozen=True)
class ImageInfo:
    """What validation learnt from an image's header."""

    format: str
    width: int
    height: int


@dataclass(frozen=True)
class StoredImage:
    """An original and its renditions in storage, ready to be pointed at by many rows.

    The demo seed draws a few hundred pictures and lets thousands of `ProductImage` rows share
    them; `as_fields()` gives the field values for such a row.
    """

    name: str
    width: int
    height: int
    renditions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_fields(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "width": self.width,
            "height": self.height,
            "renditions": self.renditions,
        }


def rendition_widths(original_width: int) -> list[int]:
    """The standard widths not wider than the original; a tiny original keeps its own width."""
    widths = [w for w in RENDITION_WIDTHS if w <= original_width]
    return widths or [max(1, original_width)]


def validate_image_file(file: IO[bytes], *, field_name: str = "file") -> ImageInfo:
    """Check that `file` is a whole image in a format we serve, of at most 40 megapixels.

    The pixel count is read from the header before anything is decoded, so a
    decompression bomb is refused without being unpacked. Errors name `field_name`.
    """
    start = file.tell() if file.seekable() else 0
    try:
        with Image.open(file) as picture:
            image_format = picture.format or ""
            width, height = picture.size
            if image_format not in SUPPORTED_FORMATS:
                raise ValidationError(
                    {field_name: f"Use a JPEG, PNG, WebP or GIF image, not {image_format}."},
                    code="image_format",
                )
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    {
                        field_name: (
                            f"The image is {width} × {height} pixels "
                            f"({width * height / 1_000_000:.0f} megapixels); "
                            f"the limit is {MAX_MEGAPIXELS} megapixels."
                        )
                    },
                    code="image_too_large",
                )
            picture.verify()
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            {field_name: f"The image is too large: the limit is {MAX_MEGAPIXELS} megapixels."},
            code="image_too_large",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            {field_name: "This file is not an image, or it is damaged."}, code="image_invalid"
        ) from exc
    finally:
        if file.seekable():
            file.seek(start)
    return ImageInfo(format=SUPPORTED_FORMATS[image_format], width=width, height=height)


def upright_rgb(picture: Image.Image) -> Image.Image:
    """Apply the EXIF orientation and flatten to RGB (JPEG has no alpha channel)."""
    upright = ImageOps.exif_transpose(picture) or picture
    if upright.mode in ("RGBA", "LA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, FLATTEN_BACKGROUND)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return upright.convert("RGB") if upright.mode != "RGB" else upright


def _save(name: str, data: bytes) -> str:
    """Write `data` at exactly `name`, replacing an older file (renditions are regenerated)."""
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


def _encode(picture: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG":
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
    else:
        picture.save(buffer, "WEBP", quality=WEBP_QUALITY)
    return buffer.getvalue()


@dataclass(frozen=True)
class EncodedRendition:
    width: int
    height: int
    jpeg: bytes
    webp: bytes


@dataclass(frozen=True)
class EncodedImage:
    """A picture encoded but not yet stored: what a worker process hands back."""

    original: bytes
    width: int
    height: int
    renditions: tuple[EncodedRendition, ...]


def encode_renditions(picture: Image.Image) -> tuple[EncodedRendition, ...]:
    """Resize an upright RGB picture to every rendition width, as JPEG and WebP bytes.

    Each width is resized from the previous (larger) one: the result looks the same and is
    several times faster than going back to a large original each time. Pure Pillow work,
    no Django: the demo seed runs it in worker processes.
    """
    encoded = []
    source = picture
    for width in sorted(rendition_widths(picture.width), reverse=True):
        height = max(1, round(picture.height * width / picture.width))
        if (width, height) != source.size:
            source = source.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        encoded.append(
            EncodedRendition(
                width=width,
                height=height,
                jpeg=_encode(source, "JPEG"),
                webp=_encode(source, "WEBP"),
            )
        )
    return tuple(sorted(encoded, key=lambda rendition: rendition.width))


def save_renditions(encoded: Iterable[EncodedRendition], *, stem: str) -> dict[str, dict[str, Any]]:
    """Store encoded renditions as `images/renditions/<stem>-<width>.jpg/.webp`."""
    renditions: dict[str, dict[str, Any]] = {}
    for rendition in encoded:
        base = f"{RENDITIONS_FOLDER}/{stem}-{rendition.width}"
        renditions[str(rendition.width)] = {
            "jpeg": _save(f"{base}.jpg", rendition.jpeg),
            "webp": _save(f"{base}.webp", rendition.webp),
            "height": rendition.height,
        }
    return renditions


def rendition_stem(image: RenditionedImage) -> str:
    """product-7 or media-7: the two kinds of image count their ids separately."""
    kind = "product" if image._meta.model_name == "productimage" else "media"
    return f"{kind}-{image.pk}"


def _rendition_files(renditions: dict[str, dict[str, Any]]) -> set[str]:
    return {
        path
        for entry in renditions.values()
        for key, path in entry.items()
        if key in ("jpeg", "webp") and isinstance(path, str)
    }


def make_renditions(image: RenditionedImage) -> dict[str, dict[str, Any]]:
    """(Re)create the renditions of a saved image and record them on the row.

    Also stores the upright width and height: a portrait photo taken sideways is 3000 by 4000
    pixels to the shopper even when its header says 4000 by 3000.
    """
    if image.pk is None:
        raise ValueError("Save the image before making its renditions: their names use its id.")
    with image.file.open("rb") as handle, Image.open(handle) as original:
        original.load()
        picture = upright_rgb(original)
    previous = _rendition_files(image.renditions or {})
    renditions = save_renditions(encode_renditions(picture), stem=rendition_stem(image))
    for stale in previous - _rendition_files(renditions):
        default_storage.delete(stale)
    image.renditions = renditions
    image.width, image.height = picture.size
    type(image)._default_manager.filter(pk=image.pk).update(
        renditions=renditions, width=image.width, height=image.height
    )
    return renditions


def encode_image(picture: Image.Image) -> EncodedImage:
    """Encode a picture drawn in code as a JPEG original plus its renditions (no storage)."""
    picture = upright_rgb(picture)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90, optimize=True)
    return EncodedImage(
        original=buffer.getvalue(),
        width=picture.width,
        height=picture.height,
        renditions=encode_renditions(picture),
    )


def stored_image_save(encoded: EncodedImage, *, name: str) -> StoredImage:
    """Store an encoded picture: the original at `images/<name>.jpg`, renditions beside the rest.

    `name` is a plain stem such as "demo/shirt-navy-front". Any number of rows can then
    point at the files with `StoredImage.as_fields()`, without Pillow work per row.
    """
    return StoredImage(
        name=_save(f"images/{name}.jpg", encoded.original),
        width=encoded.width,
        height=encoded.height,
        renditions=save_renditions(encoded.renditions, stem=name.replace("/", "-")),
    )


def stored_image_create(picture: Image.Image, *, name: str) -> StoredImage:
    return stored_image_save(encode_image(picture), name=name)
