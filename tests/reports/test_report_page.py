"""The weekly report page, rendered from the hand-made sample report (the engine's numbers are
tested in test_weekly.py): `reports.page_views._report` is replaced by the sample."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from planning.models import Department, Division, FiscalWeek
from reports import page_views
from reports.report_types import WeeklyReport
from tests.reports.sample import sample_report

URL = "/report/"


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The sample stands in for the engine; the weeks asked for are recorded."""
    weeks: list[int | None] = []

    def fake(week_id: int | None) -> WeeklyReport:
        weeks.append(week_id)
        if week_id not in (None, 202606):
            raise FiscalWeek.DoesNotExist  # as the engine does for a week not closed yet
        return sample_report()

    monkeypatch.setattr(page_views, "_report", fake)
    return weeks


def _html(response: Any) -> str:
    content: bytes = response.content
    return content.decode()


def _row(html: str, code: str) -> str:
    anchor = r'(?:id="[^"]*"\s+)?'  # a department row carries its anchor
    start = rf'<tr class="level-[^"]*"\s+{anchor}data-level="[^"]+"\s+'
    pattern = rf'{start}data-code="{re.escape(code)}">(.*?)</tr>'
    match = re.search(pattern, html, flags=re.DOTALL)
    assert match is not None, f"no row {code!r}"
    return match.group(1)


def _cells(row_html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.DOTALL)
    ]


def _codes(html: str) -> list[str]:
    return re.findall(r'data-level="[^"]+"\s+data-code="([^"]*)"', html)


def test_the_page_shows_the_week_and_the_company(
    client: Client, executive: User, asked: list[int | None]
) -> None:
    client.force_login(executive)

    response = client.get(URL)

    assert response.status_code == 200
    assert asked == [None]  # the last closed week by default
    html = _html(response)
    assert "Weekly report FY2026 W06" in html
    assert "2026-03-08 to 2026-03-14" in html
    company = _cells(_row(html, ""))
    # Sales TY, OP, vs OP %, WP, vs WP %, LY, vs LY %, GM $, GM %, MD $, MD %, stock at the selling
    # locations TY, plan, LY, owned stock TY, ratios
    assert company[:7] == ["3,000", "2,850", "+5.3%", "2,940", "+2.0%", "2,700", "+11.1%"]
    assert company[7:11] == ["1,560", "52.0%", "240", "8.0%"]
    assert company[11:] == ["15,000", "15,300", "14,400", "24,000", "5.0", "3.1", "2.40", "41.0%"]
    # Every header says how it is calculated.
    assert 'title="Sell-through of available, season to date, $ at retail = sales / (BOP + receipts)' in html
    assert re.search(r'<th scope="col"\s+class="num"\s+title="Total owned stock = [^"]*">TY</th>', html)
    # ... and which stock the ratios use
    assert (
        "Weeks of supply, turn, GMROI and sell-through use the stock at selling locations, not the total"
        " owned stock" in html
    )


def test_the_kpi_strip(client: Client, executive: User, asked: list[int | None]) -> None:
    client.force_login(executive)

    html = _html(client.get(URL))

    kpis = re.search(r'data-testid="kpis">(.*?)</section>', html, flags=re.DOTALL)
    assert kpis is not None
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", kpis.group(1)))
    assert "Sales, week 3,000 vs OP +150 (+5.3%) vs WP +60 (+2.0%) vs LY +300 (+11.1%)" in text
    assert "Sales, year to date 15,000 vs OP +750 (+5.3%)" in text
    assert "GM %, week 52.0% plan 52.0% LY 50.0%" in text
    assert "Markdown %, week 8.0% plan 7.1% LY 10.0%" in text
    assert (
        "Stock at selling locations 15,000 plan 15,300 vs plan \N{MINUS SIGN}2.0% LY 14,400 vs LY +4.2%"
        in text
    )
    assert "Total owned stock 24,000 LY 22,500 vs LY +6.7%" in text
    assert "Open approvals 4 Plans 1 OTB budgets 0 Markdowns 2 Orders over OTB 1" in text
    for label in ("Weeks of supply (last 4 weeks) 5.0", "Turn (YTD, annualised) 3.1",
                  "GMROI (YTD, annualised) 2.40", "Sell-through $ of available (season) 41.0%"):  # fmt: skip
        assert label in text
    # A negative variance is marked.
    assert '<dd class="neg">\N{MINUS SIGN}2.0%</dd>' in html


