"""Write paths of targets: one transaction each, checked by role and division, audited.

A target version holds department-month leaves. Typing a division-month value spreads it to
the departments (planning.engine.spread_tree: by their current targets, by last year, or
evenly; cents exact). Ratios are typed as percent and stored as their components: GM % x sales
gives gross margin $, markdown % x sales gives markdowns $; a new sales target keeps the
department's GM % and markdown % (its margin and markdowns move with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import Forbidden, InvalidInput
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, to_cents
from core.versioning import bump, check_version
from planning.engine import spread_tree
from planning.models import TARGET_AMOUNTS, Department, Division, TargetCell, TargetVersion
from planning.roles import ADMIN, MANAGER, user_roles
from planning.targets import figures

MONTHS = range(1, 13)
# Editable spans above the month (fiscal months 1-3 are Q1): a value typed there spreads over
# its months (EOP, a closing figure, sets the span's last month).
SPANS: dict[str, tuple[int, ...]] = {
    **{f"Q{q}": tuple(range(3 * q - 2, 3 * q + 1)) for q in range(1, 5)},
    "H1": tuple(range(1, 7)),
    "H2": tuple(range(7, 13)),
    "FY": tuple(MONTHS),
}
MONEY_MAX = Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES) - Decimal("0.01")  # money_field's
# What a manager types, and the stored amount it sets (ratios: their component).
MEASURES = {
    "sales": "Sales $",
    "gm_percent": "GM %",
    "markdown_percent": "Markdown %",
    "receipts": "Receipts $",
    "eop": "EOP $",
}
RATIO_COMPONENT = {"gm_percent": "gross_margin", "markdown_percent": "markdowns"}
SEEDS = {"last_year": "Last year's actuals", "plans": "The working plans", "empty": "Empty"}
SPREAD_BASES = {"current": "current targets", "reference": "last year", "even": "evenly"}


class TargetError(InvalidInput):
    """Bad input for a target (400), shown next to the field."""


def division_departments(division: Division | int) -> list[Department]:
    return list(Department.objects.filter(division=division).order_by("code"))


def check_manager(user: User, division: Division) -> list[Department]:
    """Targets are a manager's (or admin's), of a division whose departments they all manage."""
    if not user_roles(user) & {MANAGER, ADMIN}:
        raise Forbidden("Only managers set targets.")
    departments = division_departments(division)
    managed = set(Department.objects.editable_by(user).values_list("pk", flat=True))
    if not departments or any(department.pk not in managed for department in departments):
        raise Forbidden(f"You do not manage every department of {division.name}.")
    return departments


def _locked(version_id: int) -> TargetVersion:
    version = (
        TargetVersion.objects.select_for_update().select_related("division").filter(pk=version_id).first()
    )
    if version is None:
        raise TargetError("No such target version.")
    return version


def _check_editable(user: User, version: TargetVersion) -> list[Department]:
    departments = check_manager(user, version.division)
    if not version.is_editable:
        raise TargetError(f"{version.name} is {version.get_status_display().lower()}: it cannot be changed.")
    return departments


def _grown(value: Decimal, growth_percent: Decimal) -> Decimal:
    return to_cents(Decimal(value) * (1 + Decimal(str(growth_percent)) / 100))


def _seed_cells(
    version: TargetVersion, departments: list[Department], seed: str, growth_percent: Decimal
) -> list[TargetCell]:
    ids = [department.pk for department in departments]
    source = {
        "last_year": lambda: figures.last_year_figures(ids, version.fiscal_year),
        "plans": lambda: figures.plan_figures(ids, version.fiscal_year),
        "empty": lambda: figures.target_figures(None),
    }[seed]()
    # A department's month: its classes summed (EOP too: the classes' month-end stock).
    by_month = (
        source.groupby(["department", "month"])[list(TARGET_AMOUNTS)].sum() if not source.empty else None
    )
    cells = []
    for department in departments:
        for month in MONTHS:
            amounts = {name: Decimal(0) for name in TARGET_AMOUNTS}
            if by_month is not None and (department.pk, month) in by_month.index:
                row = by_month.loc[(department.pk, month)]
                amounts = {name: _grown(Decimal(str(row[name])), growth_percent) for name in TARGET_AMOUNTS}
            cells.append(TargetCell(version=version, department=department, month=month, **amounts))
    return cells


@dataclass(frozen=True)
class TargetSpec:
    division_id: int
    fiscal_year: int
    name: str = ""
    seed: str = "last_year"
    growth_percent: Decimal = Decimal(0)


def target_create(*, user: User, spec: TargetSpec) -> TargetVersion:
    """A draft target version for a division and fiscal year, seeded from last year (grown by
    a percentage), from the working plans, or empty."""
    if spec.seed not in SEEDS:
        raise TargetError(f"Seed from one of: {', '.join(SEEDS)}.", field="seed")
    if not Decimal(-100) < spec.growth_percent <= Decimal(1000):
        raise TargetError("Growth is a percentage above -100 and at most 1000.", field="growth_percent")
    division = Division.objects.filter(pk=spec.division_id).first()
    if division is None:
        raise TargetError("No such division.", field="division")
    with transaction.atomic():
        departments = check_manager(user, division)
        number = TargetVersion.objects.filter(division=division, fiscal_year=spec.fiscal_year).count() + 1
        version = TargetVersion.objects.create(
            name=(spec.name.strip() or f"Targets FY{spec.fiscal_year} v{number}")[:80],
            division=division,
            fiscal_year=spec.fiscal_year,
            created_by=user,
        )
        TargetCell.objects.bulk_create(_seed_cells(version, departments, spec.seed, spec.growth_percent))
        seeded = {"seed": spec.seed, "growth_percent": str(spec.growth_percent)}
        audit_record(user, "target.create", version, new=seeded, department=departments[0])
    return version


def _number(text: str, measure: str) -> Decimal:
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation:
        raise TargetError(f"{MEASURES[measure]}: {text!r} is not a number.", field="value") from None
    if not value.is_finite() or value < 0:
        raise TargetError(f"{MEASURES[measure]} cannot be negative.", field="value")
    if measure in RATIO_COMPONENT and value >= 100:
        raise TargetError(f"{MEASURES[measure]} is a percentage below 100.", field="value")
    if value > MONEY_MAX:
        raise TargetError(f"{MEASURES[measure]} is at most {MONEY_MAX:,}.", field="value")
    # Amounts in cents and percentages to 0.01, half up: what is stored is what was typed.
    return to_cents(value)


@dataclass(frozen=True)
class TargetEdit:
    version_id: int
    month: int  # a fiscal month 1..12 (0 with a span)
    measure: str
    value: str
    department_id: int | None = None  # None: the division's, spread to its departments
    by: str = "current"  # how a value spreads: current, reference (last year), even
    seen_version: int | None = None
    span: str = ""  # Q1..Q4, H1, H2, FY: the span's months instead of one month

    @property
    def months(self) -> tuple[int, ...]:
        """The months the edit sets: one, a span's, or a span's last for EOP (closing stock)."""
        months = SPANS[self.span] if self.span else (self.month,)
        return months[-1:] if self.measure == "eop" else months


def _spread_amounts(
    cells: list[TargetCell], field: str, total: Decimal, by: str, last_year: list[float]
) -> None:
    current = [0.0] + [float(getattr(cell, field)) for cell in cells]
    spread = spread_tree(
        float(total),
        current,
        [-1] + [0] * len(cells),
        reference=[0.0, *last_year],
        by=by,  # type: ignore[arg-type]
    )
    for cell, value in zip(cells, spread[1:], strict=True):
        setattr(cell, field, to_cents(Decimal(str(round(float(value), 2)))))


def _set_sales(cell: TargetCell, sales: Decimal) -> None:
    """A new sales target keeps the month's GM % and markdown %."""
    old = cell.sales
    for component in RATIO_COMPONENT.values():
        share = getattr(cell, component) / old if old else Decimal(0)
        setattr(cell, component, to_cents(sales * share))
    cell.sales = sales


