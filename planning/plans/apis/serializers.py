"""The plan API's wire shapes: the fiscal-week field, and the input and output serializers of
plans, versions, lines, cells and the approval flow (the views are beside it)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ErrorBody, StaleRowBody
from planning.api_fields import WeekField
from planning.models import Plan, PlanLine, PlanVersion
from planning.plans.measures import DERIVED, ENTERED, PURCHASED
from planning.plans.negative_receipts import version_negative_receipts

# Entered first, then those kept from purchase orders, then derived, in a stable order.
MEASURES = (*ENTERED, *PURCHASED, *DERIVED)
MAX_CELLS_PER_PATCH = 10_000


class StaleCellBody(StaleRowBody):
    """Someone changed the cell since it was read: their value stands."""

    measure = serializers.CharField()
    current = serializers.CharField(allow_null=True, help_text="Their value, as a decimal string.")
    changed_by = serializers.CharField()
    changed_at = serializers.DateTimeField(allow_null=True)
    row_version = serializers.IntegerField(help_text="The row's version now: read it again, then retry.")


class PromotionCellSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text='"<class_id>:<week_id>:<measure>" (week 0: a line setting).')
    class_id = serializers.IntegerField()
    class_ = serializers.CharField(help_text='The class as the grid names it, e.g. "W-TOP-TEE Tees".')
    week = serializers.CharField(help_text='As the grid shows it, e.g. "FY2026 W45"; "line setting".')
    measure = serializers.CharField()
    measure_label = serializers.CharField()
    base = serializers.CharField(allow_null=True, help_text="The working plan's value at the branch.")
    scenario = serializers.CharField(allow_null=True)
    working = serializers.CharField(allow_null=True, help_text="The working plan's value now.")

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["class"] = fields.pop("class_")  # a Python keyword as a field name
        return fields


class OpenCellsBody(ErrorBody):
    """A 409: cells both the scenario and the working plan changed since the branch: approve
    again with `resolutions` or `resolve_all`."""

    conflicts = PromotionCellSerializer(many=True)


# --- plans and versions ---------------------------------------------------------------------
class PlanVersionSerializer(serializers.ModelSerializer[PlanVersion]):
    """Needs `editable_departments` (ids) in its context; the version's plan loaded with it."""

    plan_name = serializers.CharField(source="plan.name")
    is_editable = serializers.SerializerMethodField(
        help_text="Whether you may change its cells now (a draft of one of your departments)."
    )

    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "plan",
            "plan_name",
            "kind",
            "name",
            "status",
            "is_frozen",
            "branched_from",
            "values_version",
            "totals_version",
            "is_editable",
            "revision",
            "approved_by",
            "approved_at",
        ]

    def get_is_editable(self, version: PlanVersion) -> bool:
        return version.is_editable and version.plan.department_id in self.context["editable_departments"]


class NegativeReceiptWeekSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField(source="line_id")
    merch_class = serializers.CharField(
        source="class_name", help_text='The class line, e.g. "W-TOP-TEE Tees".'
    )
    week = serializers.CharField(source="week_key", help_text='The fiscal week, e.g. "2025-W04".')
    receipts = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Planned receipts, below 0."
    )
    eop = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="The stock target (EOP).")
    left_by_sales = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="BOP - sales - markdowns - shrink: above the target."
    )


class PlanVersionWarningsSerializer(PlanVersionSerializer):
    """A version with the weeks a planner and an approver are warned about."""

    negative_receipts = serializers.SerializerMethodField(
        help_text="Class-weeks whose stock target is below what the week's sales leave, so planned "
        "receipts are negative. A warning: the version can still be submitted and approved."
    )

    class Meta(PlanVersionSerializer.Meta):
        fields = [*PlanVersionSerializer.Meta.fields, "negative_receipts"]

    @extend_schema_field(NegativeReceiptWeekSerializer(many=True))
    def get_negative_receipts(self, version: PlanVersion) -> list[dict[str, Any]]:
        weeks = version_negative_receipts(version).weeks
        return list(NegativeReceiptWeekSerializer(weeks, many=True).data)


