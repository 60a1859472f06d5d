"""Fetching the images of imported products from the URLs their file gave.

An import never waits for, nor fails on, a picture: the importer records one `ImageSource`
per URL (pending), and `images_fetch` downloads them afterwards, now or later
(`freehold import images`, the dashboard). An image that cannot be fetched leaves its product
imported, visible with a placeholder, and the source pending with a short reason
("HTTP 404", "timed out after 10 s") until it arrives or five attempts have failed. An answer
that is definitely not an image (an HTML page, a damaged file, a refused address) gives up at
once: trying again would get the same answer.

Downloads run in a few threads (network only); every database write happens in the calling
thread, one transaction per image. The URLs come from a file made elsewhere, so each hop is
checked like a webhook's destination (`freehold.core.netguard`): http and https only, no
address of the server's own network unless `IMPORTS_ALLOW_PRIVATE_ADDRESSES`, the address
checked is the one connected to, at most three redirects each checked again, a size cap
(reading stops past it) and a deadline for the whole download. Images are fetched directly,
never through an HTTP proxy from the environment (the proxy would resolve the name, not us).
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import SplitResult, quote, unquote, urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q

from freehold.catalog.image_services import product_image_add
from freehold.catalog.models import Product, ProductImage, Variant
from freehold.core import clock, netguard
from freehold.imports.models import ImageSource, ImportRun

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# What some storage services (S3, old CDNs) call every file; the bytes are checked anyway.
NEUTRAL_CONTENT_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
USER_AGENT = "Freehold-Images/1"
ACCEPT = "image/jpeg,image/png,image/webp,image/gif;q=0.9,*/*;q=0.1"
READ_CHUNK = 64 * 1024
# Sources loaded from the database at a time; downloads in flight are bounded separately.
BATCH_SIZE = 200
# Above this many product ids, filter in Python: SQLite caps the parameters of one query.
LARGE_ID_FILTER = 500
URL_SAFE_CHARACTERS = "/?&=%:@!$'()*+,;-._~[]"


# --- Downloading (runs in worker threads: no database) ----------------------------------------


class FetchFailed(Exception):
    """Why a URL gave no image; `permanent` when asking again would get the same answer."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int
    timeout: float
    allow_private: bool
    max_redirects: int = MAX_REDIRECTS

    @classmethod
    def from_settings(cls) -> FetchLimits:
        return cls(
            max_bytes=int(settings.IMPORT_IMAGE_MAX_BYTES),
            timeout=float(settings.IMPORT_IMAGE_TIMEOUT),
            allow_private=bool(settings.IMPORTS_ALLOW_PRIVATE_ADDRESSES),
        )


@dataclass(frozen=True)
class Download:
    content: bytes
    content_type: str
    final_url: str


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} bytes"


def download(url: str, *, limits: FetchLimits) -> Download:
    """The bytes at `url`, following at most `limits.max_redirects` redirects.

    Raises `FetchFailed` with a short reason a merchant can act on.
    """
    deadline = time.monotonic() + limits.timeout
    for _hop in range(limits.max_redirects + 1):
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https"):
            scheme = f"{parts.scheme}: URL" if parts.scheme else "not a URL"
            raise FetchFailed(f"refused: {scheme}; only http and https", permanent=True)
        host = parts.hostname or ""
        if not host:
            raise FetchFailed("not a URL: no host name", permanent=True)
        try:
            answer = _get(parts, limits=limits, deadline=deadline)
        except netguard.AddressRefused as refused:
            raise FetchFailed(str(refused), permanent=True) from None
        except TimeoutError:
            raise FetchFailed(f"timed out after {limits.timeout:g} s") from None
        except socket.gaierror:
            raise FetchFailed(f"host not found: {host}") from None
        except ConnectionRefusedError:
            raise FetchFailed(f"connection refused by {host}") from None
        except ssl.SSLCertVerificationError as error:
            raise FetchFailed(f"TLS certificate not trusted: {error.verify_message}") from None
        except ssl.SSLError as error:
            raise FetchFailed(f"TLS error: {error.reason or error}") from None
        except http.client.RemoteDisconnected:
            raise FetchFailed(f"{host} closed the connection without answering") from None
        except http.client.IncompleteRead:
            raise FetchFailed(f"{host} closed the connection halfway through") from None
        except http.client.InvalidURL as error:
            raise FetchFailed(f"not a valid URL ({error})", permanent=True) from None
        except http.client.HTTPException as error:
            raise FetchFailed(f"bad HTTP answer ({type(error).__name__})") from None
        except ValueError as error:  # a bad port, a control character in the URL
            raise FetchFailed(f"not a valid URL ({error})", permanent=True) from None
        except OSError as error:
            raise FetchFailed(str(error.strerror or error)[:200]) from None
        if isinstance(answer, Download):
            return answer
        url = urljoin(url, answer)
    raise FetchFailed(f"more than {limits.max_redirects} redirects", permanent=True)


