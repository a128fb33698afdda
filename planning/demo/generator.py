"""Generate a realistic demo retailer, deterministic for a seed. Pure: numpy and pandas only.

The master data comes out as DataFrames; the history as chunks of arrays (indices into the
master data and into the history's weeks), so the loader can stream millions of rows.

How demand is built, per SKU x selling location x week:
    base rate of the style-color x location factor x size share
    x department seasonality x holiday lift x department trend x lifecycle curve
    x promotion or clearance lift, drawn as a negative binomial (overdispersed Poisson).
Sales are demand capped by stock, and stock follows a weekly order-up-to replenishment
with occasional supply disruptions, so the history carries real stock-outs. Those weekly
pieces (lifecycle and clearance curves, the replenishment loop) are in planning.demo.simulation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from planning.demo.catalog import (
    CITIES,
    CLUSTERS,
    COLORS,
    DIVISIONS,
    HOLIDAY_LIFT,
    REGION_NAMES,
    SIZE_RUNS,
    STYLE_WORDS,
    DepartmentSpec,
)
from planning.demo.simulation import (
    FloatArray,
    IntArray,
    changed_positions,
    clearance_discount,
    lifecycle_curve,
    replenish,
)

GRADE_FACTOR = {"A": 1.6, "B": 1.0, "C": 0.6}
ECOMMERCE_FACTOR = 3.0
PROMOTION_DISCOUNT = 0.25
PROMOTION_LIFT = 1.7


@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    divisions: int  # how many of the catalog's divisions
    departments_per_division: int
    classes_per_department: int
    style_colors: int
    stores: int
    regions: int
    dcs: int
    store_carry: dict[str, float]  # probability a store of a grade carries a style-color
    stores_opening_in_history: int = 0
    chunk_style_colors: int = 50


PRESETS: dict[str, Preset] = {
    "small": Preset("small", 2, 2, 2, 50, 5, 2, 1, {"A": 1.0, "B": 1.0, "C": 1.0}),
    "medium": Preset(
        "medium", 5, 4, 4, 1000, 32, 4, 2, {"A": 1.0, "B": 0.85, "C": 0.6}, stores_opening_in_history=2
    ),
    "large": Preset(
        "large", 5, 4, 4, 10_000, 1000, 10, 3, {"A": 0.02, "B": 0.012, "C": 0.008},
        stores_opening_in_history=20, chunk_style_colors=200,
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class HistoryWeeks:
    """The weeks history covers, as the generator needs them (built from planning.calendar)."""

    week_of_year: IntArray  # fiscal week number 1..53 of each history week
    count: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", len(self.week_of_year))


@dataclass(slots=True)
class MasterData:
    divisions: pd.DataFrame  # code, name
    departments: pd.DataFrame  # code, name, division, size_run, season_peak, season_amplitude, growth
    classes: pd.DataFrame  # code, name, department
    subclasses: pd.DataFrame  # code, name, merch_class
    styles: pd.DataFrame  # code, name, subclass, department_index
    style_colors: pd.DataFrame  # see _style_colors
    skus: pd.DataFrame  # code, style_color_index, size, size_order, share
    channels: pd.DataFrame  # code, name, kind
    regions: pd.DataFrame  # code, name, channel
    locations: pd.DataFrame  # see _locations


@dataclass(slots=True)
class HistoryChunk:
    """Sales and stock rows of a batch of style-colors; indices point into MasterData/weeks."""

    sales_sku: IntArray
    sales_location: IntArray
    sales_week: IntArray
    sales_units: IntArray
    sales_retail_cents: IntArray
    sales_cost_cents: IntArray
    sales_markdown_cents: IntArray
    sales_is_promotion: npt.NDArray[np.bool_]
    stock_sku: IntArray
    stock_location: IntArray
    stock_week: IntArray
    stock_on_hand: IntArray
    stock_in_transit: IntArray
    style_colors: int


def generate_master(preset: Preset, weeks: HistoryWeeks, seed: int) -> MasterData:
    rng = np.random.default_rng([seed, 1])
    specs = [
        (division.code, division.name, department)
        for division in DIVISIONS[: preset.divisions]
        for department in division.departments[: preset.departments_per_division]
    ]
    divisions = pd.DataFrame(
        [(d.code, d.name) for d in DIVISIONS[: preset.divisions]], columns=["code", "name"]
    )
    departments = pd.DataFrame(
        {
            "code": [spec.code for _, _, spec in specs],
            "name": [spec.name for _, _, spec in specs],
            "division": [division_code for division_code, _, _ in specs],
            "size_run": [spec.size_run for _, _, spec in specs],
            "mean_price": [spec.mean_price for _, _, spec in specs],
            "season_peak": [spec.season_peak for _, _, spec in specs],
            "season_amplitude": [spec.season_amplitude for _, _, spec in specs],
            "growth": rng.normal(0.04, 0.04, len(specs)),
        }
    )
    classes, subclasses = _classes(preset, [spec for _, _, spec in specs])
    styles, style_colors = _styles(preset, departments, subclasses, weeks, rng)
    skus = _skus(style_colors, departments, rng)
    channels = pd.DataFrame(
        [("STORES", "Stores", "stores"), ("ECOM", "E-commerce", "ecommerce")],
        columns=["code", "name", "kind"],
    )
    regions = pd.DataFrame(
        {
            "code": [f"R{i + 1:02d}" for i in range(preset.regions)],
            "name": [REGION_NAMES[i % len(REGION_NAMES)] for i in range(preset.regions)],
            "channel": "STORES",
        }
    )
    locations = _locations(preset, weeks, rng)
    return MasterData(
        divisions, departments, classes, subclasses, styles, style_colors, skus, channels, regions, locations
    )


def _classes(preset: Preset, specs: Sequence[DepartmentSpec]) -> tuple[pd.DataFrame, pd.DataFrame]:
    class_rows, subclass_rows = [], []
    for spec in specs:
        for number, class_name in enumerate(spec.classes[: preset.classes_per_department], start=1):
            class_code = f"{spec.code}-{number:02d}"
            class_rows.append((class_code, class_name, spec.code))
            subclass_rows.append((f"{class_code}-1", f"{class_name} core", class_code))
            subclass_rows.append((f"{class_code}-2", f"{class_name} fashion", class_code))
    return (
        pd.DataFrame(class_rows, columns=["code", "name", "department"]),
        pd.DataFrame(subclass_rows, columns=["code", "name", "merch_class"]),
    )


def _styles(
    preset: Preset,
    departments: pd.DataFrame,
    subclasses: pd.DataFrame,
    weeks: HistoryWeeks,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Styles with one to three colors each, until the preset's style-color count is reached."""
    department_of_subclass = (
        subclasses["merch_class"]
        .str.slice(0, 3)
        .map({code: index for index, code in enumerate(departments["code"])})
    )
    style_rows: list[tuple[str, str, str, int]] = []
    color_rows: list[tuple[str, int, str, str, float]] = []
    count = 0
    while count < preset.style_colors:
        subclass_index = int(rng.integers(len(subclasses)))
        department_index = int(department_of_subclass.iloc[subclass_index])
        style_code = f"ST{len(style_rows) + 1:06d}"
        word = STYLE_WORDS[int(rng.integers(len(STYLE_WORDS)))]
        style_name = f"{word} {subclasses['name'].iloc[subclass_index].rsplit(' ', 1)[0].lower()}"
        style_rows.append((style_code, style_name, subclasses["code"].iloc[subclass_index], department_index))
        mean_price = float(departments["mean_price"].iloc[department_index])
        retail = max(4.99, float(np.round(np.exp(rng.normal(np.log(mean_price), 0.3)))) - 0.01)
        n_colors = min(int(rng.integers(1, 4)), preset.style_colors - count)
        for color_index in rng.choice(len(COLORS), size=n_colors, replace=False):
            color_code, color_name = COLORS[int(color_index)]
            color_rows.append(
                (f"{style_code}-{color_code}", len(style_rows) - 1, color_code, color_name, retail)
            )
            count += 1
    styles = pd.DataFrame(style_rows, columns=["code", "name", "subclass", "department_index"])
    colors = pd.DataFrame(color_rows, columns=["code", "style_index", "color_code", "color_name", "retail"])
    n = len(colors)
    colors["department_index"] = styles["department_index"].to_numpy()[colors["style_index"].to_numpy()]
    colors["retail_cents"] = np.rint(colors["retail"].to_numpy() * 100).astype(np.int64)
    intake_margin = rng.uniform(0.50, 0.65, n)
    colors["cost_cents"] = np.rint(colors["retail_cents"].to_numpy() * (1 - intake_margin)).astype(np.int64)
    colors = colors.drop(columns=["retail"])
    _lifecycles(colors, weeks, rng)
    slow = rng.random(n) < 0.2
    # Units per location-week at full season for a grade-B store.
    colors["base_rate"] = np.where(slow, rng.uniform(0.03, 0.25, n), np.exp(rng.normal(np.log(1.2), 0.6, n)))
    colors["is_slow_seller"] = slow
    disrupted = rng.random(n) < 0.15
    colors["disruption_start"] = np.where(disrupted, rng.integers(0, weeks.count, n), -1)
    colors["disruption_weeks"] = np.where(disrupted, rng.integers(3, 7, n), 0)
    return styles, colors


