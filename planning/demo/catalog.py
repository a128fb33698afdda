"""Names, size runs and price points of the demo retailer (pure data)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DepartmentSpec:
    code: str
    name: str
    classes: tuple[str, ...]
    size_run: str
    mean_price: float
    season_peak: int  # fiscal week of the seasonal peak (1 = early February)
    season_amplitude: float  # 0 = flat all year


@dataclass(frozen=True, slots=True)
class DivisionSpec:
    code: str
    name: str
    departments: tuple[DepartmentSpec, ...]


SIZE_RUNS: dict[str, tuple[str, ...]] = {
    "apparel": ("XS", "S", "M", "L", "XL"),
    "bottoms": ("26", "28", "30", "32", "34", "36"),
    "kids": ("2", "4", "6", "8", "10", "12"),
    "baby": ("0-3M", "3-6M", "6-12M", "12-24M"),
    "shoes": ("36", "37", "38", "39", "40", "41", "42"),
    "one": ("OS",),
}

DIVISIONS: tuple[DivisionSpec, ...] = (
    DivisionSpec(
        "W",
        "Womenswear",
        (
            DepartmentSpec(
                "W01", "Women's tops", ("Tees", "Blouses", "Knitwear", "Shirts"), "apparel", 24.0, 20, 0.25
            ),
            DepartmentSpec(
                "W02", "Women's bottoms", ("Jeans", "Trousers", "Skirts", "Shorts"), "bottoms", 49.0, 22, 0.2
            ),
            DepartmentSpec(
                "W03", "Dresses", ("Day dresses", "Evening dresses", "Jumpsuits"), "apparel", 69.0, 19, 0.45
            ),
            DepartmentSpec(
                "W04", "Women's outerwear", ("Coats", "Jackets", "Rainwear"), "apparel", 129.0, 42, 0.7
            ),
        ),
    ),
    DivisionSpec(
        "M",
        "Menswear",
        (
            DepartmentSpec(
                "M01", "Men's tops", ("Tees", "Polos", "Shirts", "Sweaters"), "apparel", 29.0, 21, 0.2
            ),
            DepartmentSpec("M02", "Men's bottoms", ("Jeans", "Chinos", "Shorts"), "bottoms", 55.0, 22, 0.2),
            DepartmentSpec(
                "M03", "Men's outerwear", ("Coats", "Jackets", "Gilets"), "apparel", 139.0, 42, 0.7
            ),
            DepartmentSpec(
                "M04", "Suiting", ("Suits", "Blazers", "Formal shirts"), "apparel", 99.0, 14, 0.15
            ),
        ),
    ),
    DivisionSpec(
        "K",
        "Kids",
        (
            DepartmentSpec("K01", "Girls", ("Tops", "Dresses", "Bottoms"), "kids", 19.0, 29, 0.3),
            DepartmentSpec("K02", "Boys", ("Tops", "Bottoms", "Outerwear"), "kids", 21.0, 29, 0.3),
            DepartmentSpec("K03", "Baby", ("Bodysuits", "Sleepwear", "Sets"), "baby", 15.0, 30, 0.1),
        ),
    ),
    DivisionSpec(
        "H",
        "Home",
        (
            DepartmentSpec("H01", "Bedding", ("Duvet covers", "Sheets", "Pillows"), "one", 59.0, 36, 0.2),
            DepartmentSpec("H02", "Bath", ("Towels", "Bath mats", "Accessories"), "one", 19.0, 18, 0.15),
            DepartmentSpec(
                "H03", "Kitchen & dining", ("Tableware", "Glassware", "Linen"), "one", 29.0, 45, 0.3
            ),
        ),
    ),
    DivisionSpec(
        "A",
        "Accessories",
        (
            DepartmentSpec("A01", "Footwear", ("Trainers", "Boots", "Sandals"), "shoes", 79.0, 40, 0.35),
            DepartmentSpec("A02", "Bags", ("Totes", "Backpacks", "Cross-body"), "one", 45.0, 44, 0.25),
            DepartmentSpec(
                "A03", "Jewellery & scarves", ("Earrings", "Necklaces", "Scarves"), "one", 19.0, 46, 0.4
            ),
        ),
    ),
)

COLORS: tuple[tuple[str, str], ...] = (
    ("BLK", "Black"), ("WHT", "White"), ("NVY", "Navy"), ("GRY", "Grey marl"), ("STN", "Stone"),
    ("OLV", "Olive"), ("RST", "Rust"), ("BLS", "Blush"), ("CBT", "Cobalt"), ("ECR", "Ecru"),
    ("CHR", "Charcoal"), ("SGE", "Sage"), ("MUS", "Mustard"), ("BRD", "Burgundy"), ("SKY", "Sky blue"),
)  # fmt: skip

STYLE_WORDS: tuple[str, ...] = (
    "Classic", "Relaxed", "Everyday", "Heritage", "Studio", "Weekend", "Coastal", "Urban", "Essential",
    "Soft", "Tailored", "Vintage", "Linen", "Organic", "Cosy", "Light", "Premium", "Utility",
)  # fmt: skip

CITIES: tuple[str, ...] = (
    "Aldgate", "Brighton", "Cambridge", "Dover", "Exeter", "Falmouth", "Glasgow", "Harrogate", "Ipswich",
    "Jesmond", "Kendal", "Leeds", "Manchester", "Norwich", "Oxford", "Plymouth", "Queensferry", "Reading",
    "Sheffield", "Truro", "Uxbridge", "Veryan", "Wells", "York", "Bath", "Chester", "Derby", "Epsom",
    "Frome", "Guildford", "Hexham", "Inverness", "Kingston", "Lincoln", "Margate", "Newquay",
)  # fmt: skip

REGION_NAMES: tuple[str, ...] = (
    "North", "South", "East", "West", "Midlands", "London", "Scotland", "Wales", "South West", "North East",
)  # fmt: skip

CLUSTERS: tuple[str, ...] = ("Urban", "Suburban", "Tourist", "Outlet")

# Weekly sales lift around the holidays, by fiscal week of year (Black Friday falls in week 43).
HOLIDAY_LIFT: dict[int, float] = {42: 1.15, 43: 1.7, 44: 1.25, 45: 1.35, 46: 1.5, 47: 1.35, 48: 0.85}
