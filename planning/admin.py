"""Admin screens for all master data and the users. Large tables use raw ids and skip full counts."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.http import HttpRequest

from planning.models import (
    Channel,
    Department,
    Division,
    FiscalWeek,
    Location,
    MerchClass,
    Region,
    SalesHistory,
    Sku,
    StockPosition,
    Style,
    StyleColor,
    Subclass,
)


@admin.register(FiscalWeek)
class FiscalWeekAdmin(admin.ModelAdmin[FiscalWeek]):
    """Read-only: weeks come from planning.calendar (`manage.py calendar_sync`), never by hand."""

    list_display = ["id", "year", "week", "month", "quarter", "start_date", "end_date"]
    list_filter = ["year", "quarter"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FiscalWeek | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: FiscalWeek | None = None) -> bool:
        return False


class _KeepsHistoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Rows that sales or stock history points at cannot be deleted (PROTECT). Say so by
    hiding Delete, rather than a confirmation page listing tens of thousands of history rows."""

    history_field: str

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and _has_history(self.history_field, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk deletes would list every history row
        return actions


def _has_history(field: str, obj: Any) -> bool:
    return (
        SalesHistory.objects.filter(**{field: obj}).exists()
        or StockPosition.objects.filter(**{field: obj}).exists()
    )


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin[Division]):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ["code", "name", "division"]
    list_filter = ["division"]
    search_fields = ["code", "name"]
    list_select_related = ["division"]
    filter_horizontal = ["planners"]


@admin.register(MerchClass)
class MerchClassAdmin(admin.ModelAdmin[MerchClass]):
    list_display = ["code", "name", "department"]
    list_filter = ["department__division", "department"]
    search_fields = ["code", "name"]
    list_select_related = ["department"]
    autocomplete_fields = ["department"]


@admin.register(Subclass)
class SubclassAdmin(admin.ModelAdmin[Subclass]):
    list_display = ["code", "name", "merch_class"]
    search_fields = ["code", "name"]
    list_select_related = ["merch_class"]
    autocomplete_fields = ["merch_class"]


@admin.register(Style)
class StyleAdmin(admin.ModelAdmin[Style]):
    list_display = ["code", "name", "subclass"]
    search_fields = ["code", "name"]
    list_select_related = ["subclass"]
    autocomplete_fields = ["subclass"]


class SkuInline(admin.TabularInline[Sku, StyleColor]):
    model = Sku
    extra = 0
    fields = ["code", "size", "size_order"]


@admin.register(StyleColor)
class StyleColorAdmin(admin.ModelAdmin[StyleColor]):
    list_display = ["code", "color_name", "style", "retail_price", "unit_cost", "lifecycle", "launch_date"]
    list_filter = ["lifecycle", "style__subclass__merch_class__department"]
    search_fields = ["code", "color_name", "style__name"]
    list_select_related = ["style"]
    autocomplete_fields = ["style"]
    inlines = [SkuInline]


@admin.register(Sku)
class SkuAdmin(_KeepsHistoryAdmin):
    history_field = "sku"
    list_display = ["code", "style_color", "size"]
    search_fields = ["code"]
    list_select_related = ["style_color"]
    autocomplete_fields = ["style_color"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin[Channel]):
    list_display = ["code", "name", "kind"]
    search_fields = ["code", "name"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ["code", "name", "channel"]
    list_filter = ["channel"]
    search_fields = ["code", "name"]


@admin.register(Location)
class LocationAdmin(_KeepsHistoryAdmin):
    history_field = "location"
    list_display = ["code", "name", "kind", "channel", "region", "grade", "cluster", "capacity_units"]
    list_filter = ["kind", "channel", "region", "grade"]
    search_fields = ["code", "name", "cluster"]
    list_select_related = ["channel", "region"]


class _HistoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Millions of rows: exact-code search (an index lookup, not a scan), newest weeks first,
    sorting only where an index serves it, and no COUNT(*) of the whole table."""

    raw_id_fields = ["sku", "location", "fiscal_week"]
    list_select_related = ["sku", "location", "fiscal_week"]
    list_filter = ["fiscal_week__year", "location__kind"]
    search_fields = ["=sku__code", "=location__code"]
    search_help_text = "Exact SKU or location code, e.g. ST000001-BLK-M or S0001."
    ordering = ["-fiscal_week", "location", "sku"]
    sortable_by = ["fiscal_week"]
    show_full_result_count = False
    list_per_page = 50


@admin.register(SalesHistory)
class SalesHistoryAdmin(_HistoryAdmin):
    list_display = [
        "fiscal_week", "location", "sku", "units", "retail_value", "markdown_value", "cost_value",
        "is_promotion",
    ]  # fmt: skip
    list_filter = ["fiscal_week__year", "is_promotion", "location__kind"]


@admin.register(StockPosition)
class StockPositionAdmin(_HistoryAdmin):
    list_display = ["fiscal_week", "location", "sku", "on_hand", "in_transit"]


# --- users ------------------------------------------------------------------------------------
RIGHTS_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


admin.site.unregister(User)


@admin.register(User)
class MerchplanUserAdmin(UserAdmin[User]):
    """Django's user admin, where only a superuser hands out rights. For anyone else (an Admin:
    staff with the user permissions) superuser and staff status, roles (groups) and permissions
    are read-only on every user, their own included, and are not taken from a posted form; and a
    superuser's account can be viewed, not changed, given a new password or deleted."""

    def get_readonly_fields(
        self, request: HttpRequest, obj: User | None = None
    ) -> list[str] | tuple[str, ...]:
        fields = super().get_readonly_fields(request, obj)
        if getattr(request.user, "is_superuser", False):
            return fields
        return [*fields, *RIGHTS_FIELDS]

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.is_superuser and not getattr(request.user, "is_superuser", False):
            return False  # also the password form, which asks for this permission
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.is_superuser and not getattr(request.user, "is_superuser", False):
            return False
        return super().has_delete_permission(request, obj)