def _lifecycles(colors: pd.DataFrame, weeks: HistoryWeeks, rng: np.random.Generator) -> None:
    """Basics sell throughout; seasonal items live one season; new launches arrived lately."""
    n = len(colors)
    draw = rng.random(n)
    lifecycle = np.where(draw < 0.3, "basic", np.where(draw < 0.9, "seasonal", "new"))
    season_starts = np.flatnonzero(np.isin(weeks.week_of_year, [1, 27]))
    starts = season_starts[rng.integers(len(season_starts), size=n)] + rng.integers(-2, 3, n)
    launch = np.where(lifecycle == "basic", -rng.integers(10, 100, n), np.clip(starts, 0, weeks.count - 1))
    new_launch = weeks.count - rng.integers(1, 11, n)
    launch = np.where(lifecycle == "new", new_launch, launch)
    life = rng.integers(16, 31, n)
    exit_week = np.where(lifecycle == "seasonal", launch + life - 1, -1)
    colors["lifecycle"] = lifecycle
    colors["launch_week"] = launch.astype(np.int64)
    # A seasonal item still selling at the end of history has no exit yet.
    colors["exit_week"] = np.where(exit_week >= weeks.count, -1, exit_week).astype(np.int64)
    colors["season_end_week"] = np.where(lifecycle == "seasonal", launch + life - 1, -1).astype(np.int64)


