"""The weekly report's numbers against the database, worked by hand.

The retailer of tests/conftest.py: Tops (class Tees: ST-1-BLK, retail 24.00, cost 9.60) and
Dresses (no classes, no sales); S001 is a store (channel Stores), WEB the web shop (E-commerce),
DC1 a distribution centre. The report's week is FY2025 W04 (the first fiscal month has 4 weeks,
so week, month, quarter, season and year to date cover W01..W04 but for the week itself).

Sales (retail / cost / markdowns):
  FY2025 W03  S at S001   10 units  240.00 / 96.00 / 10.00
  FY2025 W04  S at S001    5 units  120.00 / 48.00
              M at WEB     2 units   48.00 / 19.20
  FY2024 W04  S at S001    4 units   96.00 / 38.40   (last year's week 4)
Stock (units; x 24.00 at retail, x 9.60 at cost; the DC's 100 are not counted):
  S at S001: 20 from W01, 10 from W03, 5 from W04; M at WEB: 4 from W02, 2 from W04
  -> EOP W01 480.00, W02 576.00, W03 336.00, W04 168.00; nothing before W01.
Working plan of Tops (Tees), each week: sales 150.00, markdowns 5.00, GM 80.00, EOP 200.00,
BOP 200.00; no approved original plan.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from planning.models import FiscalWeek, Plan, PlanLine, PlanVersion, PlanWeek, SalesHistory, StockPosition
from reports import figures
from reports.weekly import build, weekly_report

D = Decimal
WEEK = 202504


def _sale(
    sku: Any, location: Any, week: int, units: int, retail: str, cost: str, markdown: str = "0"
) -> None:
    SalesHistory.objects.create(
        sku=sku, location=location, fiscal_week_id=week, units=units, retail_value=D(retail),
        cost_value=D(cost), markdown_value=D(markdown),
    )  # fmt: skip


@pytest.fixture
def shop(retailer: dict[str, Any], planner: User) -> dict[str, Any]:
    small, medium, store, web, dc = (retailer[k] for k in ("sku_s", "sku_m", "store", "web", "dc"))
    _sale(small, store, 202503, 10, "240.00", "96.00", "10.00")
    _sale(small, store, 202504, 5, "120.00", "48.00")
    _sale(medium, web, 202504, 2, "48.00", "19.20")
    _sale(small, store, 202404, 4, "96.00", "38.40")
    for sku, location, week, units in [
        (small, store, 202501, 20), (small, store, 202503, 10), (small, store, 202504, 5),
        (medium, web, 202502, 4), (medium, web, 202504, 2), (small, dc, 202501, 100),
    ]:  # fmt: skip
        StockPosition.objects.create(sku=sku, location=location, fiscal_week_id=week, on_hand=units)
    plan = Plan.objects.create(
        name="Tops FY2025",
        department=retailer["tops"],
        first_week_id=202501,
        last_week_id=202504,
        created_by=planner,
    )
    version = PlanVersion.objects.create(
        plan=plan, kind=PlanVersion.Kind.WORKING, name="Working", created_by=planner
    )
    line = PlanLine.objects.create(version=version, merch_class=retailer["class"])
    for period, week in enumerate(range(202501, 202505)):
        PlanWeek.objects.create(
            line=line, fiscal_week_id=week, period=period, sales=D("150.00"), markdowns=D("5.00"),
            gross_margin=D("80.00"), eop=D("200.00"), bop=D("200.00"),
        )  # fmt: skip
    cache.clear()
    return retailer


def _row(report: Any, level: str, code: str = "") -> Any:
    return next(row for row in report.rows if row.level == level and row.code == code)


def test_the_company_week_by_hand(shop: Any) -> None:
    report = build(FiscalWeek.objects.get(pk=WEEK))
    assert (report.week_label, report.week_dates) == ("FY2025 W04", "2025-02-23 to 2025-03-01")
    assert report.period_dates["ytd"] == "2025-02-02 to 2025-03-01"  # FY2025 starts on 2 February
    company = report.company
    week = company.periods["week"]
    # 120.00 + 48.00 against last year's 96.00: +72.00, +75%
    assert (week.sales.ty, week.sales.ly, week.sales.vs_ly) == (D("168.00"), D("96.00"), D("72.00"))
    assert week.sales.vs_ly_percent == pytest.approx(0.75)
    # GM 168 - 67.20 = 100.80 (60%); last year 96 - 38.40 = 57.60
    assert (week.gross_margin.ty, week.gross_margin.ly) == (D("100.80"), D("57.60"))
    assert week.gm_percent.ty == pytest.approx(0.6)
    # Dresses has no plan: the company has no plan figures rather than Tops' alone
    assert (week.sales.op, week.sales.wp) == (None, None)
    assert any("No plan for 1 of 2 departments (W-DRS)" in note for note in report.notes)


def test_year_to_date_stock_turn_gmroi_and_sell_through(shop: Any) -> None:
    company = build(FiscalWeek.objects.get(pk=WEEK)).company
    ytd = company.periods["ytd"]
    assert (ytd.sales.ty, ytd.gross_margin.ty, ytd.markdowns.ty) == (D("408.00"), D("244.80"), D("10.00"))
    assert ytd.markdown_percent.ty == pytest.approx(10 / 408)
    assert company.eop.ty == D("168.00")  # 5 x 24 + 2 x 24; the DC's 100 are not counted
    assert company.eop.ly == D("0.00")  # no stock recorded last year
    # weeks of supply: 168 / ((0 + 0 + 240 + 168) / 4 = 102 a week) = 1.647
    assert company.wos.ty == pytest.approx(168 / 102)
    # average stock (0 + 480 + 576 + 336 + 168) / 5 = 312; turn 408 / 312 x 52 / 4 = 17.0
    assert company.turn.ty == pytest.approx(17.0)
    # at cost (0 + 192 + 230.40 + 134.40 + 67.20) / 5 = 124.80; GMROI 244.80 / 124.80 x 13 = 25.5
    assert company.gmroi.ty == pytest.approx(25.5)
    # sell-through of available: 408 / (168 + 408 + 10) = 0.696
    assert company.sell_through.ty == pytest.approx(408 / 586)


def test_channels_departments_and_the_working_plan(shop: Any) -> None:
    report = build(FiscalWeek.objects.get(pk=WEEK))
    assert _row(report, "channel", "STORES").periods["week"].sales.ty == D("120.00")
    assert _row(report, "channel", "ECOM").periods["week"].sales.ty == D("48.00")
    assert _row(report, "channel", "STORES").notes == (
        "Plans are by department for the whole company: no plan by channel.",
    )
    tops = _row(report, "department", "W-TOP")
    week = tops.periods["week"]
    # against the working plan's 150.00: +18.00, +12%; no approved original plan
    assert (week.sales.wp, week.sales.vs_wp, week.sales.op) == (D("150.00"), D("18.00"), None)
    assert week.sales.vs_wp_percent == pytest.approx(0.12)
    assert tops.notes == ("No approved original plan (OP) yet.",)
    assert week.gm_percent.plan == pytest.approx(80 / 150)
    assert tops.eop.wp == D("200.00")
    # the plan's weeks of supply: 200 / 150 a week; its turn: 600 / ((200 + 4 x 200) / 5) x 13 = 39
    assert tops.wos.plan == pytest.approx(200 / 150)
    assert tops.turn.plan == pytest.approx(39.0)
    tees = _row(report, "class", "W-TOP-TEE")
    assert (tees.parent, tees.periods["ytd"].sales.ty) == ("W-TOP", D("408.00"))
    dresses = _row(report, "department", "W-DRS")
    assert dresses.periods["week"].sales.ty == D("0.00")
    assert dresses.notes == ("No plan covers this week.",)


def test_lists_and_charts_points(shop: Any) -> None:
    report = build(FiscalWeek.objects.get(pk=WEEK))
    assert [(item.code, item.sales, item.units, item.stock_units) for item in report.best_sellers] == [
        ("ST-1-BLK", D("168.00"), 7, 7)
    ]
    # 17 sold in the last 4 weeks (4.25 a week), 7 in stock: 1.6 weeks, but under 5 a week: not listed
    assert report.understocked == []
    assert [point.sales_ty for point in report.weeks] == [D("0.00"), D("0.00"), D("240.00"), D("168.00")]
    assert [point.eop_ty for point in report.weeks] == [D("480.00"), D("576.00"), D("336.00"), D("168.00")]
    assert report.weeks[-1].sales_ly == D("96.00")
    assert report.open_approvals == {"Plans": 0, "OTB budgets": 0, "Markdowns": 0, "Orders over OTB": 0}


def test_cached_per_week_until_the_data_changes(shop: Any, django_assert_max_num_queries: Any) -> None:
    first = weekly_report(WEEK)
    with django_assert_max_num_queries(9):  # the data stamp only (prices included)
        assert weekly_report(WEEK) is not None
    _sale(shop["sku_m"], shop["store"], 202504, 1, "24.00", "9.60")
    assert first.company.periods["week"].sales.ty == D("168.00")
    assert weekly_report(WEEK).company.periods["week"].sales.ty == D("192.00")  # a new sale: computed again
    with pytest.raises(FiscalWeek.DoesNotExist):
        weekly_report(209901)  # not closed yet


def test_the_working_plan_has_gmroi_for_its_classes_and_department(shop: Any) -> None:
    report = build(FiscalWeek.objects.get(pk=WEEK))
    # GM 4 x 80 = 320 over the average plan stock (200 + 4 x 200) / 5 = 200 at retail, x 0.45 at cost
    # (the plan's 1 - IMU) = 90: 320 / 90 x 52 / 4 = 46.22
    for row in (_row(report, "class", "W-TOP-TEE"), _row(report, "department", "W-TOP")):
        assert row.gmroi.plan == pytest.approx(320 / 90 * 13)


@pytest.mark.django_db
def test_the_demo_working_plan_has_gmroi_for_its_classes() -> None:
    """Issue 16: the working plan's GMROI was blank for every class of the demo's planned
    department (W01): the plan's stock at cost was only known per department."""
    from io import StringIO

    from django.core.management import call_command

    call_command("load_demo", "--size", "small", "--seed", "7", stdout=StringIO())
    report = weekly_report()
    plan = Plan.objects.earliest("pk")  # the demo plan: the planner's first department
    version = plan.versions.get(kind=PlanVersion.Kind.WORKING)
    department = _row(report, "department", plan.department.code)
    # Issue 19: every demo department is planned, so the company has plan columns: its
    # departments' plans rolled up (with one department planned they were blank).
    company = report.company.periods["week"].sales
    departments = [row.periods["week"].sales for row in report.rows if row.level == "department"]
    assert len(departments) == 4
    assert company.op is not None
    assert company.wp is not None
    assert (company.op, company.wp) == (
        sum(d.op or 0 for d in departments),
        sum(d.wp or 0 for d in departments),
    )
    classes = [row for row in report.rows if row.level == "class" and row.parent == department.code]
    assert len(classes) >= 2
    weeks = list(FiscalWeek.objects.filter(year=report.week_id // 100, id__lte=report.week_id).order_by("id"))
    for row in [department, *classes]:
        lines = PlanWeek.objects.filter(
            line__version=version, line__merch_class__isnull=False, fiscal_week__in=weeks
        )
        if row.level == "class":
            lines = lines.filter(line__merch_class__code=row.code)
        by_week: dict[int, list[Decimal]] = {}
        for week_id, eop, bop, margin in lines.values_list("fiscal_week_id", "eop", "bop", "gross_margin"):
            totals = by_week.setdefault(week_id, [D(0), D(0), D(0)])
            totals[0] += eop
            totals[1] += bop
            totals[2] += margin or 0
        ordered = [by_week[week.pk] for week in weeks]
        # GM / ((first BOP + every EOP) / (weeks + 1) x (1 - IMU)) x 52 / weeks
        average_cost = (ordered[0][1] + sum(t[0] for t in ordered)) / (len(weeks) + 1) * plan.cost_complement
        expected = float(sum(t[2] for t in ordered) / average_cost) * 52 / len(weeks)
        assert row.gmroi.plan == pytest.approx(expected), row.code
        assert row.gmroi.plan > 0


def test_the_plans_sell_through_is_of_its_available_stock_shrink_included(shop: Any) -> None:
    # a consistent plan: each week 150 sold, 5 marked down, 5 shrunk, 160 received: EOP = BOP = 200
    PlanWeek.objects.update(shrink=D("5.00"), receipts=D("160.00"))
    tops = _row(build(FiscalWeek.objects.get(pk=WEEK)), "department", "W-TOP")
    # season to date: 600 / (BOP 200 + receipts 640)
    assert tops.sell_through.plan == pytest.approx(600 / 840)


def _mark_down(shop: Any, planner: User, week: int, old: str, new: str) -> None:
    from otb.models import MarkdownProposal, PriceChange

    proposal = MarkdownProposal.objects.create(
        department=shop["tops"], name=f"Tees {new}", effective_week_id=week, created_by=planner,
        status=MarkdownProposal.Status.APPROVED,
    )  # fmt: skip
    color = shop["sku_s"].style_color
    PriceChange.objects.create(
        style_color=color, effective_week_id=week, old_price=D(old), new_price=D(new), proposal=proposal,
        changed_by=planner,
    )  # fmt: skip
    color.retail_price = D(new)  # approval sets today's price at once (README, markdowns)
    color.save(update_fields=["retail_price"])


def test_each_week_is_valued_at_the_price_in_effect_that_week(shop: Any, planner: User) -> None:
    StockPosition.objects.create(sku=shop["sku_s"], location=shop["store"], fiscal_week_id=202404, on_hand=3)
    # 24.00 -> 18.00 from W04, then 18.00 -> 12.00 from W06 (after the report's week); today: 12.00
    _mark_down(shop, planner, 202504, "24.00", "18.00")
    _mark_down(shop, planner, 202506, "18.00", "12.00")

    report = build(FiscalWeek.objects.get(pk=WEEK))

    # units at the selling locations 20, 24, 14, 7: W01..W03 at 24.00, W04 at 18.00
    assert [point.eop_ty for point in report.weeks] == [D("480.00"), D("576.00"), D("336.00"), D("126.00")]
    company = report.company
    assert company.eop.ty == D("126.00")
    assert company.eop.ly == D("72.00")  # last year's W04: 3 units at the 24.00 of then, not at 12.00
    # turn on the selling locations' stock, the year opening with last year's 3 units (72.00):
    # 408 / ((72 + 480 + 576 + 336 + 126) / 5 = 318) x 13
    assert company.turn.ty == pytest.approx(408 / 318 * 13)
    # owned: the 7 at the stores and web and the DC's 100, at 18.00
    assert company.owned.ty == D("1926.00")


def test_the_price_in_effect_each_week() -> None:
    from reports.weekly import prices_in_effect

    # 24.00 -> 18.00 from W46, then back up to 20.00 from W50
    history = [(202646, D("24.00"), D("18.00")), (202650, D("18.00"), D("20.00"))]
    weeks = [202544, 202644, 202645, 202646, 202649, 202650, 202652]
    assert prices_in_effect(history, weeks) == [D("24.00"), D("24.00"), D("24.00"), D("18.00"), D("18.00"),
                                                D("20.00"), D("20.00")]  # fmt: skip


def test_owned_stock_adds_the_dcs_and_what_is_in_transit(shop: Any) -> None:
    StockPosition.objects.filter(sku=shop["sku_m"], location=shop["web"], fiscal_week_id=202504).update(
        in_transit=3
    )
    report = build(FiscalWeek.objects.get(pk=WEEK))
    company = report.company
    # selling locations 7 x 24 = 168.00; owned adds the DC's 100 and the 3 in transit: 110 x 24
    assert (company.eop.ty, company.owned.ty, company.owned.ly) == (D("168.00"), D("2640.00"), D("0.00"))
    # the web shop's 3 in transit are the e-commerce channel's; the DC has no channel
    assert _row(report, "channel", "ECOM").owned.ty == D("120.00")
    assert _row(report, "department", "W-TOP").owned.ty == D("2640.00")


def test_figures_by_hand() -> None:
    assert figures.money(1.005) == D("1.01")
    assert figures.money(float("nan")) is None
    assert figures.average_inventory(120, [100, 140, 160]) == 130
    assert figures.turn(300, 120, [100, 140, 160], 3) == pytest.approx(300 / 130 * 52 / 3)
    assert figures.weeks_of_supply(5000, [1000, 1000]) == 5.0
    assert figures.weeks_of_supply(5000, [0, 0]) is None
    assert figures.sell_through_of_available(400, 50, 550) == pytest.approx(0.4)
    assert figures.ratio(1, 0) is None


def test_the_warm_task_fills_the_cache(shop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from reports import tasks, weekly

    monkeypatch.setattr(weekly, "latest_closed_week", lambda: FiscalWeek.objects.get(pk=WEEK))
    assert tasks.weekly_report_warm() == WEEK
    built: list[int] = []
    monkeypatch.setattr(weekly, "build", lambda week: built.append(week.pk))
    assert weekly.weekly_report().week_id == WEEK  # from the cache: not built again
    assert built == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_reads_run_at_once_with_the_same_numbers(shop: Any) -> None:
    from django.db import connection

    assert not connection.in_atomic_block  # so `concurrently` uses a thread per read
    report = build(FiscalWeek.objects.get(pk=WEEK))
    company = report.company
    assert company.periods["ytd"].sales.ty == D("408.00")
    assert company.eop.ty == D("168.00")
    assert [(item.code, item.units) for item in report.best_sellers] == [("ST-1-BLK", 7)]


def test_weeks_without_last_year_history_show_no_last_year(shop: Any) -> None:
    # FY2025 W02: last year's W01 and W02 have no sales at all (only W04 has): blank, not zero
    report = build(FiscalWeek.objects.get(pk=202502))
    assert report.company.periods["ytd"].sales.ly is None
    assert report.company.periods["ytd"].sales.vs_ly_percent is None
    assert "No sales history last year for these weeks: the last-year columns are blank." in report.notes
    assert (
        "Open to buy and open approvals are as they stand today, not as they stood that week." in report.notes
    )
