"""Every number of a rendered grid against a hand computation in Decimal: money rounded half up
once (to the cent when stored, to whole units when shown), every percent and ratio computed from
the stored amounts of its column and rounded once, half up, never from a ratio rounded before.

The plan: Tops (Tees and Blouses) over FY2027 W01..W26 at IMU 50% (so GM$ often ends in half a
cent), FWOS targets, sales, markdowns and shrink typed in as cents from a fixed random sequence.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from planning.models import FiscalWeek, PlanLine, PlanVersion, PlanWeek
from planning.plans.compute import run_engine
from planning.plans.services import (
    CellEdit,
    load_block,
    plan_cells_update,
    plan_create,
    version_totals_recompute,
)
from tests.conftest import PASSWORD

D = Decimal
FIRST, LAST = 202701, 202726
MONEY_ROWS = {"sales", "markdowns", "receipts", "bop", "eop", "on_order", "otb"}
PERCENT_ROWS = {"gm_percent", "sell_through"}
RATIO_ROWS = {"wos", "turn"}
DASH = "\u2013"


def _cents(generator: random.Random, low: int, high: int) -> str:
    return f"{D(generator.randint(low, high)) / 100:.2f}"


@pytest.fixture
def typed_plan(planner: User, retailer: dict[str, Any], history: dict[str, Any], spec: Any) -> PlanVersion:
    retailer["tops"].planners.add(planner)
    plan = plan_create(
        user=planner,
        spec=spec("Tops H1 2027", first_week_id=FIRST, last_week_id=LAST, cost_complement=D("0.5")),
    )
    version = plan.versions.get(kind=PlanVersion.Kind.WORKING)
    generator = random.Random(20261207)
    edits = []
    for row in PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False):
        for measure, value in (
            ("sales", _cents(generator, 10_000, 900_000)),
            ("markdowns", _cents(generator, 0, 60_000)),
            ("shrink", _cents(generator, 0, 5_000)),
            ("target", f"{D(generator.randint(20, 80)) / 20}"),
        ):
            edits.append(CellEdit(row.line_id, row.fiscal_week_id, measure, value))
    plan_cells_update(user=planner, version_id=version.pk, edits=edits)
    version_totals_recompute(version.pk)
    return version


def _columns() -> dict[str, list[int]]:
    """Each grid column's key -> its fiscal weeks."""
    weeks = list(FiscalWeek.objects.filter(id__gte=FIRST, id__lte=LAST).order_by("id"))
    columns: dict[str, list[int]] = defaultdict(list)
    for week in weeks:
        columns[f"{week.year}-W{week.week:02d}"].append(week.pk)
        columns[f"M{week.month}"].append(week.pk)
        columns[f"Q{week.quarter}"].append(week.pk)
        columns["season"].append(week.pk)
    return columns


def _shown(value: Decimal | None, places: int, suffix: str = "") -> str:
    if value is None:
        return DASH
    return f"{value.quantize(D(1).scaleb(-places), ROUND_HALF_UP):,}{suffix}"


def _expected(measure: str, rows: list[dict[str, Any]]) -> str:
    """The cell by hand from the stored rows of its weeks (in week order)."""

    def total(name: str) -> Decimal:
        return sum((row[name] for row in rows), D(0))

    sales, weeks = total("sales"), len(rows)
    opening, closing = rows[0]["bop"], rows[-1]["eop"]
    if measure in MONEY_ROWS:
        amount = opening if measure == "bop" else closing if measure == "eop" else total(measure)
        return _shown(amount, 0)
    if measure == "gm_percent":
        return _shown(total("gross_margin") * 100 / sales if sales else None, 1, "%")
    if measure == "sell_through":
        available = opening + total("receipts")
        return _shown(sales * 100 / available if available > 0 else None, 1, "%")
    if measure == "wos":
        return _shown(closing / (sales / weeks) if sales else None, 1)
    average = (opening + total("eop")) / (weeks + 1)  # turn
    return _shown(sales / average * 52 / weeks if average > 0 else None, 1)


def test_every_money_percent_and_ratio_cell_is_rounded_once_half_up(
    typed_plan: PlanVersion, planner: User
) -> None:
    client = Client()
    assert client.login(username=planner.get_username(), password=PASSWORD)
    html = client.get(reverse("planning:plan-version", args=[typed_plan.pk])).content.decode()
    shown = {
        (int(line), key, measure): text
        for line, key, measure, text in re.findall(r'<td id="cell-(\d+)-(.+?)-([a-z_]+)"[^>]*>([^<]*)', html)
    }
    stored: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    fields = ("sales", "markdowns", "receipts", "bop", "eop", "on_order", "otb", "gross_margin")
    for line_id, week_id, *values in PlanWeek.objects.filter(line__version=typed_plan).values_list(
        "line_id", "fiscal_week_id", *fields
    ):
        stored[line_id][week_id] = dict(zip(fields, values, strict=True))
    columns = _columns()
    checked, wrong = 0, []
    for (line_id, key, measure), text in shown.items():
        if measure not in MONEY_ROWS | PERCENT_ROWS | RATIO_ROWS:
            continue
        want = _expected(measure, [stored[line_id][week] for week in columns[key]])
        checked += 1
        if text != want:
            wrong.append((line_id, key, measure, text, want))
    # 3 lines (2 classes and the total) x (26 weeks + 6 months + 2 quarters + the season) x 11 rows
    assert checked == 3 * 35 * 11
    assert wrong == []


def test_stored_amounts_are_the_engine_figures_rounded_half_up_to_the_cent(typed_plan: PlanVersion) -> None:
    lines = list(
        PlanLine.objects.filter(version=typed_plan, merch_class__isnull=False).order_by("position", "id")
    )
    block, _ = load_block(typed_plan, [line.pk for line in lines])
    out = run_engine(block, exhaustion=typed_plan.plan.exhaustion, cost_complement=0.5).measures()
    ties, wrong = 0, []
    for row, line_id in enumerate(block.line_ids):
        weeks = PlanWeek.objects.filter(line_id=line_id).order_by("period")
        for week in weeks.values("period", "gross_margin", "bop", "eop", "receipts", "otb"):
            for name in ("gross_margin", "bop", "eop", "receipts", "otb"):
                exact = D(repr(float(out[name][row, week["period"]])))
                ties += exact.as_tuple().exponent == -3 and exact.as_tuple().digits[-1] == 5
                if week[name] != exact.quantize(D("0.01"), ROUND_HALF_UP):
                    wrong.append((line_id, week["period"], name, week[name], exact))
    assert ties > 10  # half cents happen at IMU 50%: the rule is exercised
    assert wrong == []
