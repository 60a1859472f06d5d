"""Flat illustrations for the demo store, drawn with Pillow: no downloads, no stock photos.

Products are garment and bag silhouettes in the variant's colour on a paper-coloured ground;
the hero is a layered northern landscape; the logo a wordmark. Shapes are drawn at twice the
size and halved, which gives smooth edges without an anti-aliasing library.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

from freehold.catalog.images import EncodedImage, encode_image

PRODUCT_SIZE = (1280, 1600)
HERO_SIZE = (1920, 960)
LOGO_SIZE = (640, 160)
SUPERSAMPLE = 2
# Drawing units: the canvas is 100 wide and 125 high, whatever its pixel size.
UNITS_WIDE = 100.0

Point = tuple[float, float]
RGB = tuple[int, int, int]

BACKGROUNDS = {"front": "#efe9df", "back": "#e3e7e4"}
ANGLES = ("front", "back")


def rgb(hex_value: str) -> RGB:
    return (int(hex_value[1:3], 16), int(hex_value[3:5], 16), int(hex_value[5:7], 16))


def mix(colour: RGB, other: RGB, amount: float) -> RGB:
    return (
        round(colour[0] + (other[0] - colour[0]) * amount),
        round(colour[1] + (other[1] - colour[1]) * amount),
        round(colour[2] + (other[2] - colour[2]) * amount),
    )


def shade(colour: RGB, amount: float) -> RGB:
    """Darker (amount > 0) or lighter (amount < 0)."""
    return mix(colour, (0, 0, 0), amount) if amount > 0 else mix(colour, (255, 255, 255), -amount)


class Painter:
    """ImageDraw in drawing units, mirrored for the back view when asked."""

    def __init__(self, image: Image.Image, *, mirror: bool = False):
        self.draw = ImageDraw.Draw(image)
        self.scale = image.width / UNITS_WIDE
        self.mirror = mirror

    def point(self, x: float, y: float) -> Point:
        if self.mirror:
            x = UNITS_WIDE - x
        return (x * self.scale, y * self.scale)

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        (a, b), (c, d) = self.point(x0, y0), self.point(x1, y1)
        return (min(a, c), min(b, d), max(a, c), max(b, d))

    def polygon(self, points: Sequence[Point], fill: RGB, outline: RGB | None = None) -> None:
        self.draw.polygon(
            [self.point(x, y) for x, y in points],
            fill=fill,
            outline=outline,
            width=round(0.5 * self.scale) if outline else 1,
        )

    def rectangle(
        self, x0: float, y0: float, x1: float, y1: float, fill: RGB, radius: float = 0
    ) -> None:
        self.draw.rounded_rectangle(self.box(x0, y0, x1, y1), radius=radius * self.scale, fill=fill)

    def ellipse(self, x0: float, y0: float, x1: float, y1: float, fill: RGB) -> None:
        self.draw.ellipse(self.box(x0, y0, x1, y1), fill=fill)

    def pieslice(
        self, x0: float, y0: float, x1: float, y1: float, start: float, end: float, fill: RGB
    ) -> None:
        self.draw.pieslice(self.box(x0, y0, x1, y1), start, end, fill=fill)

    def line(self, points: Sequence[Point], fill: RGB, width: float) -> None:
        self.draw.line(
            [self.point(x, y) for x, y in points],
            fill=fill,
            width=max(1, round(width * self.scale)),
            joint="curve",
        )

    def arc(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        start: float,
        end: float,
        fill: RGB,
        width: float,
    ) -> None:
        self.draw.arc(
            self.box(x0, y0, x1, y1), start, end, fill=fill, width=max(1, round(width * self.scale))
        )


def _long_sleeved_body(hem: float = 105) -> list[Point]:
    return [
        (36, 20),
        (64, 20),
        (80, 25),
        (88, 40),
        (95, 80),
        (86, 82),
        (78, 52),
        (77, hem),
        (23, hem),
        (22, 52),
        (14, 82),
        (5, 80),
        (12, 40),
        (20, 25),
    ]


def _draw_shirt(p: Painter, colour: RGB, angle: str) -> None:
    dark, darker, light = shade(colour, 0.18), shade(colour, 0.32), shade(colour, -0.35)
    p.polygon(_long_sleeved_body(), colour, outline=darker)
    p.polygon([(86, 82), (95, 80), (94, 74), (85, 76)], dark)
    p.polygon([(14, 82), (5, 80), (6, 74), (15, 76)], dark)
    if angle == "front":
        p.rectangle(48.8, 27, 51.2, 105, dark)
        for y in (34, 46, 58, 70, 82, 94):
            p.ellipse(49.1, y - 0.9, 50.9, y + 0.9, light)
        p.polygon([(38, 18), (50, 28), (45, 31), (35, 21)], dark, outline=darker)
        p.polygon([(62, 18), (50, 28), (55, 31), (65, 21)], dark, outline=darker)
        p.rectangle(57, 40, 69, 53, dark, radius=1)
        p.line([(57, 43), (69, 43)], darker, 0.5)
    else:
        p.polygon([(38, 17), (62, 17), (63, 21), (37, 21)], dark)
        p.line([(21, 32), (79, 32)], dark, 0.8)
        p.line([(50, 32), (50, 40)], darker, 0.6)


def _draw_tshirt(p: Painter, colour: RGB, angle: str) -> None:
    dark, darker = shade(colour, 0.18), shade(colour, 0.32)
    body = [
        (37, 22),
        (63, 22),
        (78, 26),
        (93, 43),
        (82, 53),
        (76, 46),
        (76, 105),
        (24, 105),
        (24, 46),
        (18, 53),
        (7, 43),
        (22, 26),
    ]
    p.polygon(body, colour, outline=darker)
    depth = 30 if angle == "front" else 25
    p.pieslice(40, 22 - (depth - 22), 60, depth, 0, 180, dark)
    p.pieslice(42.5, 22 - (depth - 22) + 1, 57.5, depth - 2, 0, 180, shade(colour, 0.45))
    p.line([(82, 53), (93, 43)], dark, 1.2)
    p.line([(18, 53), (7, 43)], dark, 1.2)
    if angle == "front":
        p.rectangle(56, 40, 65, 50, dark, radius=0.8)


def _draw_jacket(p: Painter, colour: RGB, angle: str) -> None:
    dark, darker = shade(colour, 0.2), shade(colour, 0.35)
    p.polygon([(37, 23), (39, 8), (50, 3), (61, 8), (63, 23)], dark, outline=darker)
    p.polygon(_long_sleeved_body(hem=108), colour, outline=darker)
    p.rectangle(85, 74, 95, 82, dark, radius=0.5)
    p.rectangle(5, 74, 15, 82, dark, radius=0.5)
    if angle == "front":
        p.polygon([(38, 20), (50, 34), (62, 20), (60, 18), (50, 29), (40, 18)], darker)
        p.line([(50, 32), (50, 108)], darker, 0.9)
        p.polygon([(28, 66), (42, 63), (43, 67), (29, 70)], dark, outline=darker)
        p.polygon([(72, 66), (58, 63), (57, 67), (71, 70)], dark, outline=darker)
        p.line([(30, 40), (41, 40)], dark, 0.8)
    else:
        p.polygon([(22, 30), (78, 30), (77, 46), (23, 46)], dark)
        p.line([(23, 100), (77, 100)], dark, 0.8)


def _draw_sweater(p: Painter, colour: RGB, angle: str) -> None:
    dark, darker = shade(colour, 0.18), shade(colour, 0.3)
    p.polygon(_long_sleeved_body(), colour, outline=darker)
    p.rectangle(23, 97, 77, 105, dark)
    p.polygon([(86, 82), (95, 80), (94, 72), (85, 74)], dark)
    p.polygon([(14, 82), (5, 80), (6, 72), (15, 74)], dark)
    for x in range(25, 77, 3):
        p.line([(x, 98), (x, 104)], darker, 0.3)
    depth = 28 if angle == "front" else 24
    p.pieslice(39, 20 - (depth - 20), 61, depth, 0, 180, dark)
    p.pieslice(42, 20 - (depth - 20) + 1, 58, depth - 3, 0, 180, shade(colour, 0.45))
    if angle == "front":
        for y in range(36, 92, 6):
            p.line([(36, y), (38, y + 3), (40, y)], dark, 0.4)
            p.line([(60, y), (62, y + 3), (64, y)], dark, 0.4)


def _draw_trousers(p: Painter, colour: RGB, angle: str) -> None:
    dark, darker = shade(colour, 0.18), shade(colour, 0.32)
    p.polygon(
        [(28, 18), (72, 18), (77, 110), (56, 110), (50, 44), (44, 110), (23, 110)],
        colour,
        outline=darker,
    )
    p.rectangle(28, 12, 72, 19, dark)
    for x in (33, 45, 55, 67):
        p.rectangle(x - 0.6, 11, x + 0.6, 20, darker)
    if angle == "front":
        p.line([(50, 19), (50, 40)], darker, 0.6)
        p.arc(26, 14, 42, 34, 0, 90, darker, 0.6)
        p.arc(58, 14, 74, 34, 90, 180, darker, 0.6)
    else:
        p.rectangle(33, 27, 44, 38, dark, radius=1)
        p.rectangle(56, 27, 67, 38, dark, radius=1)
    p.line([(38, 48), (36, 108)], dark, 0.4)
    p.line([(62, 48), (64, 108)], dark, 0.4)


def _draw_shorts(p: Painter, colour: RGB, angle: str) -> None:
    dark, darker = shade(colour, 0.18), shade(colour, 0.32)
    p.polygon(
        [(26, 38), (74, 38), (81, 86), (55, 88), (50, 62), (45, 88), (19, 86)],
        colour,
        outline=darker,
    )
    p.rectangle(26, 31, 74, 39, dark)
    p.line([(20, 82), (45, 84)], dark, 0.8)
    p.line([(55, 84), (80, 82)], dark, 0.8)
    if angle == "front":
        p.line([(50, 39), (50, 58)], darker, 0.6)
        p.arc(24, 33, 40, 52, 0, 90, darker, 0.6)
        p.arc(60, 33, 76, 52, 90, 180, darker, 0.6)
    else:
        p.rectangle(31, 45, 43, 56, dark, radius=1)
        p.rectangle(57, 45, 69, 56, dark, radius=1)


def _draw_tote(p: Painter, colour: RGB, angle: str) -> None:
    dark, darker = shade(colour, 0.2), shade(colour, 0.35)
    p.arc(32, 14, 50, 62, 180, 360, darker, 2.4)
    p.arc(50, 14, 68, 62, 180, 360, darker, 2.4)
    p.polygon([(20, 40), (80, 40), (84, 106), (16, 106)], colour, outline=darker)
    p.rectangle(20, 40, 80, 45, dark)
    if angle == "front":
        p.rectangle(33, 58, 67, 86, dark, radius=1.5)
        p.line([(33, 63), (67, 63)], darker, 0.5)
    else:
        p.rectangle(44, 90, 56, 98, (140, 96, 60), radius=1)


def _draw_backpack(p: Painter, colour: RGB, angle: str) -> None:
    dark, darker = shade(colour, 0.2), shade(colour, 0.35)
    if angle == "front":
        p.rectangle(25, 22, 75, 108, colour, radius=8)
        p.rectangle(25, 12, 75, 32, dark, radius=4)
        p.rectangle(44, 26, 56, 52, darker, radius=1)
        p.rectangle(32, 62, 68, 102, dark, radius=6)
        p.line([(36, 70), (64, 70)], darker, 0.7)
        p.rectangle(47, 44, 53, 50, (196, 170, 120), radius=0.6)
    else:
        p.rectangle(25, 22, 75, 108, colour, radius=8)
        p.rectangle(25, 12, 75, 32, dark, radius=4)
        p.rectangle(31, 36, 69, 100, dark, radius=5)
        p.rectangle(34, 30, 43, 104, darker, radius=3)
        p.rectangle(57, 30, 66, 104, darker, radius=3)


def _draw_beanie(p: Painter, colour: RGB, angle: str) -> None:
    dark, darker, light = shade(colour, 0.2), shade(colour, 0.35), shade(colour, -0.15)
    p.ellipse(42, 18, 58, 34, light)
    p.pieslice(22, 30, 78, 110, 180, 360, colour)
    p.rectangle(21, 66, 79, 86, dark, radius=2)
    for x in range(24, 78, 3):
        p.line([(x, 68), (x, 84)], darker, 0.4)
    for x in range(28, 74, 4):
        p.line([(x, 68), (x + 2, 40)], dark, 0.3)
    if angle == "front":
        p.rectangle(45, 71, 55, 79, (236, 229, 214), radius=0.5)


def _draw_cap(p: Painter, colour: RGB, angle: str) -> None:
    dark, darker = shade(colour, 0.2), shade(colour, 0.35)
    p.pieslice(24, 40, 76, 110, 180, 360, colour)
    p.line([(50, 40), (50, 75)], dark, 0.5)
    p.line([(37, 43), (32, 75)], dark, 0.5)
    p.line([(63, 43), (68, 75)], dark, 0.5)
    p.ellipse(48, 38, 52, 42, darker)
    if angle == "front":
        p.polygon([(24, 75), (76, 75), (94, 80), (76, 84), (24, 82)], dark, outline=darker)
    else:
        p.rectangle(24, 73, 76, 78, dark)
        p.pieslice(42, 64, 58, 84, 180, 360, (239, 233, 223))
        p.rectangle(40, 72, 60, 76, darker, radius=0.5)


def _sock(p: Painter, colour: RGB, dx: float, dy: float) -> None:
    dark, darker = shade(colour, 0.2), shade(colour, 0.35)
    outline = [
        (25, 12),
        (45, 12),
        (45, 66),
        (70, 86),
        (72, 95),
        (64, 103),
        (53, 101),
        (27, 80),
    ]
    p.polygon([(x + dx, y + dy) for x, y in outline], colour, outline=darker)
    p.rectangle(25 + dx, 12 + dy, 45 + dx, 24 + dy, dark)
    for x in range(27, 45, 3):
        p.line([(x + dx, 13 + dy), (x + dx, 23 + dy)], darker, 0.35)
    p.polygon(
        [(p_x + dx, p_y + dy) for p_x, p_y in [(64, 103), (72, 95), (70, 87), (60, 96), (55, 101)]],
        dark,
    )
    p.polygon([(x + dx, y + dy) for x, y in [(25.4, 64), (34, 71), (35, 87), (27, 80)]], dark)


def _draw_socks(p: Painter, colour: RGB, angle: str) -> None:
    back = shade(colour, 0.12)
    if angle == "front":
        _sock(p, back, 16, 4)
        _sock(p, colour, 0, 0)
    else:
        _sock(p, back, 0, 4)
        _sock(p, colour, 16, 0)


def _draw_scarf(p: Painter, colour: RGB, angle: str) -> None:
    dark, light = shade(colour, 0.22), shade(colour, -0.3)
    panels = (
        [(28, 8), (52, 8), (56, 98), (32, 98)],
        [(46, 18), (70, 18), (73, 108), (49, 108)],
    )
    order = panels if angle == "front" else panels[::-1]
    for index, panel in enumerate(order):
        fill = colour if index == 1 else dark
        p.polygon(panel, fill, outline=shade(colour, 0.35))
        (x0, y0), (x1, _), (x2, y2), (x3, _) = panel
        for stripe in (0.18, 0.22, 0.78, 0.82):
            y = y0 + (y2 - y0) * stripe
            left = x0 + (x3 - x0) * stripe
            right = x1 + (x2 - x1) * stripe
            p.line([(left, y), (right, y)], light, 0.9)
        for step in range(9):
            x = x3 + (x2 - x3) * (step + 0.5) / 9
            p.line([(x, y2), (x + 0.3, y2 + 6)], fill, 0.5)


DRAWINGS = {
    "shirt": _draw_shirt,
    "tshirt": _draw_tshirt,
    "jacket": _draw_jacket,
    "sweater": _draw_sweater,
    "trousers": _draw_trousers,
    "shorts": _draw_shorts,
    "tote": _draw_tote,
    "backpack": _draw_backpack,
    "beanie": _draw_beanie,
    "cap": _draw_cap,
    "socks": _draw_socks,
    "scarf": _draw_scarf,
}


def product_picture(silhouette: str, colour_hex: str, angle: str) -> Image.Image:
    """A 1280 x 1600 product illustration: the silhouette in `colour_hex`, front or back."""
    width, height = PRODUCT_SIZE
    ground = rgb(BACKGROUNDS[angle])
    canvas = Image.new("RGB", (width * SUPERSAMPLE, height * SUPERSAMPLE), ground)
    painter = Painter(canvas, mirror=angle == "back")
    painter.rectangle(0, 112, 100, 125, shade(ground, 0.04))
    painter.ellipse(18, 109, 82, 115, shade(ground, 0.1))
    DRAWINGS[silhouette](painter, rgb(colour_hex), angle)
    return canvas.reduce(SUPERSAMPLE)


def hero_picture(*, seed: int, colours: Sequence[str]) -> Image.Image:
    """A wide dawn landscape: sky, sun, three mountain ridges, a lake and pines.

    `colours[0]` paints the pines, the others the ridges from far to near.
    """
    rng = random.Random(f"{seed}-hero")
    width, height = HERO_SIZE[0] * SUPERSAMPLE, HERO_SIZE[1] * SUPERSAMPLE
    canvas = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(canvas)
    top, bottom = rgb("#f6e7cf"), rgb("#eab48a")
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=mix(top, bottom, y / height))
    draw.ellipse(
        (width * 0.62, height * 0.22, width * 0.74, height * 0.22 + width * 0.12),
        fill=rgb("#fbf3e4"),
    )
    ridge_colours = [rgb(c) for c in colours[1:]] or [rgb(colours[0])]
    for layer, base in enumerate((0.46, 0.56, 0.66)):
        colour = mix(ridge_colours[layer % len(ridge_colours)], bottom, 0.6 - layer * 0.25)
        points: list[Point] = [(0, height)]
        x = 0.0
        while x <= width:
            points.append((x, height * (base + rng.uniform(-0.09, 0.05))))
            x += width * rng.uniform(0.06, 0.14)
        points += [(width, height * base), (width, height)]
        draw.polygon(points, fill=colour)
    lake_top = height * 0.8
    draw.rectangle((0, lake_top, width, height), fill=mix(rgb("#8fa7b3"), top, 0.25))
    for _ in range(14):
        ripple_y = rng.uniform(lake_top + 8, height - 8)
        x = rng.uniform(0, width * 0.9)
        draw.line(
            [(x, ripple_y), (x + rng.uniform(60, 260), ripple_y)],
            fill=mix(rgb("#8fa7b3"), top, 0.5),
            width=4,
        )
    forest = rgb(colours[0])
    x = -40.0
    while x < width:
        tree_height = rng.uniform(0.16, 0.3) * height
        tree_width = tree_height * rng.uniform(0.32, 0.42)
        base = lake_top + rng.uniform(-6, 10)
        for tier in range(3):
            tier_top = base - tree_height * (1 - tier * 0.22)
            tier_bottom = base - tree_height * (0.42 - tier * 0.2)
            half = tree_width * (0.32 + tier * 0.16)
            draw.polygon(
                [(x, tier_top), (x + half, tier_bottom), (x - half, tier_bottom)], fill=forest
            )
        x += tree_width * rng.uniform(0.45, 1.4)
        if width * 0.3 < x < width * 0.55:
            x += width * 0.05
    return canvas.reduce(SUPERSAMPLE)


def logo_picture(*, name: str, colour: str, background: str) -> Image.Image:
    """The wordmark: a pine in a circle, then the name in capitals."""
    width, height = LOGO_SIZE[0] * SUPERSAMPLE, LOGO_SIZE[1] * SUPERSAMPLE
    ink, ground = rgb(colour), rgb(background)
    canvas = Image.new("RGB", (width, height), ground)
    draw = ImageDraw.Draw(canvas)
    size = height * 0.78
    left, top = height * 0.11, height * 0.11
    draw.ellipse((left, top, left + size, top + size), outline=ink, width=round(size * 0.06))
    centre = left + size / 2
    for tier, (y0, y1, half) in enumerate(
        ((0.18, 0.48, 0.16), (0.32, 0.64, 0.22), (0.46, 0.8, 0.28))
    ):
        del tier
        draw.polygon(
            [
                (centre, top + size * y0),
                (centre + size * half, top + size * y1),
                (centre - size * half, top + size * y1),
            ],
            fill=ink,
        )
    draw.rectangle(
        (centre - size * 0.035, top + size * 0.78, centre + size * 0.035, top + size * 0.88),
        fill=ink,
    )
    font = ImageFont.load_default(size=round(height * 0.4))
    text = name.upper()
    text_left = left + size + height * 0.18
    box = draw.textbbox((0, 0), text, font=font)
    draw.text((text_left, (height - (box[3] - box[1])) / 2 - box[1]), text, font=font, fill=ink)
    return canvas.reduce(SUPERSAMPLE)


def encoded_product_picture(job: tuple[str, str, str, str]) -> tuple[str, EncodedImage]:
    """Draw and encode one pooled picture: `(key, silhouette, colour_hex, angle)`.

    Runs in a worker process, so it touches neither the database nor file storage.
    """
    key, silhouette, colour_hex, angle = job
    return key, encode_image(product_picture(silhouette, colour_hex, angle))
