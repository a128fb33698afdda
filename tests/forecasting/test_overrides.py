"""Planner overrides: beside the statistical forecast, version-checked, audited, open weeks only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from core.audit import audit_trail
from core.errors import Conflict, Forbidden
from forecasting import selectors
from forecasting.models import ForecastOverride
from forecasting.selectors import OVERRIDE_CHANGE
from forecasting.services import ForecastError, forecast_override_set
from planning.models import FiscalWeek

pytestmark = pytest.mark.django_db


@pytest.fixture
def tops_planner(planner: User, retailer: dict[str, Any]) -> User:
    retailer["tops"].planners.add(planner)
    return planner


def _open_week(ahead: int = 2) -> FiscalWeek:
    return selectors.weeks_after(selectors.latest_closed_week(), ahead + 1)[ahead]


def _set(user: User, item: object, week: FiscalWeek, units: str | None, **extra: object) -> object:
    return forecast_override_set(
        user=user,
        style_color_id=item.pk,  # type: ignore[attr-defined]
        fiscal_week_id=week.pk,
        units=units,
        reason=str(extra.pop("reason", ForecastOverride.Reason.PROMOTION)),
        **extra,  # type: ignore[arg-type]
    )


def test_set_change_and_remove_an_override_with_its_audit_trail(
    tops_planner: User, retailer: dict[str, Any]
) -> None:
    item, week = retailer["style_color"], _open_week()

    created = _set(tops_planner, item, week, "120.5", note="Spring campaign", expected_version=0)
    assert created.units == Decimal("120.50")  # type: ignore[attr-defined]
    assert created.row_version == 1  # type: ignore[attr-defined]

    changed = _set(tops_planner, item, week, "140", expected_version=1)
    assert changed.units == Decimal("140.00")  # type: ignore[attr-defined]
    assert changed.row_version == 2  # type: ignore[attr-defined]

    assert _set(tops_planner, item, week, "", expected_version=2) is None
    assert not ForecastOverride.objects.exists()

    trail = [
        ((event.old or {})["units"], (event.new or {})["units"], event.user and event.user.username)
        for event in audit_trail(actions=OVERRIDE_CHANGE).order_by("id")
    ]
    assert trail == [
        (None, "120.50", "pat.planner"),
        ("120.50", "140.00", "pat.planner"),
        ("140.00", None, "pat.planner"),
    ]
    assert {event.target_id for event in audit_trail(actions=OVERRIDE_CHANGE)} == {item.pk}


def test_a_stale_version_is_a_conflict_and_writes_nothing(
    tops_planner: User, manager: User, retailer: dict[str, Any]
) -> None:
    item, week = retailer["style_color"], _open_week()
    retailer["tops"].planners.add(manager)
    _set(tops_planner, item, week, "50", expected_version=0)

    _set(manager, item, week, "65", expected_version=1)
    with pytest.raises(Conflict) as conflict:
        _set(tops_planner, item, week, "80", expected_version=1)

    # The refusal names the version the override is at now (the manager's 65.00).
    assert (conflict.value.details["current_version"], conflict.value.details["seen_version"]) == (2, 1)
    assert ForecastOverride.objects.get().units == Decimal("65.00")
    assert audit_trail(actions=OVERRIDE_CHANGE).count() == 2


@pytest.mark.parametrize(
    ("units", "reason", "message"),
    [
        ("-3", "promotion", "cannot be negative"),
        ("abc", "promotion", "not a number"),
        ("1.005", "promotion", "two decimals"),
        ("12", "", "Choose a reason"),
        ("NaN", "promotion", "not a number"),
    ],
)
def test_bad_input_is_refused_with_a_message(
    tops_planner: User, retailer: dict[str, Any], units: str, reason: str, message: str
) -> None:
    with pytest.raises(ForecastError, match=message):
        _set(tops_planner, retailer["style_color"], _open_week(), units, reason=reason)
    assert not ForecastOverride.objects.exists()
    assert not audit_trail(actions=OVERRIDE_CHANGE).exists()


def test_a_closed_week_keeps_its_forecast(tops_planner: User, retailer: dict[str, Any]) -> None:
    closed = selectors.latest_closed_week()
    with pytest.raises(ForecastError, match="has closed"):
        _set(tops_planner, retailer["style_color"], closed, "10")
    assert not ForecastOverride.objects.exists()


def test_only_planners_of_the_department_may_override(
    planner: User, executive: User, retailer: dict[str, Any]
) -> None:
    for user in (planner, executive):  # planner not assigned to Tops; executives read only
        with pytest.raises(Forbidden, match="cannot change forecasts"):  # 403, not a 400
            _set(user, retailer["style_color"], _open_week(), "10")
    assert not ForecastOverride.objects.exists()


def test_like_items_are_kept_in_the_admin_and_cannot_point_at_themselves(
    retailer: dict[str, Any], admin_user: User
) -> None:
    from django.db import IntegrityError, transaction

    from forecasting.models import LikeItem

    item = retailer["style_color"]
    with pytest.raises(IntegrityError), transaction.atomic():
        LikeItem.objects.create(style_color=item, like=item)
    assert not LikeItem.objects.exists()


def test_a_stale_version_from_before_a_removal_is_still_a_conflict(
    tops_planner: User, manager: User, retailer: dict[str, Any]
) -> None:
    item, week = retailer["style_color"], _open_week()
    retailer["tops"].planners.add(manager)
    _set(tops_planner, item, week, "50", expected_version=0)  # planner A reads version 1
    _set(manager, item, week, "", expected_version=1)  # B removes it
    again = _set(manager, item, week, "80", expected_version=0)  # C sets a new one
    assert again.row_version == 3  # type: ignore[attr-defined]

    with pytest.raises(Conflict):
        _set(tops_planner, item, week, "60", expected_version=1)  # A, still on version 1
    assert ForecastOverride.objects.get().units == Decimal("80.00")
