"""Read paths: stock carried forward from sparse rows, summaries by role, the calendar table."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from pytest_django import DjangoAssertNumQueries

from planning import calendar
from planning.models import FiscalWeek, MerchClass, Sku, StockPosition, Style, StyleColor, Subclass
from planning.selectors import (
    DepartmentSummary,
    department_summaries,
    fiscal_week_ids,
    hierarchy_tree,
    stock_as_of,
)
from planning.services import fiscal_weeks_sync

Retailer = dict[str, Any]


@pytest.fixture
def sparse_stock(retailer: Retailer) -> tuple[tuple[int, int], tuple[int, int]]:
    """Pair 1 (S at the store) changed in weeks 202401 and 202405; pair 2 (M on the web) in 202403."""
    first = (retailer["sku_s"].id, retailer["store"].id)
    second = (retailer["sku_m"].id, retailer["web"].id)
    StockPosition.objects.create(sku_id=first[0], location_id=first[1], fiscal_week_id=202401, on_hand=10)
    StockPosition.objects.create(sku_id=first[0], location_id=first[1], fiscal_week_id=202405, on_hand=4)
    StockPosition.objects.create(sku_id=second[0], location_id=second[1], fiscal_week_id=202403, on_hand=7)
    return first, second


# --- stock_as_of ---------------------------------------------------------------------------


def test_stock_before_any_row_is_empty(sparse_stock: tuple[tuple[int, int], tuple[int, int]]) -> None:
    assert stock_as_of(202352) == {}


def test_stock_carries_the_last_position_forward(
    sparse_stock: tuple[tuple[int, int], tuple[int, int]],
) -> None:
    first, second = sparse_stock

    assert stock_as_of(202401) == {first: 10}
    assert stock_as_of(202402) == {first: 10}
    assert stock_as_of(202403) == {first: 10, second: 7}
    assert stock_as_of(202404) == {first: 10, second: 7}
    assert stock_as_of(202405) == {first: 4, second: 7}
    assert stock_as_of(202410) == {first: 4, second: 7}


def test_stock_as_of_filters_locations(
    sparse_stock: tuple[tuple[int, int], tuple[int, int]], retailer: Retailer
) -> None:
    first, second = sparse_stock

    assert stock_as_of(202410, location_ids=[retailer["web"].id]) == {second: 7}
    assert stock_as_of(202410, location_ids=[retailer["store"].id]) == {first: 4}
    assert stock_as_of(202402, location_ids=[retailer["web"].id]) == {}
    assert stock_as_of(202410, location_ids=[retailer["dc"].id]) == {}
    assert stock_as_of(202410, location_ids=[]) == {}


def test_stock_zero_on_hand_is_a_position_not_a_gap(
    sparse_stock: tuple[tuple[int, int], tuple[int, int]],
) -> None:
    first, second = sparse_stock
    StockPosition.objects.create(sku_id=first[0], location_id=first[1], fiscal_week_id=202407, on_hand=0)

    assert stock_as_of(202406) == {first: 4, second: 7}
    assert stock_as_of(202408) == {first: 0, second: 7}


def test_stock_as_of_across_the_year_end(retailer: Retailer) -> None:
    pair = (retailer["sku_s"].id, retailer["dc"].id)
    StockPosition.objects.create(sku_id=pair[0], location_id=pair[1], fiscal_week_id=202353, on_hand=120)

    assert stock_as_of(202401) == {pair: 120}


def test_stock_as_of_is_one_query(
    sparse_stock: tuple[tuple[int, int], tuple[int, int]], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        stock_as_of(202410)


# --- fiscal_weeks_sync ---------------------------------------------------------------------


@pytest.mark.django_db
def test_fiscal_weeks_sync_adds_a_year_once() -> None:
    # NRF by hand: Jan 31 2036 is a Thursday, so FY2035 ends on Saturday Feb 2 2036 and FY2036
    # starts Sunday Feb 3 2036. Jan 31 2037 is a Saturday, so FY2036 ends then: 364 days, 52 weeks.
    assert calendar.fiscal_year(2036).week_count == 52
    assert not FiscalWeek.objects.filter(year=2036).exists()  # the migration loads 2015-2035

    assert fiscal_weeks_sync(2036, 2036) == 52
    assert fiscal_weeks_sync(2036, 2036) == 0

    weeks = FiscalWeek.objects.filter(year=2036).order_by("id")
    assert weeks.count() == 52
    first, last = weeks.first(), weeks.last()
    assert first is not None
    assert last is not None
    assert (first.id, first.start_date, first.end_date) == (203601, date(2036, 2, 3), date(2036, 2, 9))
    assert (first.month, first.quarter, first.week_of_month) == (1, 1, 1)
    assert (last.id, last.start_date, last.end_date) == (203652, date(2037, 1, 25), date(2037, 1, 31))
    assert (last.month, last.quarter, last.week_of_month) == (12, 4, 4)
    # 4-5-4: March (month 2) has five weeks.
    assert list(weeks.filter(month=2).values_list("week", flat=True)) == [5, 6, 7, 8, 9]


@pytest.mark.django_db
def test_fiscal_weeks_sync_fills_only_the_missing_years() -> None:
    assert fiscal_weeks_sync(2035, 2035) == 0
    # 2036 has 52 weeks (above); 2037: Jan 31 2038 is a Sunday, the nearest Saturday is Jan 30 2038,
    # so FY2037 runs Feb 1 2037 - Jan 30 2038: 364 days, 52 weeks.
    assert fiscal_weeks_sync(2035, 2037) == 104
    assert FiscalWeek.objects.get(pk=203701).start_date == date(2037, 2, 1)
    assert FiscalWeek.objects.get(pk=203752).end_date == date(2038, 1, 30)


@pytest.mark.django_db
def test_fiscal_week_ids_of_a_year() -> None:
    ids = fiscal_week_ids(2023)

    assert len(ids) == 53
    assert (ids[0], ids[-1]) == (202301, 202353)


# --- department summaries and the hierarchy ------------------------------------------------


def test_department_summaries_for_a_planner(planner: User, retailer: Retailer) -> None:
    retailer["tops"].planners.add(planner)

    assert department_summaries(planner) == [
        DepartmentSummary(retailer["dresses"].id, "W-DRS", "Dresses", "Womenswear", 0, 0, is_editable=False),
        DepartmentSummary(retailer["tops"].id, "W-TOP", "Tops", "Womenswear", 1, 1, is_editable=True),
    ]


def test_department_summaries_count_distinct_classes_and_style_colors(
    executive: User, retailer: Retailer
) -> None:
    tops = retailer["tops"]
    knits = MerchClass.objects.create(code="W-TOP-KNT", name="Knits", department=tops)
    cardigans = Subclass.objects.create(code="W-TOP-KNT-CAR", name="Cardigans", merch_class=knits)
    style = Style.objects.create(code="ST-2", name="Cardigan", subclass=cardigans)
    for color_code in ("GRY", "NVY"):
        color = StyleColor.objects.create(
            style=style,
            code=f"ST-2-{color_code}",
            color_code=color_code,
            color_name=color_code,
            retail_price="59.00",
            unit_cost="22.00",
        )
        for size in ("S", "M", "L"):
            Sku.objects.create(style_color=color, code=f"ST-2-{color_code}-{size}", size=size)

    summaries = department_summaries(executive)

    # Tops: classes Tees and Knits; style-colors ST-1-BLK, ST-2-GRY, ST-2-NVY (SKUs do not count).
    assert [(s.code, s.classes, s.style_colors, s.is_editable) for s in summaries] == [
        ("W-DRS", 0, 0, False),
        ("W-TOP", 2, 3, False),
    ]


def test_department_summaries_for_admin_and_nobody(
    admin_user: User, nobody: User, retailer: Retailer
) -> None:
    assert [(s.code, s.is_editable) for s in department_summaries(admin_user)] == [
        ("W-DRS", True),
        ("W-TOP", True),
    ]
    assert department_summaries(nobody) == []


def test_department_summaries_query_count(
    planner: User, retailer: Retailer, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    retailer["tops"].planners.add(planner)
    fresh = User.objects.get(pk=planner.pk)

    with django_assert_num_queries(3):  # the user's groups, editable ids, the summary rows
        department_summaries(fresh)


def test_hierarchy_tree(retailer: Retailer) -> None:
    assert hierarchy_tree() == [
        {
            "code": "W",
            "name": "Womenswear",
            "departments": [
                {"code": "W-DRS", "name": "Dresses", "classes": [], "style_colors": 0},
                {
                    "code": "W-TOP",
                    "name": "Tops",
                    "classes": [{"code": "W-TOP-TEE", "name": "Tees", "style_colors": 1}],
                    "style_colors": 1,
                },
            ],
        }
    ]
