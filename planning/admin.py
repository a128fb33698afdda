"""Admin screens for all master data. Large tables use raw ids and skip full counts."""

from django.contrib import admin

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
    list_display = ["id", "year", "week", "month", "quarter", "start_date", "end_date"]
    list_filter = ["year", "quarter"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # derived from planning.calendar; change the calendar setting instead


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
class SkuAdmin(admin.ModelAdmin[Sku]):
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
class LocationAdmin(admin.ModelAdmin[Location]):
    list_display = ["code", "name", "kind", "channel", "region", "grade", "cluster", "capacity_units"]
    list_filter = ["kind", "channel", "region", "grade"]
    search_fields = ["code", "name", "cluster"]
    list_select_related = ["channel", "region"]


class _HistoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    raw_id_fields = ["sku", "location", "fiscal_week"]
    list_select_related = ["sku", "location", "fiscal_week"]
    list_filter = ["location__kind"]
    search_fields = ["sku__code", "location__code"]
    show_full_result_count = False  # millions of rows: skip the COUNT(*)
    list_per_page = 50


@admin.register(SalesHistory)
class SalesHistoryAdmin(_HistoryAdmin):
    list_display = ["sku", "location", "fiscal_week", "units", "retail_value", "cost_value", "is_promotion"]


@admin.register(StockPosition)
class StockPositionAdmin(_HistoryAdmin):
    list_display = ["sku", "location", "fiscal_week", "on_hand", "in_transit"]
