"""Forecast runs on the small demo retailer: fan-out, snapshot, failure of one department,
idempotent partitions, the weekly schedule, and who may run what. The runs that depend on the
day run on each of the fixed days (`on_days`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from core.errors import Forbidden
from forecasting import engine, selectors, services
from forecasting.models import (
    ForecastRun,
    ForecastRunLog,
    ForecastRunPartition,
    SeriesFit,
    SizeShare,
    StyleColorForecast,
)
from planning.models import Department
from tests.conftest import on_days

pytestmark = pytest.mark.django_db


def _admin() -> User:
    return User.objects.get(username="admin")


@on_days
def test_a_run_forecasts_every_department_and_keeps_a_snapshot(
    demo: None, start_run: Callable[..., ForecastRun]
) -> None:
    run = start_run(user=_admin(), horizon=13)

    departments = Department.objects.count()
    assert run.status == ForecastRun.Status.DONE
    assert run.progress_total == run.progress_done == departments == 4
    assert run.as_of_week_id == selectors.latest_closed_week().id
    fits = SeriesFit.objects.filter(run=run)
    assert fits.count() == run.series_count > 0
    assert set(fits.values_list("model", flat=True)) <= set(engine.MODEL_NAMES) | {
        "like_item",
        "parent_profile",
        "no_history",
    }
    assert all(fit.reason for fit in fits)
    # Exactly the 13 weeks after the as-of week, for every style-color.
    weeks = [week.id for week in selectors.weeks_after(run.as_of_week, 13)]
    rows = list(StyleColorForecast.objects.filter(run=run).values_list("style_color_id", "fiscal_week_id"))
    per_item: dict[int, list[int]] = defaultdict(list)
    for item, week in rows:
        per_item[item].append(week)
    assert len(per_item) == run.series_count
    assert all(sorted(item_weeks) == weeks for item_weeks in per_item.values())
    assert not StyleColorForecast.objects.filter(run=run, lower__gt=0, units__lt=0).exists()
    # Size shares of each style-color add up to 1 (six decimals each).
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for item, share in SizeShare.objects.filter(run=run).values_list("sku__style_color_id", "share"):
        totals[item] += share
    assert totals
    assert all(abs(total - 1) <= Decimal("0.00001") * 12 for total in totals.values())
    log = list(ForecastRunLog.objects.filter(run=run).values_list("message", flat=True))
    assert log[0].startswith("Queued: 4 departments")
    assert log[-1].startswith("Finished: succeeded")


def test_running_a_partition_again_leaves_the_same_snapshot(
    demo: None, start_run: Callable[..., ForecastRun]
) -> None:
    run = start_run(user=_admin(), horizon=6)
    partition = ForecastRunPartition.objects.filter(run=run).first()
    assert partition is not None
    before = list(
        StyleColorForecast.objects.filter(run=run)
        .order_by("style_color_id", "fiscal_week_id")
        .values_list("style_color_id", "fiscal_week_id", "units")
    )

    services.forecast_partition_compute(partition.pk)

    after = list(
        StyleColorForecast.objects.filter(run=run)
        .order_by("style_color_id", "fiscal_week_id")
        .values_list("style_color_id", "fiscal_week_id", "units")
    )
    assert after == before


def test_a_failing_department_leaves_the_others_and_marks_the_run_partly_failed(
    demo: None, monkeypatch: pytest.MonkeyPatch, start_run: Callable[..., ForecastRun]
) -> None:
    first = Department.objects.order_by("code").first()
    assert first is not None
    real = selectors.forecast_items

    def broken(department_id: int, *args: object) -> object:
        if department_id == first.pk:
            raise RuntimeError("history table unreadable")
        return real(department_id, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(selectors, "forecast_items", broken)
    run = start_run(user=_admin(), horizon=4)

    assert run.status == ForecastRun.Status.PARTIAL
    failed = ForecastRunPartition.objects.get(run=run, department=first)
    assert failed.status == ForecastRunPartition.Status.FAILED
    assert "history table unreadable" in failed.error
    assert ForecastRunPartition.objects.filter(run=run, status="succeeded").count() == 3
    assert not StyleColorForecast.objects.filter(
        run=run, style_color__style__subclass__merch_class__department=first
    ).exists()
    assert ForecastRunLog.objects.filter(run=run, level="error", message__contains="unreadable").exists()


def test_planners_forecast_only_their_departments(demo: None, start_run: Callable[..., ForecastRun]) -> None:
    planner = User.objects.get(username="planner")
    theirs = list(Department.objects.editable_by(planner).values_list("id", flat=True))
    other = Department.objects.exclude(pk__in=theirs).first()
    assert theirs
    assert other is not None

    with pytest.raises(Forbidden, match="cannot forecast"):  # 403: core.scope's answer
        start_run(user=planner, department_ids=[other.pk])
    run = services.forecast_run_start(user=planner, horizon=4)

    assert sorted(run.departments.values_list("id", flat=True)) == sorted(theirs)
    assert ForecastRun.objects.count() == 1


@pytest.mark.parametrize(("horizon", "message"), [(0, "between 1 and 52"), (53, "between 1 and 52")])
def test_bad_run_requests_are_refused(demo: None, horizon: int, message: str) -> None:
    with pytest.raises(services.ForecastError, match=message):
        services.forecast_run_start(user=_admin(), horizon=horizon)
    assert not ForecastRun.objects.exists()


def test_a_run_cannot_start_from_a_week_that_has_not_closed(
    demo: None, start_run: Callable[..., ForecastRun]
) -> None:
    upcoming = selectors.weeks_after(selectors.latest_closed_week(), 1)[0]
    with pytest.raises(services.ForecastError, match="has not closed"):
        start_run(user=_admin(), as_of_week_id=upcoming.id)
    assert not ForecastRun.objects.exists()


@on_days
def test_the_weekly_schedule_runs_once_per_closed_week(demo: None) -> None:
    run = services.forecast_run_scheduled()
    assert run is not None
    assert run.trigger == ForecastRun.Trigger.SCHEDULED
    assert run.created_by is None
    assert services.forecast_run_scheduled() is None
    assert ForecastRun.objects.count() == 1


def test_replacing_the_demo_retailer_removes_its_forecasts(
    demo: None, start_run: Callable[..., ForecastRun]
) -> None:
    from planning.demo.loader import demo_delete
    from planning.models import StyleColor

    run = start_run(user=_admin(), horizon=4)
    assert StyleColorForecast.objects.filter(run=run).exists()

    demo_delete()  # the foreign keys protect style-colors: forecasting clears its rows first

    assert not ForecastRun.objects.exists()
    assert not StyleColorForecast.objects.exists()
    assert not StyleColor.objects.exists()


@on_days
def test_an_item_is_forecast_at_zero_after_its_exit_date(
    demo: None, start_run: Callable[..., ForecastRun]
) -> None:
    from planning.models import StyleColor

    latest = selectors.latest_closed_week()
    weeks = selectors.weeks_after(latest, 6)
    first = start_run(user=_admin(), horizon=6)
    sold = StyleColorForecast.objects.filter(run=first, units__gt=0).values_list("style_color_id", flat=True)
    item = StyleColor.objects.get(pk=sold[0])
    item.exit_date = weeks[2].end_date  # leaves after the third forecast week
    item.save()

    run = start_run(user=_admin(), horizon=6)

    units = list(
        StyleColorForecast.objects.filter(run=run, style_color=item)
        .order_by("fiscal_week_id")
        .values_list("units", "upper")
    )
    assert all(value > 0 for value, _ in units[:3])
    assert units[3:] == [(Decimal("0.00"), Decimal("0.00"))] * 3


def test_a_new_item_borrows_the_forecast_of_its_like_item_from_another_department(
    demo: None, start_run: Callable[..., ForecastRun]
) -> None:
    from forecasting.models import LikeItem
    from planning.models import StyleColor

    departments = list(Department.objects.order_by("code"))
    first = start_run(user=_admin(), department_ids=[departments[0].pk], horizon=6)
    seller = (
        SeriesFit.objects.filter(run=first, is_fallback=False)
        .order_by("style_color_id")
        .values_list("style_color_id", flat=True)
        .first()
    )
    assert seller is not None
    like = StyleColor.objects.get(pk=seller)
    other_style = StyleColor.objects.filter(style__subclass__merch_class__department=departments[1]).first()
    assert other_style is not None
    launch = selectors.weeks_after(selectors.latest_closed_week(), 2)[1]  # launches in week 2
    new = StyleColor.objects.create(
        style=other_style.style, code="NEW-LIKE", color_code="NEW", color_name="New",
        retail_price=like.retail_price, unit_cost=like.unit_cost, launch_date=launch.start_date,
    )  # fmt: skip
    new.skus.create(code="NEW-LIKE-M", size="M", size_order=1)
    LikeItem.objects.create(style_color=new, like=like)

    run = start_run(user=_admin(), department_ids=[departments[1].pk], horizon=6)

    fit = SeriesFit.objects.get(run=run, style_color=new)
    assert fit.model == "like_item"
    units = list(
        StyleColorForecast.objects.filter(run=run, style_color=new)
        .order_by("fiscal_week_id")
        .values_list("units", flat=True)
    )
    liked = list(
        StyleColorForecast.objects.filter(run=first, style_color=like)
        .order_by("fiscal_week_id")
        .values_list("units", flat=True)
    )
    assert units[0] == 0  # before its launch week
    # From its launch, the like item's path (ratio 1: the new item has not sold yet), within a cent.
    assert all(
        abs(mine - theirs) <= Decimal("0.01") for mine, theirs in zip(units[1:], liked[1:], strict=True)
    )
    assert sum(units) > 0


def test_runs_a_lost_worker_left_running_expire_once_their_heartbeat_is_stale(
    demo: None, settings: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from core.runs import runs_expire

    settings.MERCHPLAN_RUN_STALE_MINUTES = 90
    run = services.forecast_run_start(user=_admin(), horizon=4, dispatch=False)
    ForecastRun.objects.filter(pk=run.pk).update(status=ForecastRun.Status.RUNNING)
    first = ForecastRunPartition.objects.filter(run=run).order_by("id").first()
    assert first is not None
    services.forecast_partition_compute(first.pk)  # a heartbeat

    assert runs_expire(now=timezone.now() + timedelta(hours=1)) == {}
    assert runs_expire(now=timezone.now() + timedelta(hours=2)) == {"forecasting.ForecastRun": [run.pk]}

    run.refresh_from_db()
    assert run.status == ForecastRun.Status.EXPIRED  # one department finished, three were lost
    assert run.progress_done == run.progress_total == 4
    assert ForecastRunPartition.objects.filter(run=run, status="failed").count() == 3
    assert run.log.filter(
        level="error", message__startswith="Expired: 3 department(s) gave no result"
    ).exists()
