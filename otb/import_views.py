"""Purchase order upload: the form, the file format, the last result and the recent imports.

A POST runs `otb.imports.po_import_apply` and redirects to the page (so a reload never uploads
the file twice). Results are kept in the user's session, newest first: the orders written or
the problems that stopped the file; no table of imports. A file beyond the import's limits
(`core.imports`) is refused before it is parsed: the page answers 413 or 422 with the reason
under the form, and nothing is recorded.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.imports import MAX_ERRORS, UploadRefusedError, upload_read
from otb import imports
from planning.roles import ADMIN, MANAGER, PLANNER, user_roles

IMPORT_ROLES = frozenset({PLANNER, MANAGER, ADMIN})
RECENT_IMPORTS = 10
SESSION_KEY = "otb_po_imports"
EXAMPLE = """\
po_number,vendor,department,sku,location,units,unit_cost,unit_retail,receipt_week
PO-1001,V1,W-TOP,ST-1-BLK-S,DC1,120,9.60,24.00,2026-W14
PO-1001,V1,W-TOP,ST-1-BLK-M,DC1,180,9.60,24.00,202614
PO-1002,V2,W-TOP,ST-1-BLK-M,S001,40,9.60,24.00,2026-05-08"""


class POImportForm(forms.Form):
    file = forms.FileField(
        label="Purchase order file (.csv or .xlsx)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    request_exceptions = forms.BooleanField(
        required=False,
        label="Request OTB exceptions for orders over OTB",
        help_text="Orders over OTB wait for a manager's approval instead of stopping the file.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def po_import_page(request: HttpRequest) -> HttpResponse:
    if not user_roles(request.user) & IMPORT_ROLES:
        raise PermissionDenied("Only planners, managers and administrators import purchase orders.")
    is_post = request.method == "POST"
    form = POImportForm(request.POST if is_post else None, request.FILES if is_post else None)
    if form.is_valid():
        upload: UploadedFile = form.cleaned_data["file"]
        try:
            result = imports.po_import_apply(
                user=request.user,  # type: ignore[arg-type]
                file_name=upload.name or "upload",
                content=upload_read(upload, imports.LIMITS),
                request_exceptions=form.cleaned_data["request_exceptions"],
            )
        except UploadRefusedError as refused:
            form.add_error("file", f"Nothing was imported: {refused}")
            return _page(request, form, status=refused.status)
        request.session[SESSION_KEY] = [result.as_dict(), *request.session.get(SESSION_KEY, [])][
            :RECENT_IMPORTS
        ]
        _report(request, result)
        return redirect(reverse("otb:po-import"))
    return _page(request, form, status=400 if form.is_bound else 200)


def _page(request: HttpRequest, form: POImportForm, *, status: int) -> HttpResponse:
    recent: list[dict[str, Any]] = request.session.get(SESSION_KEY, [])
    return render(
        request,
        "otb/imports.html",
        {
            "form": form,
            "shown": recent[0] if recent and not form.is_bound else None,
            "recent": recent,
            "example": EXAMPLE,
            "columns": imports.COLUMNS,
            "max_megabytes": imports.MAX_MEGABYTES,
            "max_errors": MAX_ERRORS,
        },
        status=status,
    )


def _report(request: HttpRequest, result: imports.POImportResult) -> None:
    if result.is_applied:
        count = len(result.orders)
        lines = sum(order.lines for order in result.orders)
        awaiting = sum(order.status == "awaiting" for order in result.orders)
        waiting = f", {awaiting} awaiting a manager's OTB approval" if awaiting else ""
        messages.success(
            request,
            f"Imported {result.file_name}: {count} order{'s' if count != 1 else ''} with {lines} "
            f"line{'s' if lines != 1 else ''}{waiting}.",
        )
    else:
        messages.error(
            request, f"{result.file_name} was rejected: nothing was imported. See the problems below."
        )
