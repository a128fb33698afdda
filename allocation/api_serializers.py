"""The allocation API's input and output serializers: runs (with totals and items), lines, the
change to a line, release, transfers and rebalancing suggestions. `allocation.apis` holds the
endpoints that use them."""

from __future__ import annotations

import math
from typing import Any

from django.db.models import F
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from allocation import rebalancing
from allocation.engine import SHORTFALL_TEXT, Shortfall
from allocation.models import AllocationItem, AllocationLine, AllocationRun, Transfer
from core.api_fields import status_field


def _finite(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


class AllocationRunSerializer(serializers.ModelSerializer[AllocationRun]):
    status = status_field(AllocationRun.Status)
    department = serializers.CharField(source="department.code", help_text="Department code.")
    department_id = serializers.IntegerField()
    dc = serializers.CharField(source="dc.code", help_text="The DC the stock comes from.")
    purchase_order = serializers.CharField(
        source="purchase_order.number", allow_null=True, default=None, help_text="Order number (source po)."
    )
    style_colors = serializers.SerializerMethodField()
    like_style_color = serializers.CharField(source="like_style_color.code", allow_null=True, default=None)
    as_of = serializers.IntegerField(source="as_of_id", help_text="The closed fiscal week the run reads.")
    created_by = serializers.CharField(source="created_by.username")
    released_by = serializers.CharField(source="released_by.username", allow_null=True, default=None)
    is_editable = serializers.BooleanField(help_text="A preview (not what-if): lines can change.")
    progress = serializers.IntegerField(source="progress_percent", read_only=True, help_text="0 to 100.")

    class Meta:
        model = AllocationRun
        fields = [
            "id", "name", "status", "progress", "message", "row_version", "is_editable", "department",
            "department_id", "dc", "source", "purchase_order", "style_colors", "cluster", "grade", "demand",
            "like_style_color", "planned_weekly_units", "mode", "holdback", "pack_size", "coverage_weeks",
            "what_if", "as_of", "created_by", "created_at", "finished_at", "released_by", "released_at",
        ]  # fmt: skip

    def get_style_colors(self, run: AllocationRun) -> list[str]:
        """Codes of the run's style-colors."""
        return [style_color.code for style_color in run.style_colors.all()]


class AllocationItemSerializer(serializers.ModelSerializer[AllocationItem]):
    sku = serializers.CharField(source="sku.code", help_text="SKU code.")
    sku_id = serializers.IntegerField()
    left_at_dc = serializers.IntegerField(help_text="available - held back - allocated.")

    class Meta:
        model = AllocationItem
        fields = [
            "id", "sku", "sku_id", "available", "held_back", "allocatable", "allocated", "need",
            "stores_short", "left_at_dc",
        ]  # fmt: skip


class AllocationTotalsSerializer(serializers.Serializer[Any]):
    need = serializers.IntegerField()
    allocated = serializers.IntegerField()
    held_back = serializers.IntegerField()
    left_at_dc = serializers.IntegerField()
    stores_short = serializers.IntegerField(help_text="Stores short of their need in at least one SKU.")
    lines_short = serializers.IntegerField(help_text="SKU x store lines short of their need.")


class AllocationRunDetailSerializer(AllocationRunSerializer):
    totals = serializers.SerializerMethodField()
    items = AllocationItemSerializer(many=True)

    class Meta(AllocationRunSerializer.Meta):
        fields = [*AllocationRunSerializer.Meta.fields, "totals", "items"]

    @extend_schema_field(AllocationTotalsSerializer)
    def get_totals(self, run: AllocationRun) -> dict[str, int]:
        items = list(run.items.all())
        stores_short = (
            AllocationLine.objects.filter(run=run, allocated__lt=F("need")).values("store").distinct().count()
        )
        return {
            "need": sum(item.need for item in items),
            "allocated": sum(item.allocated for item in items),
            "held_back": sum(item.held_back for item in items),
            "left_at_dc": sum(item.left_at_dc for item in items),
            "stores_short": stores_short,
            "lines_short": sum(item.stores_short for item in items),
        }


class AllocationRunCreateSerializer(serializers.Serializer[Any]):
    department = serializers.CharField(help_text="A department id or code (W01) you plan.")
    dc = serializers.CharField(help_text="The DC's id or code.")
    style_colors = serializers.ListField(
        child=serializers.CharField(), allow_empty=False, help_text="Style-color ids or codes."
    )
    source = serializers.CharField(  # type: ignore[assignment]  # the field, not Field.source
        required=False, help_text="dc (DC stock, default) or po (an order)."
    )
    purchase_order = serializers.CharField(required=False, help_text="Source po: the order's id or number.")
    cluster = serializers.CharField(required=False, allow_blank=True, help_text="Only this cluster's stores.")
    grade = serializers.CharField(required=False, allow_blank=True, help_text="Only this grade's stores.")
    demand = serializers.CharField(required=False, help_text="forecast (default), like_item or plan.")
    like_style_color = serializers.CharField(required=False, help_text="Launch: the like item's id or code.")
    planned_weekly_units = serializers.DecimalField(
        max_digits=10, decimal_places=1, required=False, help_text="Launch from the plan: units a week."
    )
    mode = serializers.CharField(required=False, help_text="fill_ratio (default) or wos.")
    holdback = serializers.DecimalField(
        max_digits=4, decimal_places=3, required=False, help_text="Share kept at the DC, 0 to 0.95."
    )
    pack_size = serializers.IntegerField(required=False, help_text="Units a pack, at least 1.")
    coverage_weeks = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, help_text="Weeks of demand to cover, 0.5 to 26."
    )
    what_if = serializers.BooleanField(required=False, help_text="Unlimited supply: shows the full need.")
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)


