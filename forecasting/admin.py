"""Admin: like items are edited here; runs, snapshots, overrides and imports are read-only
records (they change only through the product's services, which audit them)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from forecasting.models import (
    ForecastOverride,
    ForecastRun,
    ForecastRunLog,
    ForecastRunPartition,
    LikeItem,
    SalesImport,
)


@admin.register(LikeItem)
class LikeItemAdmin(admin.ModelAdmin[LikeItem]):
    list_display = ["style_color", "like"]
    raw_id_fields = ["style_color", "like"]
    search_fields = ["style_color__code", "like__code"]


class _ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _PartitionInline(admin.TabularInline[ForecastRunPartition, ForecastRun]):
    model = ForecastRunPartition
    extra = 0
    can_delete = False
    readonly_fields = ["department", "status", "series_count", "seconds", "error"]


class _LogInline(admin.TabularInline[ForecastRunLog, ForecastRun]):
    model = ForecastRunLog
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "level", "message"]


@admin.register(ForecastRun)
class ForecastRunAdmin(_ReadOnly):
    list_display = [
        "id",
        "as_of_week",
        "horizon",
        "status",
        "trigger",
        "series_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "trigger"]
    inlines = [_PartitionInline, _LogInline]


@admin.register(ForecastOverride)
class ForecastOverrideAdmin(_ReadOnly):
    list_display = ["style_color", "fiscal_week", "units", "reason", "updated_by", "updated_at"]
    list_filter = ["reason"]
    raw_id_fields = ["style_color", "fiscal_week"]
    search_fields = ["style_color__code"]


@admin.register(SalesImport)
class SalesImportAdmin(_ReadOnly):
    list_display = [
        "uploaded_at",
        "file_name",
        "status",
        "rows_total",
        "rows_inserted",
        "rows_updated",
        "uploaded_by",
    ]
    list_filter = ["status"]
