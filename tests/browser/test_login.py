"""A planner signs in with a real browser and lands on a home page that fits the role."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_planner_signs_in_and_sees_their_departments(
    live_server: Any, page: Any, planner: User, retailer: dict[str, Any]
) -> None:
    retailer["tops"].planners.add(planner)

    page.goto(f"{live_server.url}/")
    assert re.search(r"/login/\?next=/$", page.url)
    page.fill("#id_username", planner.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.wait_for_selector("text=Good day, Pat")
    assert page.inner_text("[data-testid=current-user]") == "Pat"
    assert page.inner_text("[data-testid=my-departments]").strip() == "W-TOP Tops"
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 2
    assert "can edit" in rows.nth(1).inner_text()  # W-TOP sorts after W-DRS
    assert "read" in rows.nth(0).inner_text()
    assert page.locator("nav >> text=Admin").count() == 0
    screenshot(page, "home-planner")

    page.click("text=Sign out")
    page.wait_for_selector("text=Sign in to Merchplan")


def test_wrong_password_shows_an_error_next_to_the_form(live_server: Any, page: Any, planner: User) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", planner.username)
    page.fill("#id_password", "not the password")
    page.click("button[type=submit]")

    error = page.wait_for_selector("[role=alert]")
    assert "correct username and password" in error.inner_text()
    assert page.url.endswith("/login/")
    screenshot(page, "login-error")
