"""Sales history upload: the form, the file format, one import's result and the recent imports.

A POST runs `forecasting.imports.sales_import_apply` and redirects to `?show=<id>`, which shows
that import's counts or its problems, so reloading the page never uploads the file twice. A file
beyond the import's limits (`core.imports`) is refused before it is parsed: the page answers
413 or 422 with the reason under the form, and nothing is recorded.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.imports import MB, UploadRefusedError, upload_read
from forecasting import imports
from forecasting.models import SalesImport
from planning.roles import ADMIN, MANAGER, PLANNER, user_roles

IMPORT_ROLES = frozenset({PLANNER, MANAGER, ADMIN})
RECENT_IMPORTS = 20
EXAMPLE = """\
sku,location,week,units,retail,cost,markdown
ST-1-BLK-S,S001,2025-W14,12,288.00,115.20,0
ST-1-BLK-M,WEB,202514,3,67.50,,4.50
ST-1-BLK-M,S001,2025-05-08,5,120.00,,"""


class SalesImportForm(forms.Form):
    file = forms.FileField(
        label="Sales file (.csv or .xlsx)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def sales_import_page(request: HttpRequest) -> HttpResponse:
    if not user_roles(request.user) & IMPORT_ROLES:
        raise PermissionDenied("Only planners, managers and administrators import sales history.")
    is_post = request.method == "POST"
    form = SalesImportForm(request.POST if is_post else None, request.FILES if is_post else None)
    if form.is_valid():
        upload: UploadedFile = form.cleaned_data["file"]
        try:
            record = imports.sales_import_apply(
                user=request.user,  # type: ignore[arg-type]
                file_name=upload.name or "upload",
                content=upload_read(upload, imports.LIMITS),
            )
        except UploadRefusedError as refused:
            form.add_error("file", f"Nothing was imported: {refused}")
            return _page(request, form, status=refused.status)
        _report(request, record)
        return redirect(f"{reverse('forecasting:imports')}?show={record.pk}")
    return _page(request, form, status=400 if form.is_bound else 200)


def _page(request: HttpRequest, form: SalesImportForm, *, status: int) -> HttpResponse:
    show = request.GET.get("show", "")
    shown = (
        SalesImport.objects.select_related("uploaded_by").filter(pk=show).first() if show.isdigit() else None
    )
    return render(
        request,
        "forecasting/imports.html",
        {
            "form": form,
            "shown": shown,
            "recent": SalesImport.objects.select_related("uploaded_by")[:RECENT_IMPORTS],
            "example": EXAMPLE,
            "max_megabytes": imports.LIMITS.max_bytes // MB,
            "max_errors": imports.MAX_STORED_ERRORS,
        },
        status=status,
    )


def _report(request: HttpRequest, record: SalesImport) -> None:
    if record.status == SalesImport.Status.APPLIED:
        messages.success(
            request,
            f"Imported {record.file_name}: {record.rows_inserted:,} new, {record.rows_updated:,} updated "
            f"and {record.rows_unchanged:,} unchanged row{'s' if record.rows_unchanged != 1 else ''}.",
        )
    else:
        messages.error(
            request, f"{record.file_name} was rejected: nothing was imported. See the problems below."
        )
