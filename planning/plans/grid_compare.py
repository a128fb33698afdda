"""The plan grid's comparison rows: LY, OP, TY (and WP beside a scenario) sales and EOP per
class, the in-season reforecast, and the variances of this version and TY against them."""

from __future__ import annotations

from datetime import date

import numpy as np
from django.db.models import F, Q

from planning.models import PlanVersion, PlanWeek
from planning.plans.grid_cells import Cell, Row, _label_cells, format_value
from planning.plans.grid_columns import Column, Groups, aggregate_columns

_COMPARE_FORMULAS = {
    "WP": "The working plan's figure",
    "LY": "Last year's actuals, restated: week N of last year",
    "OP": "The original plan (the approved budget): its current revision",
    "TY": "This year's actuals (closed weeks only)",
    "RF": "Reforecast: this year's actuals for the closed weeks, the working plan ahead",
    "TG": "The published targets: the department's month, over its weeks by the plan's weekly sales",
}
_COMPARE = (
    ("WP", PlanVersion.Kind.WORKING),
    ("LY", PlanVersion.Kind.LAST_YEAR),
    ("OP", PlanVersion.Kind.ORIGINAL),
    ("TY", PlanVersion.Kind.ACTUAL),
)


def _comparisons(
    version: PlanVersion, periods: int, today: date, *, class_ids: list[int | None]
) -> dict[int | None, dict[str, dict[str, np.ndarray]]]:
    """Sales and EOP of LY, OP and TY per class (None: the total line), aligned by period."""
    wanted = [
        (label, kind)
        for label, kind in _COMPARE
        if kind != PlanVersion.Kind.WORKING or version.kind != PlanVersion.Kind.WORKING
    ]
    label_of: dict[str, str] = {str(kind): label for label, kind in wanted}
    # "OP" is the current (newest) revision; older ones are not compared with (one query still).
    candidates = list(
        PlanVersion.objects.filter(plan_id=version.plan_id, kind__in=list(label_of))
        .order_by(F("revision").asc(nulls_first=True), "pk")
        .values_list("pk", "kind")
    )
    newest = {kind: version_id for version_id, kind in candidates}
    others = {version_id: label_of[kind] for kind, version_id in newest.items() if version_id != version.pk}
    result: dict[int | None, dict[str, dict[str, np.ndarray]]] = {}
    classes = [class_id for class_id in class_ids if class_id is not None]
    same_lines = (
        Q(line__merch_class_id__in=classes) | Q(line__merch_class__isnull=True)
        if None in class_ids
        else Q(line__merch_class_id__in=classes)
    )
    rows = PlanWeek.objects.filter(same_lines, line__version_id__in=list(others)).values_list(
        "line__version_id", "line__merch_class_id", "period", "sales", "eop", "fiscal_week__end_date"
    )
    for version_id, class_id, period, sales, eop, end in rows:
        label = others[version_id]
        series = result.setdefault(class_id, {}).setdefault(
            label, {"sales": np.full(periods, np.nan), "eop": np.full(periods, np.nan)}
        )
        if label == "TY" and end >= today:
            continue  # actuals exist only for closed weeks
        series["sales"][period] = float(sales)
        series["eop"][period] = float(eop)
    return result


def _with_reforecast(
    version: PlanVersion, values: dict[str, np.ndarray], others: dict[str, dict[str, np.ndarray]]
) -> dict[str, dict[str, np.ndarray]]:
    """Add the in-season reforecast (RF): actuals for the closed weeks, the working plan ahead."""
    working = values if version.kind == PlanVersion.Kind.WORKING else others.get("WP")
    actual = others.get("TY")
    if working is None or actual is None or np.isnan(actual["sales"]).all():
        return others
    reforecast = {
        name: np.where(np.isnan(actual[name]), working[name], actual[name]) for name in ("sales", "eop")
    }
    return {**others, "RF": reforecast}


def _compare_rows(
    measure: str,
    values: dict[str, np.ndarray],
    others: dict[str, dict[str, np.ndarray]],
    columns: list[Column],
    groups: Groups,
) -> list[Row]:
    rows = []
    for label, series in others.items():
        cells = []
        totals = aggregate_columns(measure, {**series, "bop": series["eop"]}, groups)
        known = groups.membership @ (~np.isnan(series[measure])).astype(float)
        for index in range(len(columns)):
            theirs = np.nan if known[index] == 0 else float(totals[index])
            text, css = format_value(measure, theirs)
            cells.append(Cell(text, f"{css} {columns[index].css}".strip()))
        name = "EOP $" if measure == "eop" else "sales $"
        _label_cells(cells, columns)
        rows.append(
            Row(f"{label} {name}", measure, cells, "compare", formula=_COMPARE_FORMULAS.get(label, ""))
        )
    if measure == "sales":
        # Variances: the version shown vs LY and OP (and a scenario vs WP); TY vs LY and OP.
        for label, series in others.items():
            if label != "TY":
                rows.extend(_variance_row("This", label, values["sales"], series["sales"], columns))
        if "TY" in others:
            for label in ("LY", "OP"):
                if label in others:
                    rows.extend(
                        _variance_row("TY", label, others["TY"]["sales"], others[label]["sales"], columns)
                    )
    return rows


def _variance_row(
    own_label: str, label: str, own: np.ndarray, theirs: np.ndarray, columns: list[Column]
) -> list[Row]:
    """Variance of own over theirs in $ and %, on the weeks both have (TY has only closed weeks)."""
    amounts, percents = [], []
    for column in columns:
        periods = np.asarray(column.periods)
        both = ~np.isnan(own[periods]) & ~np.isnan(theirs[periods])
        mine, other = float(own[periods][both].sum()), float(theirs[periods][both].sum())
        difference = mine - other if both.any() else np.nan
        change = difference / other if both.any() and other else np.nan
        text, css = format_value("sales", difference)
        amounts.append(Cell(("+" + text) if difference > 0 else text, f"{css} {column.css}".strip()))
        text, css = format_value("gm_percent", change)
        percents.append(Cell(("+" + text) if change > 0 else text, f"{css} {column.css}".strip()))
    title = f"vs {label}" if own_label == "This" else f"TY vs {label}"
    shown = "this version" if own_label == "This" else "TY"
    _label_cells(amounts, columns)
    _label_cells(percents, columns)
    return [
        Row(f"{title} $", "variance", amounts, "compare variance", formula=f"{title} $ = {shown} - {label}"),
        Row(
            f"{title} %",
            "variance",
            percents,
            "compare variance",
            formula=f"{title} % = ({shown} - {label}) / {label}, over the weeks both have",
        ),
    ]
