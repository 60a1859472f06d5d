"""Fixtures for the import tests: `image_server` serves images on 127.0.0.1 (image_server.py)."""

from tests.imports.image_server import image_server  # noqa: F401