class AllocationRunQuerySerializer(serializers.Serializer[Any]):
    department = serializers.CharField(required=False, help_text="A department id or code (W01).")
    status = serializers.ChoiceField(choices=AllocationRun.Status.values, required=False)


@extend_schema_field(
    {"type": "string", "description": "Why the store got less than its need, in words (blank if not)."}
)
class AllocationShortfallTextField(serializers.Field):  # type: ignore[type-arg]
    def __init__(self, **options: Any) -> None:
        super().__init__(source="shortfall", read_only=True, **options)

    def to_representation(self, value: int) -> str:
        return SHORTFALL_TEXT[Shortfall(int(value))]


class AllocationLineSerializer(serializers.ModelSerializer[AllocationLine]):
    run = serializers.IntegerField(source="run_id")
    sku = serializers.CharField(source="item.sku.code", help_text="SKU code.")
    store = serializers.CharField(source="store.code", help_text="Store code.")
    fill_rate = serializers.FloatField(help_text="allocated / need (1 without need).")
    projected_wos = serializers.FloatField(
        allow_null=True, help_text="(on hand + in transit + allocated) / weekly demand; null without demand."
    )
    is_edited = serializers.BooleanField(help_text="Changed by hand from the proposal.")
    shortfall = serializers.IntegerField(
        help_text="0 none, 1 no supply, 2 shared, 3 priority, 4 cap, 5 pack."
    )
    shortfall_text = AllocationShortfallTextField()

    class Meta:
        model = AllocationLine
        fields = [
            "id", "run", "sku", "store", "segment", "priority", "presentation_min", "on_hand", "in_transit",
            "weekly_demand", "need", "cap", "proposed", "allocated", "is_edited", "fill_rate",
            "projected_wos", "shortfall", "shortfall_text", "row_version",
        ]  # fmt: skip


class AllocationLineQuerySerializer(serializers.Serializer[Any]):
    sku = serializers.CharField(required=False, help_text="A SKU code.")
    store = serializers.CharField(required=False, help_text="A store code.")


class AllocationLineChangeSerializer(serializers.Serializer[Any]):
    units = serializers.IntegerField(help_text="Units the store gets: whole packs, within its room.")
    row_version = serializers.IntegerField(
        min_value=0, help_text="The line's row_version you read (a change to it meanwhile: 409)."
    )


