"""A submitted plan by fiscal month beside its plan's current OP and last year: what a manager
approves (sales, GM %, receipts, EOP), for a whole inbox in a fixed number of queries.

From the plan-total line, as the grid's plan total shows it: a month's sales, gross margin and
receipts are the sums of its weeks, its EOP the EOP of its last week (of the plan's span), and
GM % = gross margin / sales (kpis.gm_percent_of), shown half up to one place like the grid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum

from core.weeks import month_label, split_month_key
from planning.calendar import MONTH_NAMES
from planning.engine import kpis, rounding
from planning.models import PlanVersion, PlanWeek

Kind = PlanVersion.Kind


@dataclass(frozen=True)
class MonthFigures:
    sales: Decimal
    gm_percent: Decimal | None  # shown percent (51.3), None at zero sales
    receipts: Decimal
    eop: Decimal


@dataclass(frozen=True)
class MonthRow:
    key: int  # fiscal year * 100 + month
    label: str  # "FY2025 M01 Feb"
    plan: MonthFigures
    original: MonthFigures | None
    last_year: MonthFigures | None


@dataclass(frozen=True)
class MonthSummary:
    original: str | None  # "OP r2"; None: the plan has no OP yet
    months: list[MonthRow]


@dataclass
class _Month:
    sales: Decimal = Decimal(0)
    gross_margin: Decimal = Decimal(0)
    receipts: Decimal = Decimal(0)
    eop: Decimal = Decimal(0)
    last_week: int = 0

    def figures(self) -> MonthFigures:
        share = float(kpis.gm_percent_of(float(self.gross_margin), float(self.sales)))
        return MonthFigures(
            sales=self.sales,
            gm_percent=rounding.shown_percent(share) if rounding.is_number(share) else None,
            receipts=self.receipts,
            eop=self.eop,
        )


def month_summaries(versions: Iterable[PlanVersion]) -> dict[int, MonthSummary]:
    """Each version's months beside its plan's current OP revision and LY, by version id.

    Two queries whatever the number of versions: the plans' OPs and LYs, then every week of
    the plan-total lines of all of them, summed in the database by version and week."""
    wanted = {version.pk: version.plan_id for version in versions}
    if not wanted:
        return {}
    originals: dict[int, tuple[int, int, str]] = {}  # plan -> (revision, version id, label)
    last_years: dict[int, int] = {}
    companions = PlanVersion.objects.filter(
        plan_id__in=set(wanted.values()), kind__in=[Kind.ORIGINAL, Kind.LAST_YEAR]
    ).values_list("pk", "plan_id", "kind", "revision")
    for pk, plan_id, kind, revision in companions:
        if kind == Kind.LAST_YEAR:
            last_years[plan_id] = pk
        elif (revision or 0, pk) > originals.get(plan_id, (-1, -1, ""))[:2]:
            originals[plan_id] = (revision or 0, pk, f"OP r{revision}" if revision else "OP")
    ids = {*wanted, *(op[1] for op in originals.values()), *last_years.values()}
    months: dict[int, dict[int, _Month]] = {pk: {} for pk in ids}
    rows = (
        PlanWeek.objects.filter(line__version_id__in=ids, line__merch_class__isnull=True)
        .values("line__version_id", "fiscal_week_id")
        .annotate(
            year=F("fiscal_week__year"),
            month=F("fiscal_week__month"),
            sales_sum=Sum("sales"),
            margin_sum=Sum("gross_margin"),
            receipts_sum=Sum("receipts"),
            eop_sum=Sum("eop"),
        )
        .order_by("line__version_id", "fiscal_week_id")
    )
    for row in rows:
        month = months[row["line__version_id"]].setdefault(row["year"] * 100 + row["month"], _Month())
        month.sales += row["sales_sum"] or 0
        month.gross_margin += row["margin_sum"] or 0
        month.receipts += row["receipts_sum"] or 0
        if row["fiscal_week_id"] > month.last_week:  # the month's EOP is its last week's
            month.eop, month.last_week = row["eop_sum"] or Decimal(0), row["fiscal_week_id"]
    result = {}
    for version_id, plan_id in wanted.items():
        original = originals.get(plan_id)
        op_months = months[original[1]] if original else {}
        ly_months = months.get(last_years.get(plan_id, -1), {})
        result[version_id] = MonthSummary(
            original=original[2] if original else None,
            months=[
                MonthRow(
                    key=key,
                    label=f"{month_label(key)} {MONTH_NAMES[split_month_key(key)[1] - 1]}",
                    plan=month.figures(),
                    original=op_months[key].figures() if key in op_months else None,
                    last_year=ly_months[key].figures() if key in ly_months else None,
                )
                for key, month in sorted(months[version_id].items())
            ],
        )
    return result