def _skus(colors: pd.DataFrame, departments: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for index, (code, department_index) in enumerate(
        zip(colors["code"], colors["department_index"], strict=True)
    ):
        sizes = SIZE_RUNS[departments["size_run"].iloc[department_index]]
        centre = (len(sizes) - 1) / 2
        curve = np.exp(-(((np.arange(len(sizes)) - centre) / max(centre, 1) * 1.2) ** 2))
        shares = rng.dirichlet(curve / curve.sum() * 60)
        for order, (size, share) in enumerate(zip(sizes, shares, strict=True), start=1):
            rows.append((f"{code}-{size}", index, size, order, float(share)))
    return pd.DataFrame(rows, columns=["code", "style_color_index", "size", "size_order", "share"])


def _locations(preset: Preset, weeks: HistoryWeeks, rng: np.random.Generator) -> pd.DataFrame:
    rows: list[tuple[str, str, str, str, str, str, str, int | None, str, float, int]] = []
    dcs = [f"DC{i + 1}" for i in range(preset.dcs)]
    for i, code in enumerate(dcs):
        rows.append((code, f"Distribution centre {i + 1}", "dc", "", "", "", "", 2_000_000, "", 1.0, -1000))
    grades = rng.choice(["A", "B", "C"], size=preset.stores, p=[0.25, 0.45, 0.30])
    opening = np.full(preset.stores, -1000)
    if preset.stores_opening_in_history:
        newcomers = rng.choice(preset.stores, size=preset.stores_opening_in_history, replace=False)
        opening[newcomers] = rng.integers(weeks.count // 3, weeks.count - 8, size=len(newcomers))
    for i in range(preset.stores):
        city = CITIES[i % len(CITIES)] + ("" if i < len(CITIES) else f" {i // len(CITIES) + 1}")
        region = f"R{i * preset.regions // preset.stores + 1:02d}"  # neighbouring stores share a region
        grade = str(grades[i])
        capacity = int(round({"A": 40_000, "B": 25_000, "C": 15_000}[grade] * rng.uniform(0.8, 1.2), -2))
        factor = GRADE_FACTOR[grade] * float(np.exp(rng.normal(0, 0.2)))
        cluster = CLUSTERS[int(rng.integers(len(CLUSTERS)))]
        rows.append(
            (f"S{i + 1:04d}", city, "store", "STORES", region, grade, cluster, capacity,
             dcs[i % len(dcs)], factor, int(opening[i]))
        )  # fmt: skip
    rows.append(("WEB", "Web shop", "ecommerce", "ECOM", "", "", "", None, dcs[0], ECOMMERCE_FACTOR, -1000))
    return pd.DataFrame(
        rows,
        columns=[
            "code", "name", "kind", "channel", "region", "grade", "cluster", "capacity_units",
            "supplied_by", "demand_factor", "open_week",
        ],
    )  # fmt: skip


def history_chunks(
    master: MasterData, weeks: HistoryWeeks, preset: Preset, seed: int
) -> Iterator[HistoryChunk]:
    """Yield the sales and stock history batch by batch of style-colors."""
    curves = _department_curves(master, weeks, seed)
    n_colors = len(master.style_colors)
    for chunk_number, first in enumerate(range(0, n_colors, preset.chunk_style_colors)):
        rng = np.random.default_rng([seed, 2, chunk_number])
        colors = np.arange(first, min(first + preset.chunk_style_colors, n_colors))
        yield _simulate(master, weeks, preset, curves, colors, rng)


@dataclass(slots=True)
class _Curves:
    demand: FloatArray  # departments x weeks: seasonality x holiday x trend
    promotion: npt.NDArray[np.bool_]  # departments x weeks


def _department_curves(master: MasterData, weeks: HistoryWeeks, seed: int) -> _Curves:
    rng = np.random.default_rng([seed, 3])
    departments = master.departments
    week_of_year = weeks.week_of_year.astype(np.float64)
    peak = departments["season_peak"].to_numpy(np.float64)[:, None]
    amplitude = departments["season_amplitude"].to_numpy(np.float64)[:, None]
    season = 1 + amplitude * np.cos(2 * np.pi * (week_of_year[None, :] - peak) / 52)
    holiday = np.array([HOLIDAY_LIFT.get(int(w), 1.0) for w in weeks.week_of_year])
    elapsed_years = np.arange(weeks.count) / 52
    trend = (1 + departments["growth"].to_numpy()[:, None]) ** elapsed_years[None, :]
    promotion = rng.random((len(departments), weeks.count)) < 0.1
    return _Curves(demand=season * holiday[None, :] * trend, promotion=promotion)


def _simulate(
    master: MasterData,
    weeks: HistoryWeeks,
    preset: Preset,
    curves: _Curves,
    color_indices: IntArray,
    rng: np.random.Generator,
) -> HistoryChunk:
    colors = master.style_colors.iloc[color_indices]
    skus = master.skus
    locations = master.locations
    selling = np.flatnonzero(locations["kind"].to_numpy() != "dc")
    grades = locations["grade"].to_numpy()[selling]
    carry_probability = np.array([preset.store_carry.get(g, 1.0) for g in grades])
    carries = rng.random((len(colors), len(selling))) < carry_probability[None, :]

    # Pairs: one per SKU x carrying location.
    sku_mask = np.isin(skus["style_color_index"].to_numpy(), color_indices)
    chunk_skus = np.flatnonzero(sku_mask)
    local_color = np.searchsorted(color_indices, skus["style_color_index"].to_numpy()[chunk_skus])
    pair_sku_local, pair_location_local = np.nonzero(carries[local_color])
    pair_sku = chunk_skus[pair_sku_local]
    pair_color = local_color[pair_sku_local]
    pair_location = selling[pair_location_local]
    n_pairs, n_weeks = len(pair_sku), weeks.count

    life = lifecycle_curve(colors, n_weeks)  # colors x weeks
    department = colors["department_index"].to_numpy()
    open_week = locations["open_week"].to_numpy()[pair_location]
    is_open = np.arange(n_weeks)[None, :] >= open_week[:, None]
    promotion = curves.promotion[department][pair_color]
    clearance = clearance_discount(colors, n_weeks)[pair_color]
    discount = np.maximum(np.where(promotion, PROMOTION_DISCOUNT, 0.0), clearance)
    lift = np.where(promotion, PROMOTION_LIFT, 1.0) * (1 + 2 * clearance)
    rate = (
        colors["base_rate"].to_numpy()[pair_color, None]
        * locations["demand_factor"].to_numpy()[pair_location, None]
        * skus["share"].to_numpy()[pair_sku, None]
        * curves.demand[department][pair_color]
        * life[pair_color]
        * lift
        * is_open
    )
    # Gamma-mixed Poisson: weekly sales vary more than a plain Poisson would.
    demand = rng.poisson(rate * rng.gamma(4.0, 0.25, size=rate.shape))
    live = rate > 0
    expected = rate / np.maximum(lift, 1.0)  # replenishment plans on regular-price demand
    sales, on_hand, in_transit = replenish(demand, expected, live, colors, pair_color, n_weeks)

    sale_rows = np.nonzero(sales)
    units = sales[sale_rows].astype(np.int64)
    price = colors["retail_cents"].to_numpy()[pair_color[sale_rows[0]]]
    full_price = units * price
    row_discount = discount[sale_rows]
    retail = np.rint(full_price * (1 - row_discount)).astype(np.int64)
    stock_rows = changed_positions(on_hand, in_transit)
    return (
        HistoryChunk(
            sales_sku=pair_sku[sale_rows[0]],
            sales_location=pair_location[sale_rows[0]],
            sales_week=sale_rows[1].astype(np.int64),
            sales_units=units,
            sales_retail_cents=retail,
            sales_cost_cents=units * colors["cost_cents"].to_numpy()[pair_color[sale_rows[0]]],
            sales_markdown_cents=full_price - retail,
            sales_is_promotion=promotion[sale_rows],
            stock_sku=pair_sku[stock_rows[0]],
            stock_location=pair_location[stock_rows[0]],
            stock_week=stock_rows[1].astype(np.int64),
            stock_on_hand=on_hand[stock_rows].astype(np.int64),
            stock_in_transit=in_transit[stock_rows].astype(np.int64),
            style_colors=len(colors),
        )
        if n_pairs
        else _empty_chunk(len(colors))
    )


def _empty_chunk(style_colors: int) -> HistoryChunk:
    empty = np.zeros(0, dtype=np.int64)
    return HistoryChunk(
        empty, empty, empty, empty, empty, empty, empty, np.zeros(0, dtype=bool),
        empty, empty, empty, empty, empty, style_colors,
    )  # fmt: skip


def dc_stock(master: MasterData, weeks: HistoryWeeks, last_weeks: int, seed: int) -> pd.DataFrame:
    """DC on hand per SKU for the last weeks of history: a vendor delivery every six weeks.

    Returns columns sku, location, week, on_hand (indices into master data and weeks).
    """
    rng = np.random.default_rng([seed, 4])
    skus = master.skus
    colors = master.style_colors
    locations = master.locations
    dc_indices = np.flatnonzero(locations["kind"].to_numpy() == "dc")
    sku_color = skus["style_color_index"].to_numpy()
    active = (colors["exit_week"].to_numpy() == -1)[sku_color]
    weekly = (
        colors["base_rate"].to_numpy()[sku_color]
        * skus["share"].to_numpy()
        * float(locations["demand_factor"].to_numpy()[locations["kind"].to_numpy() != "dc"].sum())
        / len(dc_indices)
    )
    frames = []
    first_week = max(weeks.count - last_weeks, 0)
    for dc in dc_indices:
        phase = rng.integers(0, 6, len(skus))
        for t in range(first_week, weeks.count):
            cover = 8 - ((t + phase) % 6)
            on_hand = np.where(active, np.rint(weekly * cover * rng.uniform(0.8, 1.2, len(skus))), 0)
            keep = on_hand > 0
            frames.append(
                pd.DataFrame(
                    {
                        "sku": np.flatnonzero(keep),
                        "location": dc,
                        "week": t,
                        "on_hand": on_hand[keep].astype(np.int64),
                    }
                )
            )
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["sku", "location", "week", "on_hand"])
    )