class AllocationLineEditSerializer(serializers.Serializer[Any]):
    line = AllocationLineSerializer()
    item = AllocationItemSerializer()
    run_version = serializers.IntegerField(help_text="The run's row_version now.")


class AllocationRunVersionSerializer(serializers.Serializer[Any]):
    run_version = serializers.IntegerField(min_value=0, help_text="The run's row_version you read.")


class AllocationReleasedSerializer(serializers.Serializer[Any]):
    transfers = serializers.IntegerField()
    units = serializers.IntegerField()


class AllocationTransferSerializer(serializers.ModelSerializer[Transfer]):
    run = serializers.IntegerField(source="run_id", allow_null=True)
    sku = serializers.CharField(source="sku.code", help_text="SKU code.")
    from_location = serializers.CharField(source="from_location.code")
    to_location = serializers.CharField(source="to_location.code")
    kind = status_field(Transfer.Kind)
    status = status_field(Transfer.Status)
    created_by = serializers.CharField(source="created_by.username")

    class Meta:
        model = Transfer
        fields = [
            "id", "kind", "run", "sku", "from_location", "to_location", "units", "status", "created_by",
            "created_at",
        ]  # fmt: skip


class AllocationTransferQuerySerializer(serializers.Serializer[Any]):
    run = serializers.IntegerField(required=False, help_text="An allocation run id.")
    kind = serializers.ChoiceField(choices=Transfer.Kind.values, required=False)
    sku = serializers.CharField(required=False, help_text="A SKU code.")
    store = serializers.CharField(required=False, help_text="The receiving store's code.")
    status = serializers.ChoiceField(choices=Transfer.Status.values, required=False)


class RebalanceQuerySerializer(serializers.Serializer[Any]):
    department = serializers.CharField(help_text="A department id or code (W01).")
    style_color = serializers.CharField(required=False, help_text="Only this style-color (code).")
    region = serializers.CharField(required=False, help_text="Only the stores of this region (code).")
    min_wos = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=rebalancing.DEFAULT_MIN_WOS,
        help_text="Receivers fill up to it.",
    )
    max_wos = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=rebalancing.DEFAULT_MAX_WOS,
        help_text="Donors keep this much.",
    )
    pack_size = serializers.IntegerField(default=1, help_text="Moves in whole packs of this many units.")


class RebalanceAcceptSerializer(RebalanceQuerySerializer):
    moves = serializers.ListField(
        child=serializers.CharField(), allow_empty=False, help_text="Keys of the suggested moves to accept."
    )


class RebalanceMoveSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="Send it back to accept the move.")
    sku = serializers.CharField(source="sku_code")
    from_store = serializers.CharField(source="from_code")
    to_store = serializers.CharField(source="to_code")
    units = serializers.IntegerField()
    from_wos_before = serializers.SerializerMethodField()
    from_wos_after = serializers.SerializerMethodField()
    to_wos_before = serializers.SerializerMethodField()
    to_wos_after = serializers.SerializerMethodField()

    def get_from_wos_before(self, move: rebalancing.Move) -> float | None:
        """Weeks of supply; null: stock without demand."""
        return _finite(move.from_wos[0])

    def get_from_wos_after(self, move: rebalancing.Move) -> float | None:
        return _finite(move.from_wos[1])

    def get_to_wos_before(self, move: rebalancing.Move) -> float | None:
        return _finite(move.to_wos[0])

    def get_to_wos_after(self, move: rebalancing.Move) -> float | None:
        return _finite(move.to_wos[1])


class RebalanceSuggestionsSerializer(serializers.Serializer[Any]):
    department = serializers.CharField(source="department.code")
    skus = serializers.IntegerField(help_text="SKUs looked at (with stock at the stores).")
    stores = serializers.IntegerField()
    units = serializers.IntegerField()
    moves = RebalanceMoveSerializer(many=True)
