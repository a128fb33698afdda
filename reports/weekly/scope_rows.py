"""The weekly report's rows: the company, each channel, each department followed by its classes,
each with its period flows against plan and last year (`_period`) and its stock figures
(`stock_figures`), from the frames the reads gave."""

from __future__ import annotations

import pandas as pd

from reports import figures
from reports.report_types import PERIODS, PeriodFigures, Ratio, ScopeRow
from reports.weekly.cube import Cube, actual_sum, plan_sum, versus
from reports.weekly.reads import MONEY, PLAN_COLUMNS, Calendar, Hierarchy, Plans
from reports.weekly.stock_figures import stock_figures


def _scopes(tree: Hierarchy) -> list[tuple[str, str, str, str, str]]:
    """(key, level, code, name, parent) in the report's order: company, channels, each department
    followed by its classes."""
    scopes = [("company", "company", "", "Company", "")]
    for pk, (code, name) in sorted(tree.channels.items(), key=lambda item: item[1][0]):
        scopes.append((f"channel:{pk}", "channel", code, name, ""))
    for pk, (code, name) in sorted(tree.departments.items(), key=lambda item: item[1][0]):
        scopes.append((f"department:{pk}", "department", code, name, ""))
        for class_pk, (class_code, class_name, dept) in sorted(
            tree.classes.items(), key=lambda item: item[1][0]
        ):
            if dept == pk:
                scopes.append((f"class:{class_pk}", "class", class_code, class_name, code))
    return scopes


def scope_rows(
    cal: Calendar, tree: Hierarchy, sales: pd.DataFrame, stock: pd.DataFrame, plan: Plans, notes: list[str]
) -> list[ScopeRow]:
    sales_cube = Cube(sales, [*MONEY, "units"])
    plan_cubes = {
        kind: Cube(
            plan.frame[plan.frame["kind"] == kind] if not plan.frame.empty else plan.frame, PLAN_COLUMNS
        )
        for kind in ("op", "wp")
    }
    unplanned = [tree.departments[pk][0] for pk in tree.departments if pk not in plan.departments]
    if unplanned:
        named = ", ".join(sorted(unplanned)[:8]) + (", ..." if len(unplanned) > 8 else "")
        notes.append(
            f"No plan for {len(unplanned)} of {len(tree.departments)} departments ({named}): their plan "
            "columns are blank, and so are the company's (a plan total of some departments against the "
            "whole company's sales would mislead)."
        )
    rows: list[ScopeRow] = []
    recent = cal.ty[-figures.WOS_WEEKS :]
    for key, level, code, name, parent in _scopes(tree):
        row_notes: list[str] = []
        if level == "channel":
            row_notes.append("Plans are by department for the whole company: no plan by channel.")
        if level in ("department", "class"):
            dept_pk = (
                int(key.split(":")[1]) if level == "department" else tree.classes[int(key.split(":")[1])][2]
            )
            if dept_pk not in plan.departments:
                row_notes.append("No plan covers this week.")
            elif dept_pk not in plan.with_op:
                row_notes.append("No approved original plan (OP) yet.")
        plans_here = plan_cubes if is_planned(key, level, plan, tree) else {}
        periods = {period: _period(cal, sales_cube, plans_here, key, period) for period in PERIODS}
        rows.append(
            ScopeRow(
                level=level,
                code=code,
                name=name,
                parent=parent,
                periods=periods,
                **stock_figures(cal, key, sales_cube, plans_here, stock, recent),
                notes=tuple(row_notes),
            )
        )
    return rows


def is_planned(key: str, level: str, plan: Plans, tree: Hierarchy) -> bool:
    """Whether a row has plan figures: a planned department or class; the company only when every
    department is planned (a partial total against the whole company's actuals would mislead);
    never a channel (plans are by department)."""
    if level == "channel":
        return False
    if level == "company":
        return bool(tree.departments) and set(tree.departments) <= plan.departments
    department = int(key.split(":")[1]) if level == "department" else tree.classes[int(key.split(":")[1])][2]
    return department in plan.departments


def _period(cal: Calendar, sales: Cube, plan: dict[str, Cube], key: str, period: str) -> PeriodFigures:
    weeks = cal.periods[period]
    ly_weeks = [cal.ly[w] for w in weeks if w in cal.ly]
    ty = {column: actual_sum(sales, key, weeks, column) for column in MONEY}
    ly = {column: actual_sum(sales, key, ly_weeks, column) if ly_weeks else None for column in MONEY}
    op = {
        column: plan_sum(plan, key, "op", weeks, column) for column in ("sales", "markdowns", "gross_margin")
    }
    wp = {
        column: plan_sum(plan, key, "wp", weeks, column) for column in ("sales", "markdowns", "gross_margin")
    }
    margin_ty = ty["sales"] - ty["cost"]
    margin_ly = None if ly["sales"] is None else ly["sales"] - (ly["cost"] or 0.0)
    return PeriodFigures(
        sales=versus(ty["sales"], op["sales"], wp["sales"], ly["sales"]),
        gross_margin=versus(margin_ty, op["gross_margin"], wp["gross_margin"], margin_ly),
        gm_percent=Ratio(
            figures.gm_percent(margin_ty, ty["sales"]),
            figures.gm_percent(wp["gross_margin"], wp["sales"]),
            figures.gm_percent(margin_ly, ly["sales"]),
        ),
        markdowns=versus(ty["markdowns"], op["markdowns"], wp["markdowns"], ly["markdowns"]),
        markdown_percent=Ratio(
            figures.markdown_percent(ty["markdowns"], ty["sales"]),
            figures.markdown_percent(wp["markdowns"], wp["sales"]),
            figures.markdown_percent(ly["markdowns"], ly["sales"]),
        ),
    )