def test_departments_drill_down_to_their_classes(
    client: Client, planner: User, asked: list[int | None]
) -> None:
    client.force_login(planner)

    collapsed = _html(client.get(URL))
    expanded = _html(client.get(URL, {"department": "W01"}))

    assert _codes(collapsed) == ["", "STORES", "W01", "W02"]
    assert 'href="/report/?department=W01#scope-W01"' in collapsed  # back to the row, not the top
    assert 'id="scope-W01"' in collapsed
    assert _codes(expanded) == ["", "STORES", "W01", "W01-01", "W02"]  # the class right under its department
    assert "Tees" in _row(expanded, "W01-01")
    assert _cells(_row(expanded, "W01-01"))[0] == "1,000"
    assert 'href="/report/"' in expanded  # collapse again
    assert "Hide the classes of Women&#x27;s tops" in expanded


def test_missing_figures_show_a_dash_and_the_rows_note(
    client: Client, executive: User, asked: list[int | None]
) -> None:
    client.force_login(executive)

    html = _html(client.get(URL))

    # The sample's channel carries a note: a footnote under the table, its number beside the name.
    stores = _row(html, "STORES")
    assert 'href="#report-note-1"' in stores
    assert re.search(
        r'<li id="report-note-1"\s+value="1">No plan by channel: plan columns are blank.</li>', html
    )


