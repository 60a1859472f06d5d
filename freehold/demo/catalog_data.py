"""The demo brand's range: product types, styles, colours and the words its copy is made of.

Plain tables, no randomness: `generate.py` draws from them with a seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass

BRAND = "Northwind"
PARTNER_BRANDS = ("Northwind × Harbour Mills", "Northwind Workshop")


@dataclass(frozen=True)
class Colour:
    name: str
    code: str
    hex: str


COLOURS = {
    colour.name: colour
    for colour in (
        Colour("Navy", "NAV", "#22304d"),
        Colour("Forest", "FOR", "#2f4b39"),
        Colour("Rust", "RUS", "#a5482b"),
        Colour("Sand", "SAN", "#c8b08a"),
        Colour("Charcoal", "CHA", "#3a3b3e"),
        Colour("Oat", "OAT", "#ddd2bb"),
        Colour("Ochre", "OCH", "#c38a2a"),
        Colour("Slate", "SLA", "#5b6f87"),
        Colour("Burgundy", "BUR", "#6b2536"),
        Colour("Olive", "OLI", "#676638"),
        Colour("Grey Marl", "GRY", "#9a9995"),
        Colour("Black", "BLK", "#1c1c1d"),
    )
}


@dataclass(frozen=True)
class Material:
    tag: str
    text: str
    care: str


MATERIALS = {
    material.tag: material
    for material in (
        Material(
            "organic-cotton", "GOTS-certified organic cotton", "Machine wash at 30 °C; line dry."
        ),
        Material("cotton", "Long-staple cotton", "Machine wash at 40 °C; tumble dry low."),
        Material("linen", "European flax linen", "Machine wash at 30 °C; iron while damp."),
        Material(
            "merino", "Mulesing-free 17.5-micron merino wool", "Wool cycle at 30 °C; dry flat."
        ),
        Material("wool", "British wool from Cheviot and Jacob sheep", "Hand wash cold; dry flat."),
        Material("lambswool", "Scottish lambswool", "Hand wash cold; dry flat; store folded."),
        Material(
            "recycled-nylon",
            "Recycled nylon ripstop with a PFC-free finish",
            "Machine wash at 30 °C; re-proof once a season.",
        ),
        Material(
            "recycled-polyester", "Recycled polyester", "Machine wash at 30 °C; do not tumble dry."
        ),
        Material(
            "waxed-canvas",
            "Waxed cotton canvas with vegetable-tanned leather trims",
            "Sponge clean; re-wax every season. Do not wash.",
        ),
    )
}


@dataclass(frozen=True)
class Style:
    noun: str
    silhouette: str
    material: str
    prices: tuple[int, ...]
    season: str = "all-season"
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class MaterialChoice:
    """A value of the Material option, with what it adds to the price and its tag."""

    value: str
    price_delta: int
    tag: str


@dataclass(frozen=True)
class ProductType:
    name: str
    code: str
    hs_code: str
    origins: tuple[str, ...]
    weight_grams: int
    palette: tuple[str, ...]
    styles: tuple[Style, ...]
    sizes: tuple[str, ...] = ()
    size_chance: float = 1.0
    material_choices: tuple[MaterialChoice, ...] = ()
    intros: tuple[str, ...] = ()
    fit: tuple[str, ...] = ()
    detail: str = ""


CLOTHING_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
WAIST_SIZES = ("28", "30", "32", "34", "36", "38")
GARMENT_FITS = (
    "Regular fit: true to size.",
    "Relaxed fit: size down for a closer fit.",
    "Slim fit: size up between sizes.",
)

PRODUCT_TYPES = (
    ProductType(
        name="Shirts",
        code="SH",
        hs_code="620520",
        origins=("PT", "TR", "IN"),
        weight_grams=280,
        palette=("Navy", "Oat", "Slate", "Forest", "Rust"),
        sizes=CLOTHING_SIZES,
        styles=(
            Style(
                "Oxford Shirt",
                "shirt",
                "organic-cotton",
                (69, 79, 85),
                features=("breathable", "machine-washable"),
            ),
            Style(
                "Flannel Shirt", "shirt", "cotton", (79, 89), "autumn-winter", ("machine-washable",)
            ),
            Style("Linen Shirt", "shirt", "linen", (79, 89, 95), "spring-summer", ("breathable",)),
            Style(
                "Chambray Shirt",
                "shirt",
                "organic-cotton",
                (75, 85),
                features=("machine-washable",),
            ),
            Style(
                "Overshirt", "shirt", "wool", (119, 129, 139), "autumn-winter", ("made-in-europe",)
            ),
            Style(
                "Camp Collar Shirt", "shirt", "linen", (69, 79), "spring-summer", ("breathable",)
            ),
        ),
        intros=(
            (
                "The {title} is the shirt we reach for most: {material}, a soft collar and a cut "
                "that layers well under knitwear."
            ),
            (
                "A shirt for long days: the {title} is cut from {material} and finished with "
                "corozo buttons."
            ),
            (
                "Buttoned up for the office or open over a tee at the weekend, the {title} does "
                "both in {material}."
            ),
        ),
        fit=GARMENT_FITS,
    ),
    ProductType(
        name="T-Shirts",
        code="TS",
        hs_code="610910",
        origins=("PT", "TR", "IN"),
        weight_grams=180,
        palette=("Oat", "Black", "Navy", "Olive", "Grey Marl"),
        sizes=CLOTHING_SIZES,
        styles=(
            Style(
                "Pocket Tee",
                "tshirt",
                "organic-cotton",
                (29, 35, 39),
                features=("machine-washable",),
            ),
            Style(
                "Merino Tee",
                "tshirt",
                "merino",
                (59, 65, 69),
                features=("odour-resistant", "quick-dry"),
            ),
            Style(
                "Long Sleeve Tee",
                "tshirt",
                "organic-cotton",
                (39, 45),
                "autumn-winter",
                ("machine-washable",),
            ),
            Style(
                "Heavyweight Tee", "tshirt", "cotton", (35, 39, 45), features=("made-in-europe",)
            ),
            Style("Henley", "tshirt", "cotton", (45, 49), features=("machine-washable",)),
        ),
        intros=(
            (
                "The {title} is a tee with some weight to it: {material}, a collar that keeps its "
                "shape and a hem that stays put."
            ),
            (
                "Worn alone in summer and as a base layer in winter, the {title} is knitted from "
                "{material}."
            ),
        ),
        fit=GARMENT_FITS,
    ),
    ProductType(
        name="Jackets",
        code="JK",
        hs_code="620193",
        origins=("VN", "PT", "LT"),
        weight_grams=750,
        palette=("Forest", "Navy", "Ochre", "Black", "Olive"),
        sizes=CLOTHING_SIZES,
        styles=(
            Style(
                "Rain Shell",
                "jacket",
                "recycled-nylon",
                (169, 189, 219),
                features=("waterproof", "packable", "pfc-free"),
            ),
            Style(
                "Waxed Jacket",
                "jacket",
                "waxed-canvas",
                (229, 259, 289),
                "autumn-winter",
                ("water-repellent", "reinforced-seams"),
            ),
            Style(
                "Down Parka",
                "jacket",
                "recycled-nylon",
                (289, 329, 349),
                "autumn-winter",
                ("windproof", "recycled"),
            ),
            Style(
                "Chore Coat", "jacket", "organic-cotton", (149, 169), features=("reinforced-seams",)
            ),
            Style(
                "Fleece Jacket",
                "jacket",
                "recycled-polyester",
                (99, 119, 129),
                "autumn-winter",
                ("recycled",),
            ),
            Style(
                "Windbreaker",
                "jacket",
                "recycled-nylon",
                (119, 139),
                "spring-summer",
                ("windproof", "packable"),
            ),
        ),
        intros=(
            (
                "The {title} is made for weather that changes its mind: {material}, a hood that "
                "turns with your head and pockets above a hip belt."
            ),
            (
                "Built for the walk to work and the weekend on the coast, the {title} is cut from "
                "{material}."
            ),
            (
                "We tested the {title} through a Scottish winter; it is {material}, with two-way "
                "zips and a storm flap."
            ),
        ),
        fit=GARMENT_FITS,
    ),
    ProductType(
        name="Knitwear",
        code="KN",
        hs_code="611011",
        origins=("PT", "IT", "GB"),
        weight_grams=420,
        palette=("Oat", "Navy", "Forest", "Burgundy", "Grey Marl"),
        sizes=CLOTHING_SIZES,
        material_choices=(
            MaterialChoice("Merino", 0, "merino"),
            MaterialChoice("Lambswool", -10, "lambswool"),
        ),
        styles=(
            Style(
                "Crew Sweater",
                "sweater",
                "merino",
                (99, 119, 129),
                "autumn-winter",
                ("odour-resistant",),
            ),
            Style(
                "Fisherman Sweater",
                "sweater",
                "wool",
                (139, 159),
                "autumn-winter",
                ("made-in-europe",),
            ),
            Style(
                "Cardigan", "sweater", "lambswool", (129, 149), "autumn-winter", ("made-in-europe",)
            ),
            Style(
                "Roll Neck", "sweater", "merino", (119, 129), "autumn-winter", ("odour-resistant",)
            ),
            Style("Quarter Zip", "sweater", "merino", (129, 139), features=("breathable",)),
            Style(
                "Cotton Sweater",
                "sweater",
                "organic-cotton",
                (89, 99),
                "spring-summer",
                ("machine-washable",),
            ),
        ),
        intros=(
            (
                "The {title} is knitted from {material} on fully fashioned frames, so the seams "
                "sit flat."
            ),
            (
                "A sweater to keep for a decade: the {title} in {material}, with ribbed cuffs "
                "that hold their shape."
            ),
        ),
        fit=GARMENT_FITS,
    ),
    ProductType(
        name="Trousers",
        code="TR",
        hs_code="620342",
        origins=("PT", "TR", "TN"),
        weight_grams=520,
        palette=("Sand", "Navy", "Olive", "Charcoal", "Black"),
        sizes=WAIST_SIZES,
        styles=(
            Style(
                "Chinos",
                "trousers",
                "organic-cotton",
                (89, 99, 109),
                features=("machine-washable",),
            ),
            Style("Work Trousers", "trousers", "cotton", (99, 119), features=("reinforced-seams",)),
            Style(
                "Hiking Trousers",
                "trousers",
                "recycled-nylon",
                (119, 129),
                features=("quick-dry", "water-repellent"),
            ),
            Style("Cords", "trousers", "cotton", (99, 109), "autumn-winter", ("machine-washable",)),
            Style(
                "Linen Trousers", "trousers", "linen", (89, 99), "spring-summer", ("breathable",)
            ),
        ),
        intros=(
            (
                "The {title} sit at the waist with a tapered leg: {material}, a gusseted crotch "
                "and deep front pockets."
            ),
            "Trousers that go from the workshop to dinner: the {title}, cut from {material}.",
        ),
        fit=(
            "Inside leg 81 cm; hemmed free of charge on request.",
            "Tapered leg; the waist has 2 cm of give.",
        ),
    ),
    ProductType(
        name="Shorts",
        code="ST",
        hs_code="620343",
        origins=("PT", "TR"),
        weight_grams=300,
        palette=("Sand", "Navy", "Olive", "Slate", "Rust"),
        sizes=WAIST_SIZES,
        styles=(
            Style(
                "Chino Shorts",
                "shorts",
                "organic-cotton",
                (59, 65),
                "spring-summer",
                ("machine-washable",),
            ),
            Style(
                "Trail Shorts",
                "shorts",
                "recycled-nylon",
                (65, 75),
                "spring-summer",
                ("quick-dry", "recycled"),
            ),
            Style(
                "Swim Shorts",
                "shorts",
                "recycled-polyester",
                (55, 65),
                "spring-summer",
                ("quick-dry", "recycled"),
            ),
            Style("Linen Shorts", "shorts", "linen", (59, 69), "spring-summer", ("breathable",)),
        ),
        intros=(
            (
                "The {title} have a 17 cm inseam and an elasticated back: {material}, made for "
                "long summer days."
            ),
            "From the trail to the lake, the {title} in {material} dry before you reach the car.",
        ),
        fit=("17 cm inseam; true to size.", "19 cm inseam; relaxed through the thigh."),
    ),
    ProductType(
        name="Bags",
        code="BG",
        hs_code="420292",
        origins=("DE", "ES", "PT"),
        weight_grams=900,
        palette=("Olive", "Black", "Navy", "Sand", "Rust"),
        material_choices=(
            MaterialChoice("Canvas", 0, "organic-cotton"),
            MaterialChoice("Waxed canvas", 20, "waxed-canvas"),
        ),
        styles=(
            Style("Tote", "tote", "organic-cotton", (39, 45, 49), features=("reinforced-seams",)),
            Style(
                "Rolltop Backpack",
                "backpack",
                "recycled-nylon",
                (129, 149),
                features=("waterproof", "recycled"),
            ),
            Style(
                "Daypack",
                "backpack",
                "waxed-canvas",
                (119, 139),
                features=("water-repellent", "made-in-europe"),
            ),
            Style(
                "Weekender",
                "tote",
                "waxed-canvas",
                (169, 189),
                features=("reinforced-seams", "made-in-europe"),
            ),
            Style("Sling Bag", "backpack", "recycled-nylon", (59, 69), features=("recycled",)),
        ),
        intros=(
            (
                "The {title} carries a laptop, a lunch and a jumper without complaint: "
                "{material}, with a padded base."
            ),
            (
                "Built to be repaired rather than replaced, the {title} is sewn from {material} "
                "in a workshop in Berlin-Wedding."
            ),
        ),
        detail="Capacity: {capacity} litres.",
    ),
    ProductType(
        name="Hats",
        code="HT",
        hs_code="650500",
        origins=("GB", "PT", "IT"),
        weight_grams=90,
        palette=("Rust", "Ochre", "Navy", "Forest", "Charcoal"),
        sizes=("S/M", "L/XL"),
        size_chance=0.4,
        styles=(
            Style(
                "Beanie", "beanie", "merino", (35, 39, 45), "autumn-winter", ("odour-resistant",)
            ),
            Style(
                "Watch Cap", "beanie", "lambswool", (35, 39), "autumn-winter", ("made-in-europe",)
            ),
            Style(
                "Six-Panel Cap",
                "cap",
                "organic-cotton",
                (35, 39),
                "spring-summer",
                ("machine-washable",),
            ),
            Style("Bucket Hat", "cap", "cotton", (39, 45), "spring-summer", ("breathable",)),
        ),
        intros=(
            (
                "The {title} is knitted from {material} with a deep turn-up that covers the ears "
                "on cold mornings."
            ),
            "A hat for the hills and the harbour: the {title} in {material}.",
        ),
    ),
    ProductType(
        name="Socks",
        code="SK",
        hs_code="611594",
        origins=("PT", "IT", "TR"),
        weight_grams=70,
        palette=("Grey Marl", "Rust", "Forest", "Navy", "Ochre"),
        sizes=("36–38", "39–42", "43–46"),
        material_choices=(
            MaterialChoice("Merino", 0, "merino"),
            MaterialChoice("Organic cotton", -5, "organic-cotton"),
        ),
        styles=(
            Style(
                "Hiking Socks",
                "socks",
                "merino",
                (19, 22, 24),
                features=("odour-resistant", "reinforced-seams"),
            ),
            Style(
                "Everyday Socks",
                "socks",
                "organic-cotton",
                (12, 14),
                features=("machine-washable",),
            ),
            Style("Boot Socks", "socks", "wool", (22, 25), "autumn-winter", ("made-in-europe",)),
            Style("Liner Socks", "socks", "merino", (15, 17), features=("quick-dry",)),
        ),
        intros=(
            (
                "The {title} have a cushioned sole and a seamless toe: {material}, reinforced at "
                "the heel."
            ),
            (
                "Socks that last: the {title} are knitted from {material} with nylon at the toe "
                "and heel."
            ),
        ),
    ),
    ProductType(
        name="Accessories",
        code="AC",
        hs_code="611710",
        origins=("GB", "IT", "DE"),
        weight_grams=150,
        palette=("Burgundy", "Ochre", "Navy", "Forest", "Grey Marl"),
        styles=(
            Style(
                "Scarf", "scarf", "lambswool", (59, 69, 79), "autumn-winter", ("made-in-europe",)
            ),
            Style(
                "Neck Gaiter",
                "scarf",
                "merino",
                (29, 35),
                features=("odour-resistant", "quick-dry"),
            ),
            Style(
                "Bandana",
                "scarf",
                "organic-cotton",
                (19, 22),
                "spring-summer",
                ("machine-washable",),
            ),
            Style("Blanket Scarf", "scarf", "wool", (79, 89), "autumn-winter", ("made-in-europe",)),
        ),
        intros=(
            "The {title} is woven from {material} and finished with a hand-knotted fringe.",
            (
                "Wrapped twice or worn loose, the {title} in {material} is the piece that makes a "
                "coat."
            ),
        ),
        detail="Size: {width} × {length} cm.",
    ),
)

# Evocative first words for product names: places, trees, birds and weather of the north.
NAME_WORDS = (
    "Alder",
    "Ash",
    "Aspen",
    "Basalt",
    "Beacon",
    "Birch",
    "Bramble",
    "Cairn",
    "Cedar",
    "Cove",
    "Crest",
    "Drift",
    "Dune",
    "Elm",
    "Ember",
    "Fell",
    "Fern",
    "Fjord",
    "Flint",
    "Gale",
    "Glen",
    "Granite",
    "Harbour",
    "Haven",
    "Heath",
    "Heron",
    "Hollow",
    "Isle",
    "Juniper",
    "Kelp",
    "Kestrel",
    "Larch",
    "Lark",
    "Marsh",
    "Meadow",
    "Moor",
    "Oak",
    "Otter",
    "Pebble",
    "Pier",
    "Pine",
    "Quarry",
    "Ridge",
    "Rowan",
    "Sable",
    "Shore",
    "Sound",
    "Spruce",
    "Summit",
    "Tarn",
    "Tern",
    "Thistle",
    "Tide",
    "Timber",
    "Tor",
    "Tundra",
    "Vale",
    "Willow",
    "Wren",
    "Yarrow",
)
NAME_MODIFIERS = (
    "",
    "",
    "",
    "",
    "Classic",
    "Lightweight",
    "Heavyweight",
    "Relaxed",
    "Everyday",
    "Trail",
    "City",
    "Field",
    "Coastal",
    "Alpine",
    "Harbour-Made",
    "Workshop",
)

FEATURE_SENTENCES = {
    "waterproof": "Taped seams and a 20,000 mm rating keep out a day of steady rain.",
    "windproof": "A tightly woven face fabric stops the wind on exposed ridges.",
    "packable": "It packs into its own pocket, so it can live in your bag until you need it.",
    "breathable": "It breathes on warm days and long walks.",
    "machine-washable": "It goes in the washing machine and comes out ready to wear.",
    "odour-resistant": "Merino resists odour, so it can go days between washes.",
    "quick-dry": "It dries in an hour on a line in the sun.",
    "reinforced-seams": "Stress points are bar-tacked and the main seams triple-stitched.",
    "pfc-free": "The water-repellent finish is free of PFCs.",
    "recycled": "Its fibres come from recycled bottles and fishing nets.",
    "water-repellent": "A water-repellent finish sheds a passing shower.",
    "made-in-europe": "Made in small runs by a family workshop we have worked with for years.",
}

COUNTRY_NAMES = {
    "DE": "Germany",
    "ES": "Spain",
    "GB": "the United Kingdom",
    "IN": "India",
    "IT": "Italy",
    "LT": "Lithuania",
    "PT": "Portugal",
    "TN": "Tunisia",
    "TR": "Türkiye",
    "VN": "Vietnam",
}
