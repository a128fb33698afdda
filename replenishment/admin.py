"""Admin screens for replenishment master data: vendor terms and DC receiving capacities."""

from django.contrib import admin

from replenishment.models import ReceivingCapacity, VendorItem


@admin.register(VendorItem)
class VendorItemAdmin(admin.ModelAdmin[VendorItem]):
    """Vendor terms are master data; the model's validators refuse a negative lead time, an MOQ
    or order multiple below 1."""

    list_display = ["style_color", "vendor", "lead_time_weeks", "moq", "order_multiple", "direct_to_store"]
    list_filter = ["vendor", "direct_to_store"]
    search_fields = ["style_color__code", "vendor__code"]
    list_select_related = ["style_color", "vendor"]
    autocomplete_fields = ["vendor"]
    raw_id_fields = ["style_color"]


@admin.register(ReceivingCapacity)
class ReceivingCapacityAdmin(admin.ModelAdmin[ReceivingCapacity]):
    list_display = ["location", "units_per_week"]