def test_none_is_a_dash_never_a_number(
    client: Client, executive: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from reports.report_types import PeriodFigures, Ratio, Versus

    report = sample_report()
    channel = report.rows[1]
    blank = PeriodFigures(
        sales=Versus(channel.periods["week"].sales.ty),
        gross_margin=Versus(None),
        gm_percent=Ratio(None),
        markdowns=Versus(None),
        markdown_percent=Ratio(None),
    )
    report.rows[1] = replace(
        channel,
        periods={**channel.periods, "week": blank},
        eop=Versus(None),
        owned=Versus(None),
        wos=Ratio(None),
    )
    monkeypatch.setattr(page_views, "_report", lambda week_id: report)
    client.force_login(executive)

    cells = _cells(_row(_html(client.get(URL)), "STORES"))

    dash = "\N{EN DASH}"
    assert cells[0] == "2,000"
    assert cells[1:16] == [dash] * 15  # ... stock at the selling locations, owned stock, WOS
    assert cells[16:] == ["3.1", "2.40", "41.0%"]


def test_the_otb_months(client: Client, executive: User, asked: list[int | None]) -> None:
    client.force_login(executive)

    html = _html(client.get(URL))

    march = re.search(r'<tr data-month="202603">(.*?)</tr>', html, flags=re.DOTALL)
    april = re.search(r'<tr data-month="202604">(.*?)</tr>', html, flags=re.DOTALL)
    assert march is not None
    assert april is not None
    assert _cells(march.group(1)) == ["12,000.00", "2,000.00", "4,000.00", "6,000.00"]
    assert _cells(april.group(1)) == ["no approved budget", "0.00", "1,500.00", "\N{EN DASH}"]


def test_the_lists_accuracy_and_notes(client: Client, executive: User, asked: list[int | None]) -> None:
    client.force_login(executive)

    html = _html(client.get(URL))

    best = re.search(r'data-testid="items-best-sellers">(.*?)</div>', html, flags=re.DOTALL)
    assert best is not None
    assert "ST-1-BLK" in best.group(1)
    assert "1,234.50" in best.group(1)
    assert "2.0 weeks of supply, selling 51 a week" in best.group(1)
    assert "62.0%" in best.group(1)
    # the items' sell-through is in units, and says so
    assert re.search(
        r'title="Sell-through of available in units, season to date = units sold / \(units sold \+ units on'
        r' hand\)">Sell-thru units</th>',
        best.group(1),
    )
    over = re.search(r'data-testid="items-overstocked">(.*?)</div>', html, flags=re.DOTALL)
    assert over is not None
    assert "None this week." in over.group(1)
    accuracy = re.search(r'data-testid="report-accuracy">(.*?)</section>', html, flags=re.DOTALL)
    assert accuracy is not None
    assert re.findall(r"<td[^>]*>([^<]*)</td>", accuracy.group(1)) == [
        "31.0%",
        "\N{MINUS SIGN}5.0%",
        "28.0%",
        "+2.0%",
    ]
    notes = re.search(r'data-testid="report-notes">(.*?)</section>', html, flags=re.DOTALL)
    assert notes is not None
    assert "No forecast run yet: forecast accuracy starts after the first run." in notes.group(1)


def test_the_three_charts_are_inline_svg(client: Client, executive: User, asked: list[int | None]) -> None:
    client.force_login(executive)

    html = _html(client.get(URL))

    for name in ("sales", "inventory", "otb"):
        chart = re.search(rf'data-testid="chart-{name}">\s*<svg', html)
        assert chart is not None, name
    assert html.count("</svg>") == 3
    assert "<script" not in html.split("</head>")[1]


def test_the_period_tabs_switch_the_table(client: Client, executive: User, asked: list[int | None]) -> None:
    client.force_login(executive)

    week = _html(client.get(URL))
    ytd = _html(client.get(URL, {"period": "ytd"}))

    assert 'href="/report/?period=ytd"' in week
    assert _cells(_row(week, ""))[0] == "3,000"
    assert _cells(_row(ytd, ""))[:3] == ["15,000", "14,250", "+5.3%"]
    assert "Year to date: company, channels and departments" in ytd
    assert "main table: year to date (2026-02-01 to 2026-03-14)" in ytd  # the period's own dates
    assert re.search(
        r'<a href="/report/\?period=ytd"\s+title="Year to date"\s+aria-current="page">YTD</a>', ytd
    )
    # The stock and the ratios are the week's whatever the period.
    assert _cells(_row(ytd, ""))[11] == "15,000"
    assert client.get(URL, {"period": "decade"}).status_code == 404


def test_exports_and_subscription_keep_the_query(
    client: Client, executive: User, asked: list[int | None]
) -> None:
    client.force_login(executive)

    html = _html(client.get(URL, {"week": "202606", "period": "qtd"}))

    assert asked == [202606]
    for name in ("pdf", "xlsx", "csv"):
        assert f'href="/report/{name}/?week=202606&amp;period=qtd"' in html
    assert 'action="/report/subscription/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<input type="hidden" name="next" value="/report/?week=202606&amp;period=qtd">' in html
    # not subscribed: one button to subscribe, none to unsubscribe
    assert 'name="action" value="subscribe"' in html
    assert 'name="action" value="unsubscribe"' not in html


@pytest.mark.parametrize("week", ["209901", "abc", "202652"])
def test_an_unknown_week_is_404_with_a_message(
    client: Client, executive: User, asked: list[int | None], week: str
) -> None:
    client.force_login(executive)

    response = client.get(URL, {"week": week})

    assert response.status_code == 404
    html = _html(response)
    assert 'data-testid="report-error"' in html
    assert f"{week}" in html


def test_an_unknown_department_is_400(client: Client, executive: User, asked: list[int | None]) -> None:
    client.force_login(executive)

    response = client.get(URL, {"department": "NOPE"})

    assert response.status_code == 400
    assert "There is no department &#x27;NOPE&#x27;: give its id or its code" in _html(response)


def test_a_department_is_named_by_its_code_in_any_case_or_its_id(
    client: Client, executive: User, asked: list[int | None]
) -> None:
    division = Division.objects.create(code="W", name="Womenswear")
    tops = Department.objects.create(code="W01", name="Women's tops", division=division)
    Department.objects.create(code="M01", name="Men's tops", division=division)  # not in the report
    client.force_login(executive)

    by_code = _html(client.get(URL, {"department": "W01"}))
    lower = _html(client.get(URL, {"department": "w01"}))
    by_id = client.get(URL, {"department": tops.pk})
    elsewhere = client.get(URL, {"department": "m01"})

    for html in (lower, _html(by_id)):
        assert _codes(html) == _codes(by_code) == ["", "STORES", "W01", "W01-01", "W02"]
        assert "Hide the classes of Women&#x27;s tops" in html
    assert by_id.status_code == 200
    assert elsewhere.status_code == 404
    assert "There is no department &#x27;m01&#x27; in the report." in _html(elsewhere)


def test_anonymous_is_sent_to_sign_in(client: Client, asked: list[int | None]) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert asked == []


@pytest.mark.parametrize("role", ["executive", "planner", "manager", "admin_user"])
def test_every_role_may_read(
    client: Client, request: pytest.FixtureRequest, role: str, asked: list[int | None]
) -> None:
    client.force_login(request.getfixturevalue(role))

    response = client.get(URL)

    assert response.status_code == 200
    assert re.search(r'<a href="/report/"\s+aria-current="page">Report</a>', _html(response))


def test_names_are_escaped(client: Client, executive: User, asked: list[int | None]) -> None:
    client.force_login(executive)

    html = _html(client.get(URL))

    assert "=cmd|&#x27; /C calc&#x27;!A0" in _row(html, "W02")
    assert "=cmd|' /C calc'!A0" not in html
