"""The weekly report by e-mail to its subscribers (Celery beat, Monday morning).

Safe to run twice: each subscription records the week last sent, and a week already sent to a
subscriber is never sent again (the row is locked while its mail goes out).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from planning import clock
from planning.models import FiscalWeek
from planning.site import site_url
from reports import exports, weekly
from reports.models import ReportSubscription
from reports.report_types import WeeklyReport


def _waiting(week_id: int | None) -> list[int]:
    """Active subscriptions of active users with an address, not yet sent the week."""
    subscriptions = ReportSubscription.objects.filter(active=True, user__is_active=True).exclude(
        user__email=""
    )
    if week_id is not None:
        subscriptions = subscriptions.exclude(last_sent_week_id=week_id)
    return list(subscriptions.order_by("pk").values_list("pk", flat=True))


def _message(report: WeeklyReport, pdf: bytes, address: str, name: str) -> EmailMultiAlternatives:
    url = site_url(f"{reverse('reports:report')}?week={report.week_id}")
    company = report.company
    week = company.periods["week"]
    context = {
        "report": report,
        "name": name,
        "url": url,
        "sales": exports.money(week.sales.ty),
        "sales_vs_op": exports.percent(week.sales.vs_op_percent, signed=True),
        "sales_vs_ly": exports.percent(week.sales.vs_ly_percent, signed=True),
        "gm_percent": exports.percent(week.gm_percent.ty),
        "gm_percent_plan": exports.percent(week.gm_percent.plan),
        "markdown_percent": exports.percent(week.markdown_percent.ty),
        "eop": exports.money(company.eop.ty),
        "owned": exports.money(company.owned.ty),
        "wos": exports.number(company.wos.ty),
        "ytd_sales": exports.money(company.periods["ytd"].sales.ty),
        "ytd_vs_op": exports.percent(company.periods["ytd"].sales.vs_op_percent, signed=True),
        "waiting": sum(report.open_approvals.values()),
    }
    message = EmailMultiAlternatives(
        subject=f"Merchplan weekly report {report.week_label}",
        body=render_to_string("reports/mail_weekly.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    )
    message.attach_alternative(render_to_string("reports/mail_weekly.html", context), "text/html")
    message.attach(exports.filename(report, "pdf"), pdf, "application/pdf")
    return message


@shared_task(queue="default")
def weekly_report_mail() -> int:
    """The last closed week's report, built once, to every subscriber not yet sent it; returns
    how many mails went out."""
    last_closed = FiscalWeek.objects.filter(end_date__lt=clock.today()).order_by("-id").first()
    if not _waiting(last_closed.pk if last_closed else None):
        return 0
    report = weekly.weekly_report(None)
    pending = _waiting(report.week_id)
    if not pending:
        return 0
    pdf = exports.report_pdf(report)
    sent = 0
    for pk in pending:
        with transaction.atomic():
            subscription = (
                ReportSubscription.objects.select_for_update().select_related("user").filter(pk=pk).first()
            )
            if (
                subscription is None
                or not subscription.active
                or subscription.last_sent_week_id == report.week_id
                or not subscription.user.email
            ):
                continue
            user = subscription.user
            _message(report, pdf, user.email, user.first_name or user.username).send()
            subscription.last_sent_week_id = report.week_id
            subscription.save(update_fields=["last_sent_week"])
            sent += 1
    return sent


@shared_task(queue="default")
def weekly_report_warm() -> int:
    """Build the last closed week's report into the cache after the Sunday night runs, so the
    first reader on Monday does not wait for the queries (the cache is shared through Redis)."""
    return weekly.weekly_report().week_id