class PlanSerializer(serializers.ModelSerializer[Plan]):
    department = serializers.CharField(source="department.code")
    scope = serializers.CharField(source="scope_label", help_text="Total company, a channel or a region.")
    first_week = serializers.IntegerField(source="first_week_id", help_text="FiscalWeek id, e.g. 202501.")
    last_week = serializers.IntegerField(source="last_week_id", help_text="FiscalWeek id, e.g. 202552.")
    versions = PlanVersionSerializer(many=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "name",
            "department",
            "scope",
            "first_week",
            "last_week",
            "exhaustion",
            "growth_percent",
            "created_at",
            "versions",
        ]


class PlanLineSerializer(serializers.ModelSerializer[PlanLine]):
    class_code = serializers.CharField(source="merch_class.code", allow_null=True, default=None)
    class_name = serializers.CharField(source="merch_class.name", allow_null=True, default=None)

    class Meta:
        model = PlanLine
        fields = ["id", "position", "class_code", "class_name", "method", "opening_stock", "turn"]


# --- cells ----------------------------------------------------------------------------------
class PlanCellSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField()
    week = WeekField()
    measure = serializers.ChoiceField(choices=MEASURES)
    value = serializers.CharField(allow_null=True, help_text="A decimal string; null where undefined.")
    row_version = serializers.IntegerField(help_text="Name it when you change a cell of this row.")
    is_entered = serializers.BooleanField(
        help_text="The planner enters this value on this line (PATCH takes it); false where it is derived."
    )


class CellQuerySerializer(serializers.Serializer[Any]):
    line = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Line ids (repeat for several)."
    )
    measure = serializers.MultipleChoiceField(
        choices=MEASURES, required=False, help_text="Measures (repeat for several); all by default."
    )
    week_from = WeekField(required=False)
    week_to = WeekField(required=False)


class CellEditSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField()
    week = WeekField()
    measure = serializers.ChoiceField(
        choices=list(ENTERED),
        error_messages={"invalid_choice": f'"{{input}}" is not entered; enter one of {", ".join(ENTERED)}.'},
    )
    value = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text='The new value as a decimal string, e.g. "4.5".'
    )
    row_version = serializers.IntegerField(min_value=1, help_text="The row version you read the cell at.")


class CellsPatchSerializer(serializers.Serializer[Any]):
    """Changes to entered cells, saved all or nothing."""

    cells = CellEditSerializer(many=True, allow_empty=False)

    # Never partial: the body is a list of changes, not part of a resource, so `cells` stays
    # required (drf-spectacular sets `partial` on PATCH bodies, which drops `required`).
    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        """Ignored: never partial."""

    def validate_cells(self, cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(cells) > MAX_CELLS_PER_PATCH:
            raise serializers.ValidationError(f"Send at most {MAX_CELLS_PER_PATCH:,} cells at a time.")
        return cells


class CellsUpdatedSerializer(serializers.Serializer[Any]):
    values_version = serializers.IntegerField()
    totals_version = serializers.IntegerField()
    cells = PlanCellSerializer(many=True, help_text="Every cell of the edited lines, all weeks.")


# --- versions: approval flow and scenarios ----------------------------------------------------
class RejectSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True, max_length=2000, help_text="Why; required.")


class ApproveSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(
        allow_blank=True, default="", max_length=2000, help_text="Optional; kept in the plan's trail."
    )
    resolutions = serializers.DictField(
        child=serializers.ChoiceField(choices=["scenario", "working"]),
        default=dict,
        help_text='A scenario\'s conflicts: "<class_id>:<week_id>:<measure>" -> "scenario" or "working".',
    )
    resolve_all = serializers.ChoiceField(
        choices=["scenario", "working"],
        allow_null=True,
        default=None,
        help_text="The value that wins in every conflict without a resolution of its own.",
    )


class BranchSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(allow_blank=True, max_length=80, help_text="The scenario's name.")
