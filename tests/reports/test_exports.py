"""The weekly report's CSV, xlsx and PDF, their download views and the mail subscription switch."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client
from openpyxl import load_workbook

from reports import export_views
from reports.exports import (
    MONEY_FORMAT,
    PERCENT_FORMAT,
    SHEET_NAMES,
    filename,
    money,
    number,
    percent,
    report_csv,
    report_pdf,
    report_xlsx,
    safe_cell,
    scope_columns,
)
from reports.models import ReportSubscription, is_subscribed
from reports.report_types import PERIODS
from tests.reports.sample import sample_report

FORMULA_NAME = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+x", "'+x"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        ("Women's tops", "Women's tops"),
        (-5, -5),
        (Decimal("-5.25"), Decimal("-5.25")),
        (-0.5, -0.5),
        (None, None),
    ],
)
def test_safe_cell_escapes_formula_like_text_only(value: Any, expected: Any) -> None:
    assert safe_cell(value) == expected
    assert type(safe_cell(value)) is type(expected)


def test_filenames_name_the_week() -> None:
    report = sample_report()

    assert filename(report, "pdf") == "merchplan-weekly-FY2026-W06.pdf"
    assert filename(report, "csv", "ytd") == "merchplan-weekly-FY2026-W06-ytd.csv"


def test_pdf_formats() -> None:
    assert money(Decimal("1234567.891")) == "1,234,568"
    assert money(Decimal("1234.5"), 2) == "1,234.50"
    assert money(None) == "\u2013"
    assert percent(0.0526, signed=True) == "+5.3%"
    assert percent(None) == "\u2013"
    assert money(Decimal("-1500")) == "\u22121,500"  # a minus sign, not a hyphen
    assert percent(-0.038, signed=True) == "\u22123.8%"
    assert percent(-0.0001, signed=True) == "+0.0%"
    # Half up, once, as the plan grid rounds: never half to even.
    assert money(Decimal("1234.50")) == "1,235"
    assert money(Decimal("-0.5")) == "\u22121"
    assert percent(0.0525) == "5.3%"  # 5.25 is a tie: half to even of the float would give 5.2
    assert number(2.25) == "2.3"


def test_csv_is_the_scope_table_with_every_column_escaped() -> None:
    text = report_csv(sample_report(), "ytd")
    rows = list(csv.reader(io.StringIO(text)))

    header, body = rows[0], rows[1:]
    assert header == [column.header for column in scope_columns("ytd")]
    assert len(body) == 5
    assert [row[0] for row in body] == ["company", "channel", "department", "class", "department"]
    names = {row[2] for row in body}
    assert "'" + FORMULA_NAME in names
    assert FORMULA_NAME not in names
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    company = dict(zip(header, body[0], strict=True))
    assert company["Sales TY"] == "15000"  # the company's year to date: 1000 x 3 x 5
    assert company["Sales vs LY"] == "1500"
    assert company["Sales vs OP %"] == "0.0526"
    assert company["GM % TY"] == "0.52"
    # stock named by where it is: the selling locations (turn and GMROI use it) and all owned stock
    assert (company["Stock at selling locations TY"], company["Owned stock TY"]) == ("15000", "24000")
    assert company["Owned stock vs LY %"] == "0.0667"  # 24,000 against 22,500
    assert company["Sell-through $ of available STD plan"] == "0.4"
    # A negative number stays a number, unescaped.
    tops = dict(zip(header, body[1], strict=True))
    assert tops["Markdowns vs LY"] == "-100"
    assert tops["Notes"] == "No plan by channel: plan columns are blank."


def test_csv_shares_round_half_up_from_the_unrounded_share() -> None:
    from dataclasses import replace

    from reports.report_types import Ratio

    report = sample_report()
    company = report.rows[0]
    # 0.01235 is a tie at 4 places: half up gives 0.0124 (round() of the float gives 0.0123)
    report.rows[0] = replace(company, sell_through=Ratio(0.01235, 0.30005))
    header, first = list(csv.reader(io.StringIO(report_csv(report, "week"))))[:2]
    row = dict(zip(header, first, strict=True))
    assert row["Sell-through $ of available STD TY"] == "0.0124"
    assert row["Sell-through $ of available STD plan"] == "0.3001"


def test_csv_of_an_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown period"):
        report_csv(sample_report(), "decade")


def test_xlsx_has_typed_formatted_and_escaped_cells() -> None:
    workbook = load_workbook(io.BytesIO(report_xlsx(sample_report())))

    assert workbook.sheetnames == SHEET_NAMES
    scopes = workbook["Scopes by period"]
    header = [cell.value for cell in scopes[1]]
    assert header[:4] == ["Period", "Level", "Code", "Name"]
    assert scopes.freeze_panes == "A2"
    assert scopes["A1"].font.bold
    assert scopes.max_row == 1 + 5 * len(PERIODS)
    sales = header.index("Sales TY") + 1
    company_week = scopes.cell(row=2, column=sales)
    assert company_week.value == 3000
    assert isinstance(company_week.value, int | float)
    assert company_week.number_format == MONEY_FORMAT
    vs_op = scopes.cell(row=2, column=header.index("Sales vs OP %") + 1)
    assert vs_op.value == pytest.approx(150 / 2850)
    assert vs_op.number_format == PERCENT_FORMAT
    markdowns_vs_ly = scopes.cell(row=3, column=header.index("Markdowns vs LY") + 1)
    assert markdowns_vs_ly.value == -20  # a negative number: numeric, not text
    names = [scopes.cell(row=row, column=4).value for row in range(2, scopes.max_row + 1)]
    assert names.count("'" + FORMULA_NAME) == len(PERIODS)
    assert FORMULA_NAME not in names
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"

    summary = workbook["Summary"]
    assert summary["A1"].value == "Merchplan weekly report FY2026 W06"
    assert summary["A4"].value == "Measure"
    assert summary["A5"].value == "Sales, week"
    assert summary["B5"].value == 3000
    assert summary["B5"].number_format == MONEY_FORMAT

    otb = workbook["OTB"]
    assert [cell.value for cell in otb[2]] == ["FY2026 M03", 12000, 2000, 4000, 6000]
    assert [cell.value for cell in otb[3]] == ["FY2026 M04", None, 0, 1500, None]
    best = workbook["Best sellers"]
    assert [cell.value for cell in best[2]][:5] == ["ST-1-BLK", "Classic tee", "W01", 1234.5, 51]
    assert workbook["Overstocked"].max_row == 1
    accuracy = workbook["Forecast accuracy"]
    assert accuracy["C2"].value == pytest.approx(0.31)
    assert accuracy["D2"].number_format == PERCENT_FORMAT

    # Each figure's definition, the stock the ratios use among them (README, "Formulas").
    definitions = {row[0].value: row[1].value for row in workbook["Definitions"].iter_rows(min_row=2)}
    assert definitions["Stock in the ratios"] == (
        "Weeks of supply, turn, GMROI and sell-through use the stock at selling locations, not the total"
        " owned stock"
    )
    assert definitions["Total owned stock"].startswith(
        "Total owned stock = the stock at selling locations + the DCs' stock + what is in transit"
    )
    assert definitions["Sell-through $ of available"].startswith(
        "Sell-through of available, season to date, $ at retail = sales / (BOP + receipts)"
    )
    assert "units sold / (units sold + units on hand)" in definitions["Sell-through units (item lists)"]
    summary_labels = [row[0].value for row in summary.iter_rows(min_row=5)]
    assert "Stock at selling locations, week's end (retail)" in summary_labels
    assert "Total owned stock: + DCs + in transit (retail)" in summary_labels


def _page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_pdf_has_pages_and_the_report() -> None:
    pdf = report_pdf(sample_report())

    assert pdf.startswith(b"%PDF")
    assert _page_count(pdf) >= 2
    assert b"Merchplan weekly report FY2026 W06" in pdf  # the document's title


def test_pdf_names_both_stocks_and_says_how_each_figure_is_calculated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reportlab import rl_config

    from reports.exports import pdf as exports

    # Helvetica and no compression: the page's text is plain in the file.
    monkeypatch.setattr(rl_config, "pageCompression", 0)
    monkeypatch.setattr(exports, "_fonts", lambda: ("Helvetica", "Helvetica-Bold"))
    pdf = report_pdf(sample_report())

    for text in (
        b"Stock at selling locations, week's end \\(retail\\)",  # parentheses escaped in the file
        b"Total owned stock: + DCs + in transit \\(retail\\)",
        b"Weeks of supply, turn, GMROI and sell-through use the stock at selling locations",
        b"How the figures are calculated",
        b"Sell-through of available, season to date, $ at retail = sales / \\(BOP + receipts\\)",
    ):
        assert text in pdf, text
    assert b"24,000" in pdf  # the company's owned stock, in the scope table too


# --- Views


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The views get the sample report; the weeks they were asked for are recorded."""
    asked: list[int | None] = []

    def fake(week_id: int | None = None) -> Any:
        asked.append(week_id)
        return sample_report()

    monkeypatch.setattr(export_views, "_report", fake)
    return asked


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("url", "content_type", "name"),
    [
        ("/report/pdf/", "application/pdf", "merchplan-weekly-FY2026-W06.pdf"),
        ("/report/xlsx/", export_views.XLSX, "merchplan-weekly-FY2026-W06.xlsx"),
        ("/report/csv/", "text/csv; charset=utf-8", "merchplan-weekly-FY2026-W06.csv"),
    ],
)
def test_downloads_are_attachments(
    sample: list[int | None], executive: User, url: str, content_type: str, name: str
) -> None:
    response = _client(executive).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert sample == [None]


