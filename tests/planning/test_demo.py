"""The demo retailer: deterministic, realistic, sparse, exact money, and clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Sum

from planning import calendar
from planning.demo.generator import PRESETS, HistoryWeeks, generate_master, history_chunks
from planning.demo.loader import demo_exists, demo_load, history_weeks
from planning.models import (
    Department,
    FiscalWeek,
    Location,
    Plan,
    PlanTransition,
    SalesHistory,
    StockPosition,
    StyleColor,
    TargetCell,
    TargetVersion,
)
from planning.roles import ADMIN, MANAGER, PLANNER, user_roles
from planning.selectors import stock_as_of

ROOT = Path(__file__).resolve().parents[2]
THROUGH = calendar.fiscal_week(2026, 40)


def _weeks() -> HistoryWeeks:
    return HistoryWeeks(np.array([w.week for w in history_weeks(THROUGH, "454")], dtype=np.int64))


def _generate(seed: int) -> list[np.ndarray]:
    weeks = _weeks()
    master = generate_master(PRESETS["small"], weeks, seed)
    chunks = list(history_chunks(master, weeks, PRESETS["small"], seed))
    return [
        np.concatenate([c.sales_sku for c in chunks]),
        np.concatenate([c.sales_units for c in chunks]),
        np.concatenate([c.stock_on_hand for c in chunks]),
        master.style_colors["retail_cents"].to_numpy(),
    ]


def test_history_spans_two_full_fiscal_years_and_the_current_one_to_date() -> None:
    weeks = history_weeks(THROUGH, "454")
    assert str(weeks[0]) == "FY2024 W01"
    assert weeks[0].start == date(2024, 2, 4)
    assert str(weeks[-1]) == "FY2026 W40"
    assert len(weeks) == 52 + 52 + 40


def test_same_seed_gives_the_same_retailer_and_another_seed_another() -> None:
    first, again, other = _generate(7), _generate(7), _generate(8)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1][:500], other[1][:500]) or len(first[1]) != len(other[1])


@pytest.fixture
def small_demo(db: None) -> dict[str, object]:
    summary = demo_load(size="small", seed=3, through=THROUGH)
    return {"summary": summary}


def test_small_demo_loads_master_data_history_and_users(small_demo: dict[str, object]) -> None:
    summary = small_demo["summary"]
    assert summary.style_colors == 50 == StyleColor.objects.count()  # type: ignore[attr-defined]
    assert Location.objects.filter(kind="store").count() == 5
    assert Location.objects.filter(kind="dc").count() == 1
    assert Location.objects.filter(kind="ecommerce").count() == 1
    assert Department.objects.count() == 4
    assert SalesHistory.objects.count() == summary.sales_rows  # type: ignore[attr-defined]
    assert StockPosition.objects.count() == summary.stock_rows  # type: ignore[attr-defined]
    assert FiscalWeek.objects.filter(year=2028).exists()  # weeks materialised two years ahead

    roles = {u.username: user_roles(u) for u in User.objects.all()}
    assert roles["planner"] == {PLANNER}
    assert roles["manager"] == {MANAGER}
    assert ADMIN in roles["admin"]
    planner = User.objects.get(username="planner")
    assert planner.check_password("demo")
    assert sorted(Department.objects.editable_by(planner).values_list("code", flat=True)) == ["W01", "W02"]
    plan = Plan.objects.earliest("pk")  # the demo plan: the planner's first department
    assert plan.name == "W01 FY2026"
    assert sorted(plan.versions.values_list("kind", flat=True)) == ["ly", "op", "ty", "wp"]
    # Approved before the season (OP r1: the planner submitted, the manager approved), rolled
    # after: the OP holds no actuals, the working plan holds them through the last closed week.
    original = plan.versions.get(kind="op")
    approver = User.objects.get(username="manager").pk
    assert (original.revision, original.approved_by_id, original.is_frozen) == (1, approver, True)
    assert original.actuals_through_id is None
    assert plan.versions.get(kind="wp").actuals_through_id is not None
    assert list(
        PlanTransition.objects.filter(version__plan=plan, version__kind="wp")
        .order_by("id")
        .values_list("action", "user__username")
    )[:4] == [("create", "planner"), ("submit", "planner"), ("approve", "manager"), ("roll", "planner")]
    manager = User.objects.get(username="manager")
    assert sorted(Department.objects.editable_by(manager).values_list("code", flat=True)) == [
        "M01", "M02", "W01", "W02",
    ]  # fmt: skip
    # Every department has a plan for the year: approved before the season (OP r1), so the
    # company and its divisions have plans to roll up (the weekly report's plan columns).
    plans = Plan.objects.order_by("pk").select_related("department")
    assert [p.department.code for p in plans] == ["W01", "W02", "M01", "M02"]  # the planner's first
    assert {p.name.split()[1] for p in plans} == {"FY2026"}
    admin = User.objects.get(username="admin")
    for other in plans[2:]:  # outside the planner's departments: the manager plans, the admin approves
        op = other.versions.get(kind="op")
        submit = PlanTransition.objects.get(version__plan=other, version__kind="wp", action="submit")
        assert (submit.user.username, op.approved_by_id, op.revision) == ("manager", admin.pk, 1)
    # Published targets for the manager's divisions, for the plan's year: last year + 5 %.
    targets = TargetVersion.objects.filter(is_published=True).order_by("division__code")
    assert [(t.division.code, t.fiscal_year, t.status) for t in targets] == [
        ("M", 2026, "approved"), ("W", 2026, "approved"),
    ]  # fmt: skip
    last_year = SalesHistory.objects.filter(
        fiscal_week__year=2025, fiscal_week__month=1,
        sku__style_color__style__subclass__merch_class__department__code="W01",
    ).aggregate(total=Sum("retail_value"))["total"]  # fmt: skip
    w01 = TargetCell.objects.get(version=targets[1], department__code="W01", month=1)
    assert w01.sales == (last_year * Decimal("1.05")).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_history_is_sparse_and_money_is_exact(small_demo: dict[str, object]) -> None:
    assert not SalesHistory.objects.filter(units=0).exists()
    # Compared in Python on Decimals: SQLite keeps NUMERIC as REAL, so SQL equality would be fuzzy.
    rows = SalesHistory.objects.values_list(
        "units", "retail_value", "cost_value", "markdown_value",
        "sku__style_color__retail_price", "sku__style_color__unit_cost",
    )  # fmt: skip
    for units, retail, cost, markdown, price, unit_cost in rows:
        assert retail + markdown == units * price
        assert cost == units * unit_cost
        assert markdown >= 0
    sample = SalesHistory.objects.select_related("sku__style_color").first()
    assert sample is not None
    assert isinstance(sample.retail_value, Decimal)
    assert sample.retail_value == sample.retail_value.quantize(Decimal("0.01"))


def test_history_has_promotions_clearance_stockouts_and_new_launches(small_demo: dict[str, object]) -> None:
    promotions = SalesHistory.objects.filter(is_promotion=True)
    assert promotions.exists()
    assert not promotions.filter(markdown_value=0).exists()
    # Clearance: markdowns on sales outside promotions.
    assert SalesHistory.objects.filter(is_promotion=False, markdown_value__gt=0).exists()
    # Stock-outs: a live pair recorded at zero on hand.
    assert StockPosition.objects.filter(on_hand=0, fiscal_week__year=2025).exists()
    recent = calendar.add_weeks(THROUGH, -10).start
    assert StyleColor.objects.filter(launch_date__gt=recent).exists()
    assert StyleColor.objects.filter(lifecycle="basic").exists()
    assert StyleColor.objects.filter(exit_date__isnull=False).exists()


def test_sales_have_a_holiday_peak(small_demo: dict[str, object]) -> None:
    def units(week: int) -> int:
        return SalesHistory.objects.filter(fiscal_week_id=week).aggregate(u=Sum("units"))["u"] or 0

    # Black Friday week (fiscal 43) sells more than an ordinary autumn week (fiscal 39).
    assert units(202443) > 1.2 * units(202439)
    assert units(202543) > 1.2 * units(202539)


def test_stock_positions_are_never_negative_and_carry_forward(small_demo: dict[str, object]) -> None:
    positions = stock_as_of(202620)
    assert positions
    assert min(positions.values()) >= 0
    assert len(stock_as_of(202620)) >= len(stock_as_of(202401))


def test_loading_again_keeps_what_exists(
    small_demo: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    before = SalesHistory.objects.count()
    call_command("load_demo", "--size", "small", "--seed", "3")
    assert "already loaded" in capsys.readouterr().out
    assert SalesHistory.objects.count() == before
    assert demo_exists()


def test_replace_reloads_a_different_seed(small_demo: dict[str, object]) -> None:
    before = list(StyleColor.objects.order_by("code").values_list("retail_price", flat=True))
    call_command(
        "load_demo", "--size", "small", "--seed", "4", "--replace", "--through", "2026-11-07", verbosity=0
    )
    after = list(StyleColor.objects.order_by("code").values_list("retail_price", flat=True))
    assert len(after) == 50
    assert before != after


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--size", "huge"], "--size must be one of small, medium, large, not 'huge'."),
        (["--seed", "-1"], "--seed must be a non-negative integer, not -1."),
        (["--seed", "abc"], "--seed must be a non-negative integer, not 'abc'."),
        (["--through", "yesterday"], "--through must be a date YYYY-MM-DD, not 'yesterday'."),
    ],
)
def test_bad_arguments_give_one_line_and_exit_code_2(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["MERCHPLAN_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "load_demo", *arguments],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"CommandError: {message}"]
    assert not (tmp_path / "merchplan.sqlite3").exists() or result.stdout == ""