def _apply(edit: TargetEdit, cells: list[TargetCell], value: Decimal, last_year: list[float]) -> None:
    """The typed value into `cells` (department-months): a ratio on every one; an amount as is
    into one cell, else spread over them by `edit.by` (flat over the leaves: proportional and
    even spreads give the same leaves whatever the levels between, planning.engine.tree)."""
    if edit.measure in RATIO_COMPONENT:
        for cell in cells:
            setattr(cell, RATIO_COMPONENT[edit.measure], to_cents(cell.sales * value / 100))
    elif len(cells) == 1 and edit.measure == "sales":
        _set_sales(cells[0], value)
    elif len(cells) == 1:
        setattr(cells[0], edit.measure, value)
    elif edit.measure == "sales":
        before = [cell.sales for cell in cells]
        _spread_amounts(cells, "sales", value, edit.by, last_year)
        for cell, old in zip(cells, before, strict=True):
            new, cell.sales = cell.sales, old
            _set_sales(cell, new)
    else:
        _spread_amounts(cells, edit.measure, value, edit.by, last_year)


def _edit_cells(edit: TargetEdit, departments: list[Department]) -> list[TargetCell]:
    cells = TargetCell.objects.select_for_update().filter(version_id=edit.version_id, month__in=edit.months)
    if edit.department_id is not None:
        if edit.department_id not in {department.pk for department in departments}:
            raise TargetError("That department is not in this division.", field="department")
        cells = cells.filter(department_id=edit.department_id)
    found = list(cells.select_related("department").order_by("department__code", "month"))
    if not found:
        raise TargetError("No targets for that month.", field="month")
    return found


