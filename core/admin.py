"""Admin: the audit trail is read here, never written or deleted (records come only from the
services, through `core.audit.audit_record`)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ["at", "user", "action", "target_type", "target_label", "department_id"]
    list_filter = ["action", "target_type"]
    search_fields = ["action", "target_label", "user__username", "comment"]
    date_hierarchy = "at"
    list_select_related = ["user", "target_type"]
    readonly_fields = [
        "at", "user", "action", "target_type", "target_id", "target_label", "old", "new", "comment",
        "department_id",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
