"""The sales import page: who may use it, the upload, the result and the recent imports.

Same `retailer` as in test_imports.py: SKUs ST-1-BLK-S and ST-1-BLK-M (unit cost 9.60),
locations S001 and WEB; FY2024 W01 and W02 are long closed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from forecasting import imports
from forecasting.models import SalesImport
from planning.models import SalesHistory
from tests.conftest import PASSWORD

URL = reverse("forecasting:imports")
VALID = b"sku,location,week,units,retail\nST-1-BLK-S,S001,2024-W01,3,72.00\nST-1-BLK-M,WEB,2024-W02,2,48.00\n"
BAD = b"""sku,location,week,units,retail
ST-1-BLK-S,S001,2024-W01,3,72.00
NOPE,S001,2024-W01,1,10
ST-1-BLK-S,WEB,2024-W02,-1,<b>10</b>
"""
Retailer = dict[str, Any]


@pytest.fixture(autouse=True)
def _planners_plan_tops(retailer: Retailer, planner: User, manager: User) -> None:
    """Imports write only departments the importer plans: these users plan the SKUs' one."""
    retailer["tops"].planners.add(planner, manager)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, content: bytes, name: str = "sales.csv") -> Any:
    return client.post(URL, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def test_page_shows_the_form_the_format_and_no_imports_yet(retailer: Retailer, planner: User) -> None:
    response = _client(planner).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'name="file"' in html
    assert "ST-1-BLK-S,S001,2025-W14,12,288.00,115.20,0" in html
    assert "No sales files imported yet." in html


def test_anonymous_users_are_sent_to_log_in(db: None) -> None:
    response = Client().get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("fixture", ["executive", "nobody"])
def test_users_without_an_importing_role_get_403(
    retailer: Retailer, fixture: str, request: pytest.FixtureRequest
) -> None:
    client = _client(request.getfixturevalue(fixture))

    assert client.get(URL).status_code == 403
    assert _upload(client, VALID).status_code == 403
    assert SalesHistory.objects.count() == 0
    assert SalesImport.objects.count() == 0


@pytest.mark.parametrize("fixture", ["planner", "manager", "admin_user"])
def test_planners_managers_and_admins_import(
    retailer: Retailer, fixture: str, request: pytest.FixtureRequest
) -> None:
    response = _upload(_client(request.getfixturevalue(fixture)), VALID)

    assert response.status_code == 302
    assert SalesHistory.objects.count() == 2


def test_a_superuser_without_groups_imports(retailer: Retailer) -> None:
    root = User.objects.create_superuser("root", password=PASSWORD)

    assert _upload(_client(root), VALID).status_code == 302
    assert SalesHistory.objects.count() == 2


def test_valid_upload_redirects_to_its_result(retailer: Retailer, planner: User) -> None:
    client = _client(planner)

    response = _upload(client, VALID)

    record = SalesImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?show={record.pk}"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Imported sales.csv: 2 new, 0 updated and 0 unchanged rows." in html
    assert 'data-testid="import-result"' in html
    assert '<span class="badge approved">Applied</span>' in html
    assert 'id="import-errors"' not in html
    assert list(
        SalesHistory.objects.order_by("fiscal_week_id").values_list("units", "retail_value", "cost_value")
    ) == [
        (3, Decimal("72.00"), Decimal("28.80")),
        (2, Decimal("48.00"), Decimal("19.20")),
    ]


def test_reloading_the_same_file_reports_every_row_unchanged(retailer: Retailer, planner: User) -> None:
    client = _client(planner)
    _upload(client, VALID)

    page = client.get(_upload(client, VALID)["Location"])

    assert "Imported sales.csv: 0 new, 0 updated and 2 unchanged rows." in page.content.decode()
    assert SalesHistory.objects.count() == 2


def test_rejected_upload_lists_every_error_in_the_page(retailer: Retailer, planner: User) -> None:
    client = _client(planner)

    page = client.get(_upload(client, BAD, name="bad.csv")["Location"])

    html = page.content.decode()
    assert "bad.csv was rejected: nothing was imported." in html
    assert '<span class="badge submitted">Rejected</span>' in html
    start = html.index('id="import-errors"')
    table = re.sub(r"\s+", " ", html[start : html.index("</table>", start)])
    for row, column, message in [
        ("3", "sku", "Unknown SKU “NOPE”."),
        ("4", "units", "“-1” is negative: units sold cannot be below 0."),
        ("4", "retail", "“&lt;b&gt;10&lt;/b&gt;” is not a number."),
    ]:
        assert f'<td class="num">{row}</td> <td>{column}</td> <td>{message}</td>' in table
    assert table.count("<tr>") == 4  # the header and three problems
    assert SalesHistory.objects.count() == 0


def test_post_without_a_file_shows_the_form_error(retailer: Retailer, planner: User) -> None:
    response = _client(planner).post(URL, {})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert SalesImport.objects.count() == 0


def test_file_over_the_cap_is_refused_before_reading(
    retailer: Retailer, planner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "LIMITS", replace(imports.LIMITS, max_bytes=10))

    response = _upload(_client(planner), VALID)

    assert response.status_code == 413
    message = f"Nothing was imported: The file is {len(VALID)} bytes; the limit is 10 bytes: split"
    assert message in response.content.decode()
    assert SalesImport.objects.count() == 0


def test_csrf_token_is_required(retailer: Retailer, planner: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(planner)

    response = client.post(URL, {"file": SimpleUploadedFile("sales.csv", VALID)})

    assert response.status_code == 403
    assert SalesHistory.objects.count() == 0
    token = client.get(URL).context["csrf_token"]
    ok = client.post(URL, {"file": SimpleUploadedFile("sales.csv", VALID), "csrfmiddlewaretoken": str(token)})
    assert ok.status_code == 302


def test_recent_imports_show_the_last_20_with_counts(
    retailer: Retailer, planner: User, django_assert_max_num_queries: Any
) -> None:
    client = _client(planner)
    _upload(client, VALID, name="first.csv")
    for number in range(20):
        SalesImport.objects.create(
            file_name=f"old-{number}.csv",
            sha256="0" * 64,
            status="rejected",
            rows_total=number,
            uploaded_by=planner,
        )

    with django_assert_max_num_queries(8):
        response = client.get(URL)

    html = response.content.decode()
    recent = html[html.index('id="recent-imports"') :]
    assert recent.count("<tr>") == 21  # the header and 20 imports
    assert "old-19.csv" in recent
    assert "first.csv" not in recent  # the 21st most recent
    assert "Pat" in recent
