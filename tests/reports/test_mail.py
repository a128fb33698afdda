"""The weekly report mail: one per active subscriber with an address, the PDF attached, never
twice for the same week."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings

from reports import weekly
from reports.models import ReportSubscription
from reports.tasks import weekly_report_mail
from tests.reports.sample import sample_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The task gets the sample report (FY2026 W06); each build is recorded."""
    builds: list[int | None] = []

    def fake(week_id: int | None = None) -> Any:
        builds.append(week_id)
        return sample_report()

    monkeypatch.setattr(weekly, "weekly_report", fake)
    return builds


def _subscriber(username: str, email: str, *, active: bool = True, user_active: bool = True) -> User:
    user = User.objects.create_user(username=username, email=email, first_name=username.title())
    user.is_active = user_active
    user.save()
    ReportSubscription.objects.create(user=user, active=active)
    return user


@override_settings(SITE_URL="https://merchplan.example")
def test_one_mail_per_active_subscriber_with_the_pdf(built: list[int | None]) -> None:
    _subscriber("eve", "eve@example.com")
    _subscriber("ann", "ann@example.com")
    _subscriber("off", "off@example.com", active=False)
    _subscriber("mute", "")  # no address
    _subscriber("gone", "gone@example.com", user_active=False)
    User.objects.create_user(username="never", email="never@example.com")  # never subscribed

    assert weekly_report_mail.delay().get() == 2

    assert built == [None]  # the report is built once for every mail
    assert sorted(message.to[0] for message in mail.outbox) == ["ann@example.com", "eve@example.com"]
    message = next(message for message in mail.outbox if message.to == ["eve@example.com"])
    assert message.subject == "Merchplan weekly report FY2026 W06"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Good morning Eve," in message.body
    assert "Sales 3,000 (+5.3% vs original plan, +11.1% vs last year)" in message.body
    assert (
        "Stock at selling locations 15,000 (retail), 5.0 weeks of supply; turn and GMROI use" in message.body
    )
    assert "Total owned stock 24,000, adding the DCs and what is in transit" in message.body
    assert "https://merchplan.example/report/?week=202606" in message.body
    [(html, mimetype)] = message.alternatives  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    assert 'href="https://merchplan.example/report/?week=202606"' in html
    [(name, content, content_type)] = message.attachments
    assert name == "merchplan-weekly-FY2026-W06.pdf"
    assert content_type == "application/pdf"
    assert content.startswith(b"%PDF")
    assert set(
        ReportSubscription.objects.filter(last_sent_week_id=202606).values_list("user__username", flat=True)
    ) == {"eve", "ann"}


def test_a_second_run_the_same_week_sends_nothing(built: list[int | None]) -> None:
    _subscriber("eve", "eve@example.com")

    assert weekly_report_mail() == 1
    assert weekly_report_mail() == 0

    assert len(mail.outbox) == 1


def test_a_new_subscriber_gets_the_week_on_a_second_run(built: list[int | None]) -> None:
    _subscriber("eve", "eve@example.com")
    weekly_report_mail()
    _subscriber("ann", "ann@example.com")

    assert weekly_report_mail() == 1

    assert [message.to for message in mail.outbox] == [["eve@example.com"], ["ann@example.com"]]


def test_nobody_subscribed_builds_no_report(built: list[int | None]) -> None:
    _subscriber("off", "off@example.com", active=False)

    assert weekly_report_mail() == 0

    assert built == []
    assert mail.outbox == []


def test_the_mail_is_scheduled_on_monday_mornings() -> None:
    entry: dict[str, Any] = settings.CELERY_BEAT_SCHEDULE["weekly-report-mail"]

    assert entry["task"] == weekly_report_mail.name
    assert entry["schedule"].day_of_week == {1}
    assert entry["schedule"].hour == {7}
    assert entry["schedule"].minute == {0}
    assert "reports.tasks" in settings.CELERY_IMPORTS
