"""Copies of a version: a what-if scenario branched from the working plan, and the clone of
lines and weeks that scenarios and original-plan revisions are made of."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from planning.models import Department, PlanLine, PlanTransition, PlanVersion, PlanWeek
from planning.plans.compute import ENTERED_FIELDS
from planning.plans.measures import DERIVED
from planning.plans.promotion import scenario_base_snapshot
from planning.plans.services.checks import PlanError

Kind = PlanVersion.Kind
Status = PlanVersion.Status


@transaction.atomic
def scenario_branch(*, user: User, version_id: int, name: str) -> PlanVersion:
    """A named what-if copy of a working version (its lines and weeks only)."""
    source = PlanVersion.objects.select_related("plan").get(pk=version_id)
    if source.kind != Kind.WORKING:
        raise PlanError("What-if scenarios branch from the working plan.")
    if not Department.objects.editable_by(user).filter(pk=source.plan.department_id).exists():
        raise PermissionDenied(f"You cannot change plans of {source.plan.department}.")
    name = name.strip()
    if not name:
        raise PlanError("Give the scenario a name.")
    if PlanVersion.objects.filter(plan=source.plan, name=name).exists():
        raise PlanError(f"This plan already has a version named {name!r}.")
    scenario = _clone(source, user, Kind.SCENARIO, name, frozen=False)
    scenario.branched_from = source
    scenario.save(update_fields=["branched_from"])
    scenario_base_snapshot(scenario)  # the base its promotion merges from
    PlanTransition.objects.create(version=scenario, action="branch", to_status=Status.DRAFT, user=user)
    return scenario


def _clone(source: PlanVersion, user: User, kind: str, name: str, *, frozen: bool) -> PlanVersion:
    copy = PlanVersion.objects.create(
        plan=source.plan,
        kind=kind,
        name=name,
        created_by=user,
        is_frozen=frozen,
        status=Status.APPROVED if frozen else Status.DRAFT,
        values_version=source.values_version,
        totals_version=source.totals_version,
        actuals_through_id=source.actuals_through_id,
    )
    old_lines = list(PlanLine.objects.filter(version=source).order_by("pk"))
    new_lines = PlanLine.objects.bulk_create(
        [
            PlanLine(
                version=copy,
                merch_class_id=line.merch_class_id,
                position=line.position,
                method=line.method,
                turn=line.turn,
                opening_stock=line.opening_stock,
            )
            for line in old_lines
        ]
    )
    mapping = {old.pk: new.pk for old, new in zip(old_lines, new_lines, strict=True)}
    columns = [*ENTERED_FIELDS, *DERIVED, "actual_eop"]
    PlanWeek.objects.bulk_create(
        [
            PlanWeek(
                line_id=mapping[row["line_id"]],
                fiscal_week_id=row["fiscal_week_id"],
                period=row["period"],
                updated_by_id=user.pk,
                **{name: row[name] for name in columns},
            )
            for row in PlanWeek.objects.filter(line__version=source).values(
                "line_id", "fiscal_week_id", "period", *columns
            )
        ],
        batch_size=2000,
    )
    return copy