def _last_year_of(version: TargetVersion, cells: list[TargetCell], measure: str) -> list[float]:
    """Last year's amount of each department-month cell (the "reference" spread)."""
    field = RATIO_COMPONENT.get(measure, measure)
    frame = figures.last_year_figures(sorted({cell.department_id for cell in cells}), version.fiscal_year)
    by_cell = frame.groupby(["department", "month"])[field].sum() if not frame.empty else {}
    return [float(by_cell.get((cell.department_id, cell.month), 0.0)) for cell in cells]


def _amounts_of(cells: list[TargetCell]) -> dict[str, dict[str, str]]:
    """The cells' amounts by "<department code> M<month>" (the audit's old and new)."""
    return {
        f"{cell.department.code} M{cell.month:02d}": {
            name: str(getattr(cell, name)) for name in TARGET_AMOUNTS
        }
        for cell in cells
    }


def target_cell_set(*, user: User, edit: TargetEdit) -> TargetVersion:
    """Set a department's month, or spread a division's month to its departments, or a span
    (quarter, half, year) of either over its months."""
    if edit.measure not in MEASURES:
        raise TargetError(f"Set one of: {', '.join(MEASURES.values())}.", field="measure")
    if edit.span and edit.span not in SPANS:
        raise TargetError(f"A span is one of: {', '.join(SPANS)}.", field="span")
    if not edit.span and edit.month not in MONTHS:
        raise TargetError("A fiscal month is 1 to 12.", field="month")
    if edit.by not in SPREAD_BASES:
        raise TargetError(f"Spread by one of: {', '.join(SPREAD_BASES)}.", field="by")
    value = _number(edit.value, edit.measure)
    with transaction.atomic():
        version = _locked(edit.version_id)
        departments = _check_editable(user, version)
        check_version(version, edit.seen_version)
        cells = _edit_cells(edit, departments)
        old = _amounts_of(cells)
        last_year = _last_year_of(version, cells, edit.measure) if edit.by == "reference" else []
        _apply(edit, cells, value, last_year or [0.0] * len(cells))
        TargetCell.objects.bulk_update(cells, list(TARGET_AMOUNTS))
        bump(version)
        where = "division" if edit.department_id is None else cells[0].department.code
        typed = {
            "month": edit.span or edit.month,
            "measure": edit.measure,
            "value": str(value),
            "at": where,
            "by": edit.by,
        }
        new = {**typed, "cells": _amounts_of(cells)}
        audit_record(user, "target.change", version, old={"cells": old}, new=new, department=departments[0])
    return version


def target_publish(*, user: User, version_id: int) -> TargetVersion:
    """Make an approved version the division's reference for its year (the one published)."""
    with transaction.atomic():
        version = _locked(version_id)
        # The division's row: two publishes of its year wait for each other (one published).
        Division.objects.select_for_update().get(pk=version.division_id)
        departments = check_manager(user, version.division)
        if version.status != TargetVersion.Status.APPROVED:
            raise TargetError("Only approved targets are published.")
        before = TargetVersion.objects.filter(
            division=version.division, fiscal_year=version.fiscal_year, is_published=True
        ).exclude(pk=version.pk)
        replaced = [str(other) for other in before]
        before.update(is_published=False)
        bump(version, is_published=True, published_at=timezone.now())
        audit_record(
            user, "target.publish", version, old={"published": replaced}, new={"published": str(version)},
            department=departments[0],
        )  # fmt: skip
    return version


def targets_from_plans(*, user: User, division_id: int, fiscal_year: int) -> TargetVersion:
    """Propose targets bottom-up: a draft version holding the working plans' months."""
    return target_create(
        user=user,
        spec=TargetSpec(division_id, fiscal_year, f"From the plans FY{fiscal_year}", seed="plans"),
    )
