"""Reading rendered pages in tests: elements by attributes, <meta> values, JSON scripts."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script: dict[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attributes))
        if tag == "script":
            self._script, self._text = attributes, []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None


class Html:
    """A parsed page: find elements by tag and attributes, read JSON scripts."""

    def __init__(self, content: bytes | str):
        self.text = content.decode() if isinstance(content, bytes) else content
        parser = _Collector()
        parser.feed(self.text)
        self.elements = parser.elements
        self.scripts = parser.scripts

    def find_all(self, tag: str, **attributes: str) -> list[dict[str, str]]:
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attributes.items()}
        return [
            attrs
            for name, attrs in self.elements
            if name == tag and all(attrs.get(k) == v for k, v in wanted.items())
        ]

    def find(self, tag: str, **attributes: str) -> dict[str, str] | None:
        found = self.find_all(tag, **attributes)
        return found[0] if found else None

    def meta(self, key: str) -> str | None:
        element = self.find("meta", property=key) or self.find("meta", name=key)
        return element["content"] if element else None

    def json_ld(self) -> list[Any]:
        return [
            json.loads(body)
            for attrs, body in self.scripts
            if attrs.get("type") == "application/ld+json"
        ]

    def json_script(self, element_id: str) -> Any:
        for attrs, body in self.scripts:
            if attrs.get("id") == element_id:
                return json.loads(body)
        raise AssertionError(f"no <script id={element_id}>")


def html(response) -> Html:
    return Html(response.content)
