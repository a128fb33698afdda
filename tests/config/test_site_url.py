"""Links in mails use the address the app is served on: SITE_URL (MERCHPLAN_BASE_URL, its older
name, as a fallback), by default the demo's 127.0.0.1:$PORT, which `make demo`/`make serve` set."""

from __future__ import annotations

import os
import runpy
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from otb.notifications import approval_mail_send
from planning.roles import MANAGER
from reports import weekly
from reports.models import ReportSubscription
from reports.tasks import weekly_report_mail
from tests.reports.sample import sample_report

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")
SERVED = "https://plan.example.com/merch"  # behind a proxy, under a path prefix


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in ("SITE_URL", "MERCHPLAN_BASE_URL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "config" / "settings" / "base.py"))  # a fresh copy, not the loaded one


def test_site_url_defaults_to_the_demo_address_on_port(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _settings(monkeypatch)["SITE_URL"] == "http://127.0.0.1:8000"
    assert _settings(monkeypatch, PORT="9123")["SITE_URL"] == "http://127.0.0.1:9123"


def test_site_url_is_read_from_the_environment_and_the_old_name_still_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given = _settings(monkeypatch, SITE_URL=f"{SERVED}/", PORT="9123")
    old = _settings(monkeypatch, MERCHPLAN_BASE_URL="https://old.example.com")
    both = _settings(monkeypatch, SITE_URL=SERVED, MERCHPLAN_BASE_URL="https://old.example.com")

    assert (given["SITE_URL"], given["MERCHPLAN_BASE_URL"]) == (SERVED, SERVED)  # no trailing slash
    assert (old["SITE_URL"], old["MERCHPLAN_BASE_URL"]) == ("https://old.example.com",) * 2
    assert both["SITE_URL"] == SERVED


@pytest.mark.parametrize(
    ("name", "value"),
    [("SITE_URL", "plan.example.com"), ("SITE_URL", "ftp://plan.example.com"), ("MERCHPLAN_BASE_URL", "x")],
)
def test_a_site_url_that_is_no_address_stops_start_up_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=rf"^{name} must be the app's address, e\.g\. https://"):
        _settings(monkeypatch, **{name: value})


@pytest.mark.skipif(MAKE is None, reason="no make")
@pytest.mark.parametrize(("target", "port"), [("demo", "9123"), ("serve", "8765")])
def test_make_demo_and_serve_give_the_commands_the_served_address(
    tmp_path: Path, target: str, port: str
) -> None:
    """The Makefile's commands run with SITE_URL=http://127.0.0.1:$(PORT): a stand-in python
    prints the SITE_URL it was started with and its arguments, instead of running anything."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = bin_dir / "python"
    python.write_text('#!/bin/sh\necho "SITE_URL=$SITE_URL $*"\n')
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    stamp = tmp_path / "installed"  # up to date: nothing is installed
    stamp.touch()
    env = {key: value for key, value in os.environ.items() if key not in {"SITE_URL", "PORT", "MAKEFLAGS"}}

    result = subprocess.run(
        [str(MAKE), "-s", "-C", str(ROOT), target, f"PORT={port}", f"BIN={bin_dir}", f"STAMP={stamp}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    commands = [line for line in result.stdout.splitlines() if line.startswith("SITE_URL=")]

    assert commands, result.stdout
    assert all(line.startswith(f"SITE_URL=http://127.0.0.1:{port} manage.py ") for line in commands)
    assert commands[-1] == f"SITE_URL=http://127.0.0.1:{port} manage.py runserver 127.0.0.1:{port}"
    kept = subprocess.run(
        [str(MAKE), "-s", "-C", str(ROOT), target, f"BIN={bin_dir}", f"STAMP={stamp}"],
        env={**env, "SITE_URL": SERVED},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert f"SITE_URL={SERVED} manage.py runserver 127.0.0.1:8000" in kept.stdout  # a set one is kept


@pytest.mark.django_db
@override_settings(SITE_URL=SERVED)
def test_the_approval_mail_links_to_the_inbox_on_the_site_url(
    retailer: dict[str, Any], planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    approver = User.objects.create_user(username="max", email="max@example.com")
    approver.groups.add(Group.objects.get(name=MANAGER))
    retailer["tops"].planners.add(approver)

    with django_capture_on_commit_callbacks(execute=True):
        approval_mail_send(retailer["tops"].pk, "Plan waits", "A plan.", planner)

    [message] = mail.outbox
    assert f"Decide: {SERVED}/otb/approvals/\n" in message.body
    assert "127.0.0.1" not in message.body


@pytest.mark.django_db
@override_settings(SITE_URL=SERVED)
def test_the_weekly_mail_links_to_the_report_on_the_site_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weekly, "weekly_report", lambda week_id=None: sample_report())
    reader = User.objects.create_user(username="eve", email="eve@example.com", first_name="Eve")
    ReportSubscription.objects.create(user=reader, active=True)

    assert weekly_report_mail() == 1

    [message] = mail.outbox
    assert f"The report with its drill-down: {SERVED}/report/?week=202606\n" in message.body
    [(html, _)] = message.alternatives  # type: ignore[attr-defined]
    assert f'href="{SERVED}/report/?week=202606"' in html
    assert "127.0.0.1" not in message.body + html
