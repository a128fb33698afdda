"""The weekly report's downloads (PDF, xlsx, CSV) and the user's switch for its weekly e-mail.

Any signed-in user with a role may download. `week` (a closed fiscal week's id, e.g. 202606)
and `period` (week, mtd, qtd, std, ytd: the CSV's scope table) are read as on the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from core.audit import audit_record
from planning import clock
from planning.models import FiscalWeek
from planning.roles import user_roles
from reports import exports, weekly
from reports.models import ReportSubscription
from reports.report_types import PERIODS

if TYPE_CHECKING:
    from reports.report_types import WeeklyReport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(week_id: int | None = None) -> WeeklyReport:
    """The report of a closed week (None: the last closed one). Tests replace this."""
    return weekly.weekly_report(week_id)


def _requested(request: HttpRequest) -> tuple[WeeklyReport, str]:
    """The report and period the query asks for; 404 for a week that is not a closed fiscal
    week, or an unknown period."""
    if not user_roles(request.user):
        raise PermissionDenied("The weekly report is for users with a role.")
    week_id: int | None = None
    raw_week = request.GET.get("week", "").strip()
    if raw_week:
        try:
            week_id = int(raw_week)
        except ValueError:
            raise Http404("No such week.") from None
        if not FiscalWeek.objects.filter(pk=week_id, end_date__lt=clock.today()).exists():
            raise Http404("No such closed week.")
    period = request.GET.get("period", "").strip() or "week"
    if period not in PERIODS:
        raise Http404("No such period.")
    try:
        return _report(week_id), period
    except FiscalWeek.DoesNotExist:
        raise Http404("No fiscal week has closed yet.") from None


def _attachment(content: bytes | str, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    report, _ = _requested(request)
    return _attachment(exports.report_pdf(report), "application/pdf", exports.filename(report, "pdf"))


@login_required
@require_GET
def report_xlsx(request: HttpRequest) -> HttpResponse:
    report, _ = _requested(request)
    return _attachment(exports.report_xlsx(report), XLSX, exports.filename(report, "xlsx"))


@login_required
@require_GET
def report_csv(request: HttpRequest) -> HttpResponse:
    report, period = _requested(request)
    # A byte-order mark: spreadsheets then read the names' accents as UTF-8.
    content = "\ufeff" + exports.report_csv(report, period)
    return _attachment(content.encode(), "text/csv; charset=utf-8", exports.filename(report, "csv", period))


@login_required
@require_POST
def report_subscription(request: HttpRequest) -> HttpResponse:
    """Turn the weekly report mail on or off: `action` = "subscribe" / "unsubscribe" (the page's
    two buttons) or `active` = "1" / "0" sets it; without either the subscription flips. Back
    to the report the user came from (a safe `next`, else the referring report page) with a
    message."""
    subscription, _ = ReportSubscription.objects.get_or_create(
        user_id=request.user.pk, defaults={"active": False}
    )
    was_active = subscription.active
    action, wanted = request.POST.get("action"), request.POST.get("active")
    if action in ("subscribe", "unsubscribe"):
        subscription.active = action == "subscribe"
    elif wanted is not None:
        subscription.active = wanted in ("1", "true", "on")
    else:
        subscription.active = not subscription.active
    subscription.save(update_fields=["active"])
    if subscription.active != was_active:
        audit_record(
            request.user,
            "report.subscription.change",
            subscription,
            old={"active": was_active},
            new={"active": subscription.active},
        )
    if subscription.active:
        messages.success(request, "You will get the weekly report by e-mail every Monday morning.")
        if not getattr(request.user, "email", ""):
            messages.warning(
                request, "Your account has no e-mail address yet: ask an administrator to add one."
            )
    else:
        messages.success(request, "You will no longer get the weekly report by e-mail.")
    return HttpResponseRedirect(_back(request))


def _back(request: HttpRequest) -> str:
    report = reverse("reports:report")
    for target in (request.POST.get("next", ""), request.headers.get("referer", "")):
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            path = urlsplit(target)
            if path.path == report:
                return f"{path.path}?{path.query}" if path.query else path.path
    return report