def _get(parts: SplitResult, *, limits: FetchLimits, deadline: float) -> Download | str:
    """One request: the download, or the Location a redirect points at."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    # Always an explicit port: given none, http.client reads "::1" as host "::", port 1.
    port = parts.port or (443 if parts.scheme == "https" else 80)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = netguard.GuardedHTTPSConnection(
            parts.hostname or "",
            port,
            timeout=remaining,
            context=ssl.create_default_context(),
            allow_private=limits.allow_private,
        )
    else:
        connection = netguard.GuardedHTTPConnection(
            parts.hostname or "",
            port,
            timeout=remaining,
            allow_private=limits.allow_private,
        )
    target = quote(parts.path or "/", safe=URL_SAFE_CHARACTERS)
    if parts.query:
        target += "?" + quote(parts.query, safe=URL_SAFE_CHARACTERS)
    try:
        connection.request("GET", target, headers={"User-Agent": USER_AGENT, "Accept": ACCEPT})
        response = connection.getresponse()
        if response.status in REDIRECT_STATUSES:
            location = response.getheader("Location", "").strip()
            if not location:
                raise FetchFailed(f"HTTP {response.status} without a Location")
            return location
        if response.status != 200:
            raise FetchFailed(f"HTTP {response.status}", permanent=response.status == 410)
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        if content_type not in NEUTRAL_CONTENT_TYPES and not content_type.startswith("image/"):
            raise FetchFailed(f"not an image ({content_type})", permanent=True)
        too_large = FetchFailed(f"too large: over {human_size(limits.max_bytes)}", permanent=True)
        declared = (response.getheader("Content-Length") or "").strip()
        if declared.isdigit() and int(declared) > limits.max_bytes:
            raise too_large
        chunks: list[bytes] = []
        received = 0
        while True:
            # Each read waits at most the socket's timeout; the deadline bounds the whole.
            if time.monotonic() > deadline:
                raise TimeoutError
            chunk = response.read1(min(READ_CHUNK, limits.max_bytes - received + 1))
            if not chunk:
                break
            received += len(chunk)
            if received > limits.max_bytes:
                raise too_large
            chunks.append(chunk)
        return Download(
            content=b"".join(chunks), content_type=content_type, final_url=parts.geturl()
        )
    finally:
        connection.close()


def _download_in_thread(url: str, limits: FetchLimits) -> Download | FetchFailed:
    """A worker's job: never raises, so one odd URL cannot stop the others."""
    try:
        return download(url, limits=limits)
    except FetchFailed as failure:
        return failure
    except Exception as error:  # a bug or an exotic failure: keep the source for a retry
        logger.exception("Fetching image %s failed unexpectedly", url)
        return FetchFailed(f"error: {type(error).__name__}")


# --- Recording (calling thread: every database write) -----------------------------------------


@dataclass
class FetchReport:
    """What one `images_fetch` call did: sources fetched, still pending, given up on."""

    fetched: int = 0
    pending: int = 0
    failed: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # url → last error

    @property
    def attempted(self) -> int:
        return self.fetched + self.pending + self.failed


