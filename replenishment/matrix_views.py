"""The ABC x XYZ policy matrix page (/replenishment/policies/): read every cell, save one (HTMX)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict
from replenishment import matrix, matrix_reads
from replenishment.models import SegmentPolicy

_MATRIX = "replenishment/matrix.html"
CONFLICT_MESSAGE = (
    "Someone saved this cell since you opened it; their values are shown. Save again to apply yours."
)
REFUSED_MESSAGE = "Only managers and admins change the policy matrix: nothing was saved."


@login_required
@require_GET
def policy_matrix_page(request: HttpRequest) -> HttpResponse:
    run = matrix_reads.latest_done_run()
    context: dict[str, Any] = {
        "rows": matrix_reads.policy_matrix(run),
        "run": run,
        "changes": matrix_reads.policy_change_rows(),
        "can_edit": matrix.can_edit_policies(request.user),
        "errors": {},
    }
    return render(request, _MATRIX, context)


def _policy_values(post: QueryDict) -> tuple[dict[str, Any], dict[str, str]]:
    """The posted cell as model values, and a message per field that does not parse."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    try:
        values["service_level"] = matrix.service_level_from_percent(post.get("service_level", ""))
    except ValueError as error:
        errors["service_level"] = str(error)
    try:
        values["fwos_target"] = Decimal(post.get("fwos_target", "").strip())
        if not values["fwos_target"].is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors["fwos_target"] = "Enter a number of weeks, e.g. 6 or 6.5."
        values.pop("fwos_target", None)
    for name, label in (
        ("presentation_min", "a whole number of units"),
        ("allocation_priority", "1, 2 or 3"),
    ):
        text = post.get(name, "").strip()
        if text.lstrip("-").isdigit():
            values[name] = int(text)
        else:
            errors[name] = f"Enter {label}."
    return values, errors


def _refused(request: HttpRequest, cell: str) -> HttpResponse:
    """403 with the reason, readable: over HTMX the cell again (read-only, the reason in it),
    otherwise the whole page with the reason on top."""
    run = matrix_reads.latest_done_run()
    if request.headers.get("HX-Request") == "true":
        context: dict[str, Any] = {
            "item": matrix_reads.matrix_cell(cell, run),
            "can_edit": False,
            "errors": {},
            "refusal": REFUSED_MESSAGE,
        }
        return render(request, f"{_MATRIX}#cell-response", context, status=403)
    context = {
        "rows": matrix_reads.policy_matrix(run),
        "run": run,
        "changes": matrix_reads.policy_change_rows(),
        "can_edit": False,
        "errors": {},
        "page_refusal": REFUSED_MESSAGE,
    }
    return render(request, _MATRIX, context, status=403)


@login_required
@require_POST
def policy_cell_save(request: HttpRequest, cell: str) -> HttpResponse:
    """HTMX: the cell again (422 with a message beside each field the rules refuse, 409 on a
    conflict) and, once saved, the change log out of band (in a <template>: the cell is a <td>)."""
    get_object_or_404(SegmentPolicy, cell=cell)
    if not matrix.can_edit_policies(request.user):
        return _refused(request, cell)
    values, errors = _policy_values(request.POST)
    errors = {**matrix.policy_errors(values), **errors}  # every field's message at once
    version_text = request.POST.get("row_version", "")
    message, status, conflict = "", 200, False
    if not version_text.isdigit():
        errors["row_version"] = "Reload the page: the cell's version is missing."
    if not errors:
        try:
            matrix.segment_policy_update(
                cell=cell, user=cast(User, request.user), row_version=int(version_text), values=values
            )
            message = "Saved."
        except ValidationError as error:
            errors = {name: " ".join(texts) for name, texts in error.message_dict.items()}
        except Conflict:
            # The cell comes back with the other person's values beside the user's own, which
            # stay in the fields, and the new version: saving again applies them.
            message, status, conflict = CONFLICT_MESSAGE, 409, True
    if errors:
        status = 422
    context = {
        "item": matrix_reads.matrix_cell(cell, matrix_reads.latest_done_run()),
        "can_edit": True,
        "errors": errors,
        "posted": request.POST if errors or conflict else None,
        "conflict": conflict,
        "message": message,
        "changes": matrix_reads.policy_change_rows() if status == 200 else [],
        "refresh_changes": status == 200,
    }
    return render(request, f"{_MATRIX}#cell-response", context, status=status)