def test_any_role_downloads(sample: list[int | None], planner: User, manager: User, admin_user: User) -> None:
    for user in (planner, manager, admin_user):
        assert _client(user).get("/report/pdf/").content.startswith(b"%PDF")


def test_downloads_need_a_login_and_a_role(sample: list[int | None], nobody: User) -> None:
    anonymous = Client().get("/report/xlsx/")
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]
    assert _client(nobody).get("/report/xlsx/").status_code == 403
    assert sample == []


def test_csv_reads_the_week_and_period(sample: list[int | None], executive: User) -> None:
    response = _client(executive).get("/report/csv/", {"week": "202606", "period": "ytd"})

    assert response["Content-Disposition"] == 'attachment; filename="merchplan-weekly-FY2026-W06-ytd.csv"'
    text = response.content.decode("utf-8-sig")
    assert "'" + FORMULA_NAME in text
    assert "\r\ncompany,,Company,,15000," in text
    assert sample == [202606]


@pytest.mark.parametrize(
    "query",
    [{"week": "209901"}, {"week": "2026-06"}, {"week": "999999"}, {"period": "decade"}],
)
def test_unknown_week_or_period_is_not_found(
    sample: list[int | None], executive: User, query: dict[str, str]
) -> None:
    assert _client(executive).get("/report/pdf/", query).status_code == 404
    assert sample == []