def _filename(url: str) -> str:
    """The URL's last path segment; `product_image_add` sets the extension from the bytes."""
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return name[:120] or "image"


def _refusal(error: ValidationError) -> str:
    """The image check's reason, shortened when it is the generic "not an image"."""
    reason = " ".join(error.messages)
    if "not an image" in reason:
        return "not an image (damaged or unknown format)"
    return reason[:500]


def _variant_ids(product: Product, wanted: Sequence[object]) -> list[int]:
    """The product's variants named by id (int) or SKU (str); vanished ones are ignored."""
    ids = {value for value in wanted if isinstance(value, int) and not isinstance(value, bool)}
    skus = {value.strip() for value in wanted if isinstance(value, str) and value.strip()}
    if not ids and not skus:
        return []
    return list(
        Variant.objects.filter(product=product)
        .filter(Q(pk__in=ids) | Q(sku__in=skus))
        .values_list("pk", flat=True)
    )


def _insert_position(source: ImageSource) -> int | None:
    """Where the image goes: before the first image that came from a later source position.

    Images arrive in any order (in parallel, or retried days later) and the shop's own photos
    may sit among them; placing each before its successors in the file keeps the imported
    photos ordered like the file. None: after every image.
    """
    later_sources = dict(
        ImageSource.objects.filter(
            product_id=source.product_id, image__isnull=False, position__gt=source.position
        )
        .exclude(pk=source.pk)
        .values_list("image_id", "position")
    )
    if not later_sources:
        return None
    for image_id, position in (
        ProductImage.objects.filter(product_id=source.product_id)
        .order_by("position", "id")
        .values_list("pk", "position")
    ):
        if image_id in later_sources:
            return int(position)
    return None


Recorded = tuple[str, str]  # the source's new status, and its error ("" when fetched)


def _record_failure(source: ImageSource, message: str, *, permanent: bool) -> Recorded:
    source.attempts += 1
    source.last_error = message[:512]
    source.last_attempt_at = clock.now()
    gave_up = permanent or source.attempts >= MAX_ATTEMPTS
    source.status = ImageSource.Status.FAILED if gave_up else ImageSource.Status.PENDING
    source.save(update_fields=["attempts", "last_error", "last_attempt_at", "status"])
    return source.status, source.last_error


def _record(
    source_id: int, outcome: Download | FetchFailed, statuses: list[str]
) -> Recorded | None:
    """Store the image (or the failure) for one source; its new status, or None when the
    source is gone or another process has already dealt with it."""
    with transaction.atomic():
        source = (
            ImageSource.objects.select_for_update()
            .filter(pk=source_id, status__in=statuses)
            .first()
        )
        if source is None:
            return None
        if isinstance(outcome, FetchFailed):
            return _record_failure(source, outcome.message, permanent=outcome.permanent)
        product = Product.objects.get(pk=source.product_id)
        try:
            with transaction.atomic():
                position = _insert_position(source)
                if position is not None:
                    ProductImage.objects.filter(product=product, position__gte=position).update(
                        position=F("position") + 1
                    )
                image = product_image_add(
                    product=product,
                    file=outcome.content,
                    filename=_filename(source.url),
                    alt=source.alt,
                    position=position,
                    variant_ids=_variant_ids(product, source.variant_ids or []),
                )
        except ValidationError as refused:
            return _record_failure(source, _refusal(refused), permanent=True)
        except (OSError, SyntaxError, ValueError) as damaged:
            # Pillow reports a file that passed validation but cannot be decoded (truncated)
            # as an OSError without errno; a real I/O error (disk full) has one: raise it.
            if isinstance(damaged, OSError) and damaged.errno is not None:
                raise
            return _record_failure(
                source, "not an image (damaged or unknown format)", permanent=True
            )
        source.image = image
        source.status = ImageSource.Status.FETCHED
        source.attempts += 1
        source.last_error = ""
        source.last_attempt_at = clock.now()
        source.save(update_fields=["image", "status", "attempts", "last_error", "last_attempt_at"])
        return source.status, ""


