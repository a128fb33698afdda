"""An open class line's detail in the grid (issue 19's tree below the class): one row per
subclass and, under each, one per channel, for the picked flow (sales, markdowns or units),
with the grid's own columns (weeks, month, quarter and season sums of the leaves). Entered
cells: typing into one spreads it to its leaf-weeks through `planning.detail.edits`."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from planning.detail.reads import detail_read
from planning.models import PlanLeaf, PlanLine, PlanVersion
from planning.plans.grid_cells import format_value
from planning.plans.grid_columns import Column

DETAIL_MEASURES = (("sales", "Sales $"), ("markdowns", "Markdowns $"), ("sales_units", "Sales units"))


@dataclass
class DetailCell:
    text: str
    raw: str
    key: str  # the grid column's key: "2026-W05", "M3", "Q1", "season"
    css: str = ""


@dataclass
class DetailGridRow:
    label: str
    node: str  # the subclass code
    location: str  # the channel code, or "total"
    measure: str
    is_channel: bool
    cells: list[DetailCell] = field(default_factory=list)


def has_detail(version: PlanVersion) -> bool:
    return PlanLeaf.objects.filter(version=version).exists()


def detail_measure(raw: str | None) -> str:
    return raw if raw in dict(DETAIL_MEASURES) else "sales"


def detail_rows(
    version: PlanVersion, line_id: int, columns: list[Column], measure: str
) -> list[DetailGridRow]:
    code = PlanLine.objects.filter(pk=line_id).values_list("merch_class__code", flat=True).first()
    if code is None:
        return []
    within = {"class": code}
    read = {
        location: detail_read(
            version, merch="subclass", location=location, time="week", measures=[measure], within=within
        )
        for location in ("total", "channel")
    }
    names = dict(
        PlanLeaf.objects.filter(version=version, subclass__merch_class__code=code).values_list(
            "subclass__code", "subclass__name"
        )
    )
    by_channel = {(row.merch, row.location): row for row in read["channel"].rows}
    channels = sorted({row.location for row in read["channel"].rows})
    rows = []
    for subclass in read["total"].rows:
        label = f"{subclass.merch} {names.get(subclass.merch, '')}"
        rows.append(_row(label, subclass.merch, "total", measure, subclass.values[measure], columns))
        for channel in channels:
            match = by_channel.get((subclass.merch, channel))
            if match is not None:
                rows.append(
                    _row(
                        channel,
                        subclass.merch,
                        channel,
                        measure,
                        match.values[measure],
                        columns,
                        channel=True,
                    )
                )
    return rows


def _row(
    label: str,
    node: str,
    location: str,
    measure: str,
    weekly: list[Decimal],
    columns: list[Column],
    *,
    channel: bool = False,
) -> DetailGridRow:
    row = DetailGridRow(label, node, location, measure, channel)
    for column in columns:
        value = sum((weekly[p] for p in column.periods), start=Decimal(0))
        text, css = format_value(measure, float(value))
        row.cells.append(DetailCell(text, f"{value}", column.key, f"{css} {column.css}".strip()))
    return row