def test_no_closed_week_is_not_found(monkeypatch: pytest.MonkeyPatch, executive: User) -> None:
    from planning.models import FiscalWeek

    def none_closed(week_id: int | None = None) -> Any:
        raise FiscalWeek.DoesNotExist("No fiscal week has closed yet.")

    monkeypatch.setattr(export_views, "_report", none_closed)

    assert _client(executive).get("/report/csv/").status_code == 404


def test_downloads_are_get_only(sample: list[int | None], executive: User) -> None:
    assert _client(executive).post("/report/pdf/").status_code == 405


# --- Subscription


def test_subscription_toggles_on_and_off(executive: User) -> None:
    executive.email = "eve@example.com"
    executive.save()
    client = _client(executive)

    response = client.post("/report/subscription/")

    assert response.status_code == 302
    assert response["Location"] == "/report/"
    assert is_subscribed(executive)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "You will get the weekly report by e-mail every Monday morning."
    ]

    response = client.post("/report/subscription/", {"next": "/report/?week=202606"})

    assert response["Location"] == "/report/?week=202606"
    assert not is_subscribed(executive)
    assert ReportSubscription.objects.get(user=executive).active is False
    # Messages pile up until a page shows them: the newest is this one.
    assert [str(m) for m in get_messages(response.wsgi_request)][-1] == (
        "You will no longer get the weekly report by e-mail."
    )


def test_subscription_sets_an_explicit_state_and_warns_without_an_address(executive: User) -> None:
    client = _client(executive)

    client.post("/report/subscription/", {"active": "1"})
    response = client.post("/report/subscription/", {"active": "1"})

    assert is_subscribed(executive)
    assert "no e-mail address" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    client.post("/report/subscription/", {"active": "0"})
    assert not is_subscribed(executive)
    assert ReportSubscription.objects.count() == 1


def test_subscription_follows_the_pages_buttons_back_to_the_week(executive: User) -> None:
    client = _client(executive)
    came_from = {"referer": "http://testserver/report/?week=202606&period=ytd"}

    response = client.post("/report/subscription/", {"action": "subscribe"}, headers=came_from)
    client.post("/report/subscription/", {"action": "subscribe"})

    assert response["Location"] == "/report/?week=202606&period=ytd"
    assert is_subscribed(executive)
    client.post("/report/subscription/", {"action": "unsubscribe"})
    client.post("/report/subscription/", {"action": "unsubscribe"})
    assert not is_subscribed(executive)


def test_subscription_refuses_get_and_foreign_redirects(executive: User) -> None:
    client = _client(executive)

    assert client.get("/report/subscription/").status_code == 405
    response = client.post("/report/subscription/", {"next": "https://evil.example/"})
    assert response["Location"] == "/report/"
    response = client.post("/report/subscription/", {"next": "/admin/"}, HTTP_REFERER="https://evil.example/")
    assert response["Location"] == "/report/"


def test_subscription_needs_a_login(db: None) -> None:
    response = Client().post("/report/subscription/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not ReportSubscription.objects.exists()
