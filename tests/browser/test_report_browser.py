"""The executive weekly report in a real browser: an executive signs in, opens the report,
downloads its PDF and subscribes to the weekly e-mail. The live server runs in this process,
so the report is the hand-made sample (the report's own numbers are tested in test_weekly)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from reports import export_views, page_views
from reports.models import is_subscribed
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.conftest import PASSWORD
from tests.reports.sample import sample_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(week_id: int | None = None) -> Any:
        return sample_report()

    monkeypatch.setattr(page_views, "_report", fake)
    monkeypatch.setattr(export_views, "_report", fake)


def test_an_executive_downloads_the_weekly_pdf_and_subscribes(
    live_server: Any, page: Any, sample: None, executive: User
) -> None:
    executive.email = "eve@example.com"
    executive.save()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", executive.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)

    page.goto(f"{live_server.url}/report/")
    page.wait_for_selector("text=FY2026 W06")
    with page.expect_download() as download_info:
        page.click("a:text-is('PDF')")
    download = download_info.value

    assert download.suggested_filename == "merchplan-weekly-FY2026-W06.pdf"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    saved = SCREENSHOTS / "weekly-report.pdf"
    download.save_as(str(saved))
    content = Path(saved).read_bytes()
    assert content.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", content)) >= 2

    page.click("button:text-is('Subscribe by e-mail')")
    page.wait_for_selector("text=You will get the weekly report by e-mail")
    assert is_subscribed(executive)
    screenshot(page, "weekly-report-subscribed")
