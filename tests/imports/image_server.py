"""A local HTTP server standing in for the image hosts an import file points at.

The sample files' image URLs (cdn.shopify.com, m.media-amazon.com) cannot be reached from the
tests; rewrite them to `image_server.url(name)`. The server listens on 127.0.0.1 and serves, from
a temporary folder:

    url(name)            /images/<name>: the file with a type from its extension, else 404
    unsized_url(name)    the same bytes without Content-Length (read until the connection closes)
    slow_url(name)       hangs (past any import timeout) until the test ends
    html_url()           200 text/html: a web page, not an image
    redirect_url(target, hops=1)  302 → 302 → … → target

`add_image("front.jpg", width=60, height=40)` writes a generated JPEG/PNG/WebP/GIF (format from
the extension) and returns its bytes; `add_file(name, data, content_type=...)` writes anything.
With `generate_missing = True` every missing /images/<name>.jpg|.png is drawn on first request
(for files with many URLs). `hits(name)` counts the requests that served or looked for `name`.

The fixture allows private addresses (`IMPORTS_ALLOW_PRIVATE_ADDRESSES = True`): the server is
on the loopback address, which production refuses. Use it in a conftest with
`from tests.imports.image_server import image_server  # noqa: F401`.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from PIL import Image

CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
PILLOW_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".gif": "GIF"}
# A slow answer waits at most this long even if nobody releases it (a test that crashed).
LONGEST_HANG_SECONDS = 30


def image_bytes(
    name: str,
    *,
    width: int = 64,
    height: int = 48,
    colour: tuple[int, int, int] | None = None,
) -> bytes:
    """A plain picture in the format `name`'s extension names (JPEG when it names none)."""
    suffix = Path(name).suffix.lower()
    if colour is None:
        digest = hashlib.sha256(name.encode()).digest()
        colour = (digest[0], digest[1], digest[2])
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, PILLOW_FORMATS.get(suffix, "JPEG"))
    return buffer.getvalue()


class ImageServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.generate_missing = False
        self.requests: list[str] = []
        self._hits: Counter[str] = Counter()
        self._content_types: dict[str, str] = {}
        self._lock = threading.Lock()
        self.released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # URLs -------------------------------------------------------------------------------------

    def url(self, name: str) -> str:
        return f"{self.base_url}/images/{quote(name)}"

    def unsized_url(self, name: str) -> str:
        return f"{self.base_url}/unsized/{quote(name)}"

    def slow_url(self, name: str = "slow.jpg") -> str:
        return f"{self.base_url}/slow/{quote(name)}"

    def html_url(self, name: str = "page.html") -> str:
        return f"{self.base_url}/html/{quote(name)}"

    def redirect_url(self, target: str, *, hops: int = 1) -> str:
        return f"{self.base_url}/redirect/{hops}?to={quote(target, safe='')}"

    # Files ------------------------------------------------------------------------------------

    def add_image(
        self,
        name: str,
        *,
        width: int = 64,
        height: int = 48,
        colour: tuple[int, int, int] | None = None,
    ) -> bytes:
        data = image_bytes(name, width=width, height=height, colour=colour)
        self.add_file(name, data)
        return data

    def add_file(self, name: str, data: bytes, *, content_type: str | None = None) -> None:
        (self.root / name).write_bytes(data)
        if content_type is not None:
            self._content_types[name] = content_type

    def remove(self, name: str) -> None:
        (self.root / name).unlink(missing_ok=True)

    def hits(self, name: str) -> int:
        with self._lock:
            return self._hits[name]

    def close(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # Serving (the handler's thread) -------------------------------------------------------------

    def _note(self, path: str, name: str) -> None:
        with self._lock:
            self.requests.append(path)
            if name:
                self._hits[name] += 1

    def _file(self, name: str) -> tuple[bytes, str] | None:
        if not name or "/" in name or name.startswith("."):
            return None
        path = self.root / name
        drawable = Path(name).suffix.lower() in PILLOW_FORMATS
        if self.generate_missing and drawable and not path.exists():
            self.add_image(name)
        if not path.is_file():
            return None
        content_type = self._content_types.get(name) or CONTENT_TYPES.get(
            path.suffix.lower(), "application/octet-stream"
        )
        return path.read_bytes(), content_type


def _handler_for(server: ImageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            route, _, rest = parts.path.lstrip("/").partition("/")
            name = unquote(rest)
            server._note(self.path, name if route in ("images", "unsized", "slow") else "")
            if route == "redirect":
                self._redirect(int(name or "1"), parse_qs(parts.query).get("to", [""])[0])
            elif route == "html":
                self._send(200, b"<!doctype html><title>Shop</title><p>Hello</p>", "text/html")
            elif route in ("images", "unsized", "slow"):
                if route == "slow":
                    server.released.wait(LONGEST_HANG_SECONDS)
                found = server._file(name)
                if found is None:
                    self._send(404, b"Not found", "text/plain")
                else:
                    self._send(200, found[0], found[1], sized=route != "unsized")
            else:
                self._send(404, b"Not found", "text/plain")

        def _redirect(self, hops: int, target: str) -> None:
            location = target if hops <= 1 else f"/redirect/{hops - 1}?to={quote(target, safe='')}"
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _send(self, status: int, body: bytes, content_type: str, *, sized: bool = True) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if sized:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a timeout, a size cap)

    return Handler


@pytest.fixture
def image_server(tmp_path: Path, settings: Any) -> Iterator[ImageServer]:
    settings.IMPORTS_ALLOW_PRIVATE_ADDRESSES = True
    server = ImageServer(tmp_path / "image-server")
    try:
        yield server
    finally:
        server.close()