def _source_ids(
    *,
    statuses: list[str],
    run_id: int | None,
    product_ids: Sequence[int] | None,
    limit: int | None,
) -> list[int]:
    sources = ImageSource.objects.filter(status__in=statuses).order_by(
        "product_id", "position", "id"
    )
    if run_id is not None:
        sources = sources.filter(run_id=run_id)
    if product_ids is None:
        return list(sources.values_list("pk", flat=True)[:limit])
    wanted = {int(pk) for pk in product_ids}
    if len(wanted) <= LARGE_ID_FILTER:
        return list(sources.filter(product_id__in=wanted).values_list("pk", flat=True)[:limit])
    rows = (
        pk for pk, product_id in sources.values_list("pk", "product_id") if product_id in wanted
    )
    return [pk for _, pk in zip(range(limit), rows, strict=False)] if limit else list(rows)


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _count(report: FetchReport, url: str, status: str, error: str) -> None:
    if status == ImageSource.Status.FETCHED:
        report.fetched += 1
        return
    report.errors[url] = error
    if status == ImageSource.Status.FAILED:
        report.failed += 1
    else:
        report.pending += 1


def images_fetch(
    *,
    run_id: int | None = None,
    product_ids: Sequence[int] | None = None,
    retry_failed: bool = False,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 4,
) -> FetchReport:
    """Fetch pending images (also failed ones with `retry_failed`): those an import run
    recorded, or of the given products, or all; at most `limit` of them;
    `progress(done, total)` after each one. The runs concerned get their `images_pending`
    count updated.

    A URL several products share is downloaded once per batch. Never raises for a URL that
    does not give an image: that is recorded on its source and counted in the report.
    """
    statuses = [ImageSource.Status.PENDING.value]
    if retry_failed:
        statuses.append(ImageSource.Status.FAILED.value)
    ids = _source_ids(statuses=statuses, run_id=run_id, product_ids=product_ids, limit=limit)
    report = FetchReport()
    limits = FetchLimits.from_settings()
    workers = max(1, workers)
    done = 0
    run_ids: set[int] = set()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="image-fetch") as pool:
        for batch in _batches(ids, BATCH_SIZE):
            by_url: dict[str, list[int]] = {}
            for source_id, url, source_run_id in (
                ImageSource.objects.filter(pk__in=batch)
                .order_by("product_id", "position", "id")
                .values_list("pk", "url", "run_id")
            ):
                by_url.setdefault(url, []).append(source_id)
                if source_run_id is not None:
                    run_ids.add(source_run_id)
            waiting = iter(by_url)
            in_flight: dict[Future[Download | FetchFailed], str] = {}
            while True:
                # At most two downloads per worker held in memory at once.
                while len(in_flight) < 2 * workers:
                    next_url = next(waiting, None)
                    if next_url is None:
                        break
                    in_flight[pool.submit(_download_in_thread, next_url, limits)] = next_url
                if not in_flight:
                    break
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    url = in_flight.pop(future)
                    outcome = future.result()
                    for source_id in by_url[url]:
                        recorded = _record(source_id, outcome, statuses)
                        done += 1
                        if recorded is not None:
                            _count(report, url, *recorded)
                        if progress is not None:
                            progress(done, len(ids))
    for touched in sorted(run_ids):  # the import screens show how many are still waiting
        ImportRun.objects.filter(pk=touched).update(
            images_pending=images_pending_count(run_id=touched)
        )
    return report


def images_pending_count(run_id: int | None = None) -> int:
    """Images still waiting to be fetched (those one import run recorded, or all)."""
    pending = ImageSource.objects.filter(status=ImageSource.Status.PENDING)
    if run_id is not None:
        pending = pending.filter(run_id=run_id)
    return pending.count()
