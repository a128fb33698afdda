"""write_columns and read_columns: exact decimals and NULLs in and out, nothing else touched, the
caller's transaction, on SQLite (the default run) and PostgreSQL (DATABASE_URL, as in CI).

The rows: Tops, a plan over FY2025 W01..W03 with Tees and Blouses; every PlanWeek starts with
sales 100.00 + period, 7 units, BOP 10.00, WOS 1.5000, GM 5.00, no FWOS and no target.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.db.transaction import TransactionManagementError
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries

from planning.models import MerchClass, Plan, PlanLine, PlanVersion, PlanWeek
from planning.plans.bulk_write import NULL, read_columns, round_scaled, write_columns
from planning.plans.compute import to_decimal
from planning.plans.measures import DERIVED

Retailer = dict[str, Any]
D = Decimal
COLUMNS = [f.name for f in PlanWeek._meta.concrete_fields if f.name != "updated_at"]


@pytest.fixture
def rows(planner: User, retailer: Retailer) -> list[PlanWeek]:
    """Six PlanWeek rows (two lines x three weeks), in id order."""
    blouses = MerchClass.objects.create(code="W-TOP-BLS", name="Blouses", department=retailer["tops"])
    plan = Plan.objects.create(
        name="Bulk",
        department=retailer["tops"],
        first_week_id=202501,
        last_week_id=202503,
        created_by=planner,
    )
    version = PlanVersion.objects.create(
        plan=plan, kind=PlanVersion.Kind.WORKING, name="WP", created_by=planner
    )
    lines = [
        PlanLine.objects.create(version=version, merch_class=merch_class, position=position)
        for position, merch_class in enumerate((retailer["class"], blouses), start=1)
    ]
    PlanWeek.objects.bulk_create(
        [
            PlanWeek(
                line=line,
                fiscal_week_id=202501 + period,
                period=period,
                sales=D("100.00") + period,
                sales_units=7,
                bop=D("10.00"),
                wos=D("1.5000"),
                gross_margin=D("5.00"),
                updated_by=planner,
            )
            for line in lines
            for period in range(3)
        ]
    )
    return list(PlanWeek.objects.order_by("pk"))


def _table() -> list[tuple[Any, ...]]:
    return list(PlanWeek.objects.order_by("pk").values_list(*COLUMNS))


def _changed_cells(before: list[tuple[Any, ...]], after: list[tuple[Any, ...]]) -> dict[tuple[int, str], Any]:
    return {
        (old[0], name): new_value
        for old, new in zip(before, after, strict=True)
        for name, old_value, new_value in zip(COLUMNS, old, new, strict=True)
        if old_value != new_value
    }


@pytest.mark.django_db
def test_writes_exact_decimals_and_nulls_and_nothing_else(rows: list[PlanWeek]) -> None:
    first, second, third = rows[0].pk, rows[2].pk, rows[4].pk
    before = _table()

    changed = write_columns(
        PlanWeek,
        [first, second, third],
        {
            "bop": [D("123456789012.34"), D("-0.01"), D("0.10")],
            "wos": [D("9999999999.9999"), D("0.0001"), None],
            "gross_margin": [None, D("7.1"), D("-12")],
            "sales_units": [0, 2_000_000_000, 7],
        },
    )

    assert changed == 3
    assert _changed_cells(before, _table()) == {
        (first, "bop"): D("123456789012.34"),
        (first, "wos"): D("9999999999.9999"),
        (first, "gross_margin"): None,
        (first, "sales_units"): 0,
        (second, "bop"): D("-0.01"),
        (second, "wos"): D("0.0001"),
        (second, "gross_margin"): D("7.10"),
        (second, "sales_units"): 2_000_000_000,
        (third, "bop"): D("0.10"),
        (third, "wos"): None,
        (third, "gross_margin"): D("-12.00"),
    }


@pytest.mark.django_db
def test_float_columns_are_rounded_as_to_decimal_rounds(rows: list[PlanWeek]) -> None:
    ids = [row.pk for row in rows]
    # Shortest decimal, then half up (away from zero): 2.675 -> 2.68 although the float is
    # 2.67499999...; 0.125 -> 0.13 and 0.00005 -> 0.0001, where half to even went down.
    money = np.array([2.675, 0.125, 1.005, -2.675, 1234.5, math.nan])
    ratios = np.array([0.00005, 0.00015, 1 / 3, math.inf, 2.5, -0.0])

    write_columns(PlanWeek, ids, {"gross_margin": money, "fwos": ratios})

    stored = list(PlanWeek.objects.order_by("pk").values_list("gross_margin", "fwos"))
    assert stored == [
        (D("2.68"), D("0.0001")),
        (D("0.13"), D("0.0002")),
        (D("1.01"), D("0.3333")),
        (D("-2.68"), None),
        (D("1234.50"), D("2.5000")),
        (None, D("0.0000")),
    ]


@given(st.floats(min_value=-1e11, max_value=1e11) | st.integers(-(10**9), 10**9).map(lambda n: n / 1000))
def test_round_scaled_agrees_with_to_decimal(value: float) -> None:
    for field, places in (("bop", 2), ("wos", 4)):
        expected = to_decimal(value, field)
        assert expected is not None
        assert round_scaled(np.array([value]), places)[0] == int(expected.scaleb(places))


def test_every_derived_column_has_the_places_to_decimal_rounds_to() -> None:
    # write_columns rounds a float column to its field's places: the same as to_decimal only if
    # money columns have 2 places and ratio columns 4.
    for name in DERIVED:
        places = PlanWeek._meta.get_field(name).decimal_places  # type: ignore[union-attr]
        expected = to_decimal(1234.56789, name)
        assert expected is not None
        assert round_scaled(np.array([1234.56789]), places)[0] == int(expected.scaleb(places)), name


def test_round_scaled_gives_null_for_nan_and_infinities() -> None:
    assert round_scaled(np.array([math.nan, math.inf, -math.inf, 0.5]), 2).tolist() == [NULL, NULL, NULL, 50]


@pytest.mark.django_db
def test_counts_only_rows_that_change(rows: list[PlanWeek]) -> None:
    ids = [row.pk for row in rows]

    assert write_columns(PlanWeek, ids, {"bop": [D("10.00")] * 6, "wos": [D("1.5")] * 6}) == 0
    assert write_columns(PlanWeek, ids, {"bop": [D("10.00")] * 5 + [D("10.01")]}) == 1
    assert PlanWeek.objects.get(pk=ids[5]).bop == D("10.01")


@pytest.mark.django_db
def test_refuses_values_the_column_cannot_hold_exactly(rows: list[PlanWeek]) -> None:
    before = _table()
    ids = [rows[0].pk]

    with pytest.raises(ValueError, match=r"bop: 1\.234 is not a number with at most 2 decimal places"):
        write_columns(PlanWeek, ids, {"bop": [D("1.234")]})
    with pytest.raises(ValueError, match="bop: a value has more digits than the column holds"):
        write_columns(PlanWeek, ids, {"bop": [D("1000000000000.00")]})
    with pytest.raises(ValueError, match="an id appears twice"):
        write_columns(PlanWeek, [ids[0], ids[0]], {"bop": [D("1.00"), D("2.00")]})
    with pytest.raises(ValueError, match="bop: 2 values for 1 ids"):
        write_columns(PlanWeek, ids, {"bop": [D("1.00"), D("2.00")]})
    with pytest.raises(ValueError, match=r"PlanWeek\.updated_at is neither an integer nor a decimal column"):
        write_columns(PlanWeek, ids, {"updated_at": [None]})

    assert _table() == before


@pytest.mark.django_db
def test_rolls_back_with_the_callers_transaction(rows: list[PlanWeek]) -> None:
    before = _table()

    def write_then_fail() -> None:
        with transaction.atomic():
            write_columns(PlanWeek, [row.pk for row in rows], {"bop": [D("99.99")] * 6})
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_then_fail()

    assert _table() == before
    assert write_columns(PlanWeek, [rows[0].pk], {"bop": [D("1.00")]}) == 1


@pytest.mark.django_db(transaction=True)
def test_refuses_to_run_outside_a_transaction(rows: list[PlanWeek]) -> None:
    with pytest.raises(TransactionManagementError, match="inside the caller's transaction"):
        write_columns(PlanWeek, [rows[0].pk], {"bop": [D("1.00")]})

    assert PlanWeek.objects.get(pk=rows[0].pk).bop == D("10.00")


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_rows(
    rows: list[PlanWeek], django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    # PostgreSQL: create the staging table, update, drop it (the COPY is not counted); SQLite:
    # one executemany.
    with django_assert_max_num_queries(3):
        write_columns(PlanWeek, [row.pk for row in rows], {"bop": np.arange(6.0), "wos": np.full(6, 0.25)})

    assert list(PlanWeek.objects.order_by("pk").values_list("bop", flat=True)) == [
        D("0.00"), D("1.00"), D("2.00"), D("3.00"), D("4.00"), D("5.00"),
    ]  # fmt: skip


@pytest.mark.django_db
def test_read_columns_gives_integers_and_floats_with_nan_for_null(rows: list[PlanWeek]) -> None:
    PlanWeek.objects.filter(pk=rows[1].pk).update(target=D("4.125"), sales=D("0.10"))
    query = PlanWeek.objects.filter(line__position=1).order_by("-period")

    columns = read_columns(query, ["id", "period", "sales_units", "sales", "target", "fwos"])

    assert columns["id"].dtype == np.int64
    assert columns["id"].tolist() == [rows[2].pk, rows[1].pk, rows[0].pk]
    assert columns["period"].tolist() == [2, 1, 0]
    assert columns["sales_units"].tolist() == [7, 7, 7]
    assert columns["sales"].dtype == np.float64
    assert columns["sales"].tolist() == [102.0, 0.1, 100.0]
    assert columns["target"][1] == 4.125
    assert np.isnan(columns["target"][[0, 2]]).all()
    assert np.isnan(columns["fwos"]).all()


@pytest.mark.django_db
def test_read_columns_of_no_rows(rows: list[PlanWeek]) -> None:
    columns = read_columns(PlanWeek.objects.filter(pk__in=[]), ["id", "sales"])

    assert columns["id"].shape == (0,)
    assert columns["sales"].shape == (0,)
