"""Admin screens for open-to-buy. Vendors are master data and editable; budgets, orders,
exceptions, markdowns, price changes and decisions come from the services' workflows (approval,
OTB checks, audit trail), so the admin only reads them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from otb.models import (
    MarkdownItem,
    MarkdownProposal,
    OTBBudget,
    OTBBudgetMonth,
    OTBException,
    PriceChange,
    PurchaseOrder,
    PurchaseOrderLine,
    Vendor,
)


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin[Vendor]):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class _ReadOnly:
    """No add, change or delete: the workflow's services are the only writers."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OTBBudgetMonthInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = OTBBudgetMonth
    fields = ["month_key", "receipts_retail", "receipts_cost", "receipts_units"]
    readonly_fields = ["month_key", "receipts_retail", "receipts_cost", "receipts_units"]
    extra = 0


@admin.register(OTBBudget)
class OTBBudgetAdmin(_ReadOnly, admin.ModelAdmin[OTBBudget]):
    list_display = ["department", "fiscal_year", "number", "status", "created_by", "decided_by", "decided_at"]
    list_filter = ["status", "fiscal_year"]
    list_select_related = ["department", "created_by", "decided_by"]
    inlines = [OTBBudgetMonthInline]


class PurchaseOrderLineInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = PurchaseOrderLine
    fields = [
        "sku",
        "location",
        "units",
        "unit_cost",
        "unit_retail",
        "receipt_week",
        "received_units",
        "status",
    ]
    readonly_fields = [
        "sku",
        "location",
        "units",
        "unit_cost",
        "unit_retail",
        "receipt_week",
        "received_units",
        "status",
    ]
    extra = 0


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(_ReadOnly, admin.ModelAdmin[PurchaseOrder]):
    list_display = ["number", "vendor", "department", "status", "created_by", "created_at"]
    list_filter = ["status"]
    list_select_related = ["vendor", "department", "created_by"]
    search_fields = ["number"]
    show_full_result_count = False
    inlines = [PurchaseOrderLineInline]


@admin.register(OTBException)
class OTBExceptionAdmin(_ReadOnly, admin.ModelAdmin[OTBException]):
    list_display = [
        "order",
        "department",
        "month_key",
        "requested_retail",
        "available_retail",
        "status",
        "reason",
        "requested_by",
        "decided_by",
    ]
    list_filter = ["status", "reason"]
    list_select_related = ["order", "department", "requested_by", "decided_by"]


class MarkdownItemInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = MarkdownItem
    fields = [
        "style_color",
        "current_price",
        "new_price",
        "units_affected",
        "projected_units",
        "markdown_cost",
    ]
    readonly_fields = [
        "style_color",
        "current_price",
        "new_price",
        "units_affected",
        "projected_units",
        "markdown_cost",
    ]
    extra = 0


@admin.register(MarkdownProposal)
class MarkdownProposalAdmin(_ReadOnly, admin.ModelAdmin[MarkdownProposal]):
    list_display = ["name", "department", "effective_week", "status", "created_by", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["department", "effective_week", "created_by", "decided_by"]
    inlines = [MarkdownItemInline]


@admin.register(PriceChange)
class PriceChangeAdmin(_ReadOnly, admin.ModelAdmin[PriceChange]):
    list_display = [
        "style_color",
        "effective_week",
        "old_price",
        "new_price",
        "proposal",
        "changed_by",
        "changed_at",
    ]
    list_select_related = ["style_color", "effective_week", "proposal", "changed_by"]
    raw_id_fields = ["style_color"]
    show_full_result_count = False
