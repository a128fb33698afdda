"""REST API for forecasting: runs with their forecasts, size splits and fits, overrides with
their version check and audit trail, look-back accuracy and exceptions.

The snapshot (made by hand, no engine): one run as of the last closed week C covering Tops and
Dresses. Tops' ST-1-BLK is forecast 10.00 (6.00..14.00) in week C+1 and 12.50 (8.00..17.00)
in C+2 by "ets", with sizes S 0.25 and M 0.75; Dresses' DR-1-RED 4.00 and 5.00 by "croston".
Tops' partition succeeded, Dresses' failed, so the run is partly failed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from core.audit import audit_trail
from forecasting import selectors
from forecasting.models import (
    ForecastOverride,
    ForecastRun,
    ForecastRunLog,
    ForecastRunPartition,
    SeriesFit,
    SizeShare,
    StyleColorForecast,
)
from planning.api_fields import week_label
from planning.models import FiscalWeek, MerchClass, SalesHistory, Sku, Style, StyleColor, Subclass

Retailer = dict[str, Any]
API = "/api/v1/forecasting"
AUTH_MISSING = {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}


def _override_changes() -> Any:
    """The override audit events (core.AuditEvent)."""
    return audit_trail(actions=selectors.OVERRIDE_CHANGE)


def _client(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def _dress(retailer: Retailer) -> StyleColor:
    """A style-color with one size in Dresses."""
    dresses = MerchClass.objects.create(code="W-DRS-DAY", name="Day dresses", department=retailer["dresses"])
    midi = Subclass.objects.create(code="W-DRS-DAY-MID", name="Midi", merch_class=dresses)
    style = Style.objects.create(code="DR-1", name="Midi dress", subclass=midi)
    item = StyleColor.objects.create(
        style=style,
        code="DR-1-RED",
        color_code="RED",
        color_name="Red",
        retail_price=Decimal("60.00"),
        unit_cost=Decimal("22.00"),
    )
    Sku.objects.create(style_color=item, code="DR-1-RED-M", size="M", size_order=2)
    return item


def _forecast(
    run: ForecastRun, item: StyleColor, week: FiscalWeek, units: str, lower: str, upper: str
) -> None:
    StyleColorForecast.objects.create(
        run=run,
        style_color=item,
        fiscal_week=week,
        units=Decimal(units),
        lower=Decimal(lower),
        upper=Decimal(upper),
    )


@pytest.fixture
def tops_planner(planner: User, retailer: Retailer) -> User:
    retailer["tops"].planners.add(planner)
    return planner


@pytest.fixture
def snapshot(retailer: Retailer, tops_planner: User) -> dict[str, Any]:
    closed = selectors.latest_closed_week()
    first, second = selectors.weeks_after(closed, 2)
    item, dress = retailer["style_color"], _dress(retailer)
    run = ForecastRun.objects.create(
        as_of_week=closed,
        horizon=2,
        status=ForecastRun.Status.PARTIAL,
        progress_total=2,
        progress_done=2,
        series_count=2,
        created_by=tops_planner,
    )
    run.departments.set([retailer["tops"], retailer["dresses"]])
    ForecastRunPartition.objects.create(
        run=run, department=retailer["tops"], status="succeeded", series_count=1, seconds=1.5
    )
    ForecastRunPartition.objects.create(
        run=run, department=retailer["dresses"], status="failed", error="ValueError: no history"
    )
    ForecastRunLog.objects.create(run=run, message="Queued: 2 departments.")
    ForecastRunLog.objects.create(run=run, message="Dresses failed.", level=ForecastRunLog.Level.ERROR)
    _forecast(run, item, first, "10.00", "6.00", "14.00")
    _forecast(run, item, second, "12.50", "8.00", "17.00")
    _forecast(run, dress, first, "4.00", "1.00", "7.00")
    _forecast(run, dress, second, "5.00", "2.00", "8.00")
    SeriesFit.objects.create(
        run=run,
        style_color=item,
        model="ets",
        pattern="smooth",
        adi=1.0,
        cv2=0.2,
        weeks_on_sale=60,
        stockout_weeks=2,
        backtest_wmape=0.2,
        backtest_bias=-0.05,
        naive_wmape=0.35,
        error_sd=3.5,
        candidate_wmape={"ets": 0.2, "seasonal_naive": 0.35, "arima": None},
        reason="ETS beat the seasonal naive by 15 points.",
    )
    SeriesFit.objects.create(
        run=run,
        style_color=dress,
        model="croston",
        pattern="intermittent",
        adi=2.5,
        weeks_on_sale=30,
        is_fallback=True,
        candidate_wmape={"croston": 0.6},
        reason="Intermittent demand.",
    )
    SizeShare.objects.create(run=run, sku=retailer["sku_s"], share=Decimal("0.25"))
    SizeShare.objects.create(run=run, sku=retailer["sku_m"], share=Decimal("0.75"))
    return {"run": run, "closed": closed, "first": first, "second": second, "item": item, "dress": dress}


def _override_url(item: StyleColor, week: FiscalWeek) -> str:
    return f"{API}/overrides/{item.pk}/{week_label(week.pk)}/"


def _put(client: APIClient, item: StyleColor, week: FiscalWeek, **body: Any) -> Any:
    return client.put(_override_url(item, week), body, format="json")


# --- runs ---------------------------------------------------------------------------------------


def test_run_detail_with_partitions_progress_and_log(snapshot: dict[str, Any], executive: User) -> None:
    run = snapshot["run"]

    response = _client(executive).get(f"{API}/runs/{run.pk}/")

    assert response.status_code == 200
    body = response.json()
    for key in ("created_at", "started_at", "finished_at"):
        body.pop(key)
    assert [entry.pop("created_at") is not None for entry in body["log"]] == [True, True]
    assert body == {
        "id": run.pk,
        "status": "partial",
        "trigger": "manual",
        "as_of_week": week_label(snapshot["closed"].pk),
        "horizon": 2,
        "interval_level": 80,
        "departments": ["W-DRS", "W-TOP"],
        "partitions_total": 2,
        "partitions_done": 2,
        "progress_percent": 100,
        "series_count": 2,
        "created_by": "pat.planner",
        "partitions": [
            {
                "department": "W-DRS",
                "status": "failed",
                "series_count": 0,
                "seconds": None,
                "error": "ValueError: no history",
            },
            {"department": "W-TOP", "status": "succeeded", "series_count": 1, "seconds": 1.5, "error": ""},
        ],
        "log": [
            {"level": "info", "message": "Queued: 2 departments."},
            {"level": "error", "message": "Dresses failed."},
        ],
    }


def test_runs_newest_first_filtered_by_status(snapshot: dict[str, Any], tops_planner: User) -> None:
    queued = ForecastRun.objects.create(as_of_week=snapshot["closed"], horizon=13, progress_total=4)
    queued.departments.set([snapshot["item"].style.subclass.merch_class.department])
    client = _client(tops_planner)

    body = client.get(f"{API}/runs/").json()
    assert body["count"] == 2
    assert [(run["id"], run["status"], run["progress_percent"]) for run in body["results"]] == [
        (queued.pk, "queued", 0),
        (snapshot["run"].pk, "partial", 100),
    ]
    assert body["results"][0]["created_by"] is None

    partial = client.get(f"{API}/runs/?status=partial").json()
    assert [run["id"] for run in partial["results"]] == [snapshot["run"].pk]

    # Runs of every kind share one status vocabulary (core.run_models): "succeeded" became "done".
    wrong = client.get(f"{API}/runs/?status=succeeded")
    assert wrong.status_code == 400
    assert wrong.json()["detail"] == 'status: "succeeded" is not a valid choice.'


def test_runs_list_reads_the_same_number_of_queries_for_more_runs(
    snapshot: dict[str, Any],
    tops_planner: User,
    retailer: Retailer,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = _client(tops_planner)
    client.get(f"{API}/runs/")  # the session and the roles, read once per request either way
    # Session, user, roles, count, runs, then departments, partitions and log prefetched.
    with django_assert_num_queries(8):
        assert client.get(f"{API}/runs/").json()["count"] == 1
    for _ in range(3):
        more = ForecastRun.objects.create(as_of_week=snapshot["closed"], horizon=4, progress_total=1)
        more.departments.set([retailer["tops"]])
        ForecastRunPartition.objects.create(run=more, department=retailer["tops"])
    with django_assert_num_queries(8):
        assert client.get(f"{API}/runs/").json()["count"] == 4


def test_runs_are_read_in_the_users_scope(snapshot: dict[str, Any], executive: User, nobody: User) -> None:
    run = snapshot["run"]

    # Executives read the whole company.
    assert _client(executive).get(f"{API}/runs/{run.pk}/").status_code == 200
    assert _client(executive).get(f"{API}/runs/").json()["count"] == 1
    # A user without a role sees no department, hence no run and none of its rows.
    stranger = _client(nobody)
    assert stranger.get(f"{API}/runs/").json()["count"] == 0
    for path in ("", "forecasts/", "fits/"):
        assert stranger.get(f"{API}/runs/{run.pk}/{path}").status_code == 404
    assert _client().get(f"{API}/runs/{run.pk}/").json() == AUTH_MISSING


def test_start_a_run_answers_202_and_computes_it_after_commit(
    tops_planner: User, retailer: Retailer, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    closed = selectors.latest_closed_week()

    # Tops has no sales in the last year and nothing launching: a run of zero series (no engine).
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(tops_planner).post(
            f"{API}/runs/", {"departments": [retailer["tops"].pk], "horizon": 4}, format="json"
        )

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["horizon"], body["as_of_week"]) == ("queued", 4, week_label(closed.pk))
    assert (body["departments"], body["partitions_total"], body["created_by"]) == (
        ["W-TOP"],
        1,
        "pat.planner",
    )
    assert [(p["department"], p["status"]) for p in body["partitions"]] == [("W-TOP", "queued")]
    run = ForecastRun.objects.get(pk=body["id"])
    assert (run.status, run.progress_done, run.series_count) == ("done", 1, 0)
    assert list(run.partitions.values_list("status", "series_count")) == [("succeeded", 0)]


def test_starting_a_run_is_refused_with_a_message(
    tops_planner: User, executive: User, retailer: Retailer
) -> None:
    planner = _client(tops_planner)
    dresses = retailer["dresses"].pk

    refused = planner.post(f"{API}/runs/", {"departments": [dresses]}, format="json")
    assert refused.status_code == 403  # another department's: core.scope's one answer
    assert refused.json()["detail"] == f"You cannot forecast department(s) {dresses}."
    too_far = planner.post(f"{API}/runs/", {"horizon": 53}, format="json")
    assert too_far.status_code == 400
    assert too_far.json()["detail"] == "horizon: Ensure this value is less than or equal to 52."
    forbidden = _client(executive).post(f"{API}/runs/", {}, format="json")
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"] == "You have no departments to forecast."
    assert not ForecastRun.objects.exists()


# --- forecasts, sizes, fits ---------------------------------------------------------------------


def test_forecasts_of_a_run_with_the_override_as_final(snapshot: dict[str, Any], tops_planner: User) -> None:
    run, first, second = snapshot["run"], snapshot["first"], snapshot["second"]
    ForecastOverride.objects.create(
        style_color=snapshot["item"], fiscal_week=second, units=Decimal("15.00"), reason="promotion",
        updated_by=tops_planner,
    )  # fmt: skip

    body = _client(tops_planner).get(f"{API}/runs/{run.pk}/forecasts/").json()

    item_id, dress_id = snapshot["item"].pk, snapshot["dress"].pk
    one, two = week_label(first.pk), week_label(second.pk)
    assert body["count"] == 4
    assert body["results"] == [
        {"style_color": "DR-1-RED", "style_color_id": dress_id, "week": one, "units": "4.00", "lower": "1.00",
         "upper": "7.00", "override": None, "final": "4.00", "model": "croston"},
        {"style_color": "DR-1-RED", "style_color_id": dress_id, "week": two, "units": "5.00", "lower": "2.00",
         "upper": "8.00", "override": None, "final": "5.00", "model": "croston"},
        {"style_color": "ST-1-BLK", "style_color_id": item_id, "week": one, "units": "10.00", "lower": "6.00",
         "upper": "14.00", "override": None, "final": "10.00", "model": "ets"},
        {"style_color": "ST-1-BLK", "style_color_id": item_id, "week": two, "units": "12.50", "lower": "8.00",
         "upper": "17.00", "override": "15.00", "final": "15.00", "model": "ets"},
    ]  # fmt: skip

    # One style-color, by code (any case) or id, a page at a time.
    by_code = _client(tops_planner).get(
        f"{API}/runs/{run.pk}/forecasts/?style_color=st-1-blk&limit=1&offset=1"
    )
    assert by_code.json()["count"] == 2
    assert [(row["week"], row["final"]) for row in by_code.json()["results"]] == [(two, "15.00")]
    by_id = _client(tops_planner).get(f"{API}/runs/{run.pk}/forecasts/?style_color={dress_id}").json()
    assert [row["units"] for row in by_id["results"]] == ["4.00", "5.00"]


def test_forecasts_split_to_sizes_by_the_runs_curve(snapshot: dict[str, Any], tops_planner: User) -> None:
    run, first, second = snapshot["run"], snapshot["first"], snapshot["second"]
    ForecastOverride.objects.create(
        style_color=snapshot["item"], fiscal_week=second, units=Decimal("13.01"), reason="promotion",
        updated_by=tops_planner,
    )  # fmt: skip

    body = _client(tops_planner).get(f"{API}/runs/{run.pk}/forecasts/?style_color=ST-1-BLK&level=size").json()

    one, two = week_label(first.pk), week_label(second.pk)
    # 10.00 x 0.25 / 0.75 = 2.50 / 7.50. The override 13.01 x 0.25 / 0.75 = 3.2525 / 9.7575: to
    # the cent 3.25 / 9.76 (largest remainder), adding up to 13.01 again.
    assert body["results"] == [
        {"sku": "ST-1-BLK-S", "size": "S", "week": one, "units": "2.50"},
        {"sku": "ST-1-BLK-S", "size": "S", "week": two, "units": "3.25"},
        {"sku": "ST-1-BLK-M", "size": "M", "week": one, "units": "7.50"},
        {"sku": "ST-1-BLK-M", "size": "M", "week": two, "units": "9.76"},
    ]


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("level=size", "Give a style_color to split by size."),
        ("level=sku", 'level: "sku" is not a valid choice.'),
        ("style_color=NOPE", "style_color: no style-color 'NOPE'."),
        ("style_color=999999", "style_color: no style-color '999999'."),
    ],
)
def test_forecasts_bad_query_is_400(
    snapshot: dict[str, Any], tops_planner: User, query: str, detail: str
) -> None:
    response = _client(tops_planner).get(f"{API}/runs/{snapshot['run'].pk}/forecasts/?{query}")

    assert response.status_code == 400
    assert response.json()["detail"] == detail


def test_fits_of_a_run_filtered_by_model_pattern_and_department(
    snapshot: dict[str, Any], tops_planner: User, retailer: Retailer
) -> None:
    url = f"{API}/runs/{snapshot['run'].pk}/fits/"
    client = _client(tops_planner)

    body = client.get(url).json()
    assert body["count"] == 2
    assert body["results"][1] == {
        "style_color": "ST-1-BLK",
        "style_color_id": snapshot["item"].pk,
        "department": "W-TOP",
        "model": "ets",
        "pattern": "smooth",
        "adi": 1.0,
        "cv2": 0.2,
        "weeks_on_sale": 60,
        "stockout_weeks": 2,
        "is_fallback": False,
        "backtest_wmape": 0.2,
        "backtest_bias": -0.05,
        "naive_wmape": 0.35,
        "error_sd": 3.5,
        "candidate_wmape": {"ets": 0.2, "seasonal_naive": 0.35, "arima": None},
        "reason": "ETS beat the seasonal naive by 15 points.",
    }
    assert body["results"][0]["style_color"] == "DR-1-RED"
    assert (body["results"][0]["cv2"], body["results"][0]["is_fallback"]) == (None, True)

    def codes(query: str) -> list[str]:
        return [fit["style_color"] for fit in client.get(f"{url}?{query}").json()["results"]]

    assert codes("model=croston") == ["DR-1-RED"]
    assert codes("pattern=smooth") == ["ST-1-BLK"]
    assert codes(f"department={retailer['dresses'].pk}") == ["DR-1-RED"]
    assert codes("model=ets&pattern=intermittent") == []
    assert client.get(f"{url}?department=x").json()["detail"] == (
        "department: no department 'x'; give its id or its code (e.g. W01)."
    )


# --- overrides ----------------------------------------------------------------------------------


def test_set_change_and_remove_an_override_with_its_audit_trail(
    snapshot: dict[str, Any], tops_planner: User
) -> None:
    client, item, week = _client(tops_planner), snapshot["item"], snapshot["second"]
    label = week_label(week.pk)

    created = _put(
        client, item, week, units="120.5", reason="promotion", note="Spring campaign", row_version=0
    )
    assert created.status_code == 200
    body = created.json()
    assert body.pop("updated_at") is not None
    assert body == {
        "style_color": "ST-1-BLK",
        "style_color_id": item.pk,
        "week": label,
        "units": "120.50",
        "reason": "promotion",
        "note": "Spring campaign",
        "row_version": 1,
        "updated_by": "pat.planner",
    }

    changed = _put(client, item, week, units=140, reason="marketing", row_version=1)
    assert changed.status_code == 200
    assert (changed.json()["units"], changed.json()["reason"], changed.json()["row_version"]) == (
        "140.00",
        "marketing",
        2,
    )
    listed = client.get(f"{API}/overrides/?style_color=ST-1-BLK").json()
    assert [(row["week"], row["units"], row["row_version"]) for row in listed["results"]] == [
        (label, "140.00", 2)
    ]

    removed = _put(client, item, week, units=None, row_version=2)
    assert removed.status_code == 204
    assert not ForecastOverride.objects.exists()

    trail = client.get(f"{API}/overrides/changes/?style_color={item.pk}").json()
    assert [
        (row["week"], row["old_units"], row["new_units"], row["reason"], row["changed_by"])
        for row in trail["results"]
    ] == [
        (label, "140.00", None, "marketing", "pat.planner"),
        (label, "120.50", "140.00", "marketing", "pat.planner"),
        (label, None, "120.50", "promotion", "pat.planner"),
    ]
    assert _override_changes().count() == 3
    # Removing what is not there is a no-op: nothing to audit.
    assert _put(client, item, week, units=None, row_version=0).status_code == 204
    assert _override_changes().count() == 3


def test_a_stale_row_version_is_409_with_the_current_override(
    snapshot: dict[str, Any], tops_planner: User, manager: User, retailer: Retailer
) -> None:
    item, week = snapshot["item"], snapshot["second"]
    retailer["tops"].planners.add(manager)
    assert (
        _put(_client(tops_planner), item, week, units="50", reason="promotion", row_version=0).status_code
        == 200
    )
    assert _put(_client(manager), item, week, units="65", reason="market", row_version=1).status_code == 200

    stale = _put(_client(tops_planner), item, week, units="80", reason="promotion", row_version=1)

    assert stale.status_code == 409
    body = stale.json()
    assert body["detail"].startswith("Someone changed the override for ST-1-BLK in week ")
    assert (body["current"]["units"], body["current"]["row_version"], body["current"]["updated_by"]) == (
        "65.00",
        2,
        "max.manager",
    )
    assert ForecastOverride.objects.get().units == Decimal("65.00")
    assert _override_changes().count() == 2


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"units": "-5", "reason": "promotion", "row_version": 0}, "An override cannot be negative."),
        ({"units": "5", "reason": "", "row_version": 0}, "Choose a reason for the override."),
        ({"units": "5.123", "reason": "promotion", "row_version": 0}, "Use at most two decimals."),
        ({"units": "5", "reason": "whim", "row_version": 0}, 'reason: "whim" is not a valid choice.'),
        ({"units": "5", "reason": "promotion"}, "row_version: This field is required."),
        ({"units": "many", "reason": "promotion", "row_version": 0}, "units: A valid number is required."),
    ],
)
def test_a_refused_override_is_400_and_writes_nothing(
    snapshot: dict[str, Any], tops_planner: User, body: dict[str, Any], detail: str
) -> None:
    response = _put(_client(tops_planner), snapshot["item"], snapshot["first"], **body)

    assert response.status_code == 400
    assert response.json()["detail"] == detail
    assert not ForecastOverride.objects.exists()
    assert not _override_changes().exists()


def test_a_closed_week_cannot_be_overridden(snapshot: dict[str, Any], tops_planner: User) -> None:
    closed = snapshot["closed"]

    response = _put(
        _client(tops_planner), snapshot["item"], closed, units="5", reason="promotion", row_version=0
    )

    assert response.status_code == 400
    detail = (
        f"Week FY{closed.year} W{closed.week:02d} has closed: its forecast is history and stays as it was."
    )
    assert response.json()["detail"] == detail
    bad_week = _client(tops_planner).put(
        f"{API}/overrides/{snapshot['item'].pk}/2025-3/", {"units": "5"}, format="json"
    )
    assert bad_week.json()["detail"] == "week: Give the week as YYYY-Www, e.g. 2025-W03."
    assert not ForecastOverride.objects.exists()


def test_only_planners_of_the_department_may_override(
    snapshot: dict[str, Any], executive: User, tops_planner: User
) -> None:
    body = {"units": "5", "reason": "promotion", "row_version": 0}

    # Executives read everything and change nothing; Pat plans Tops, not Dresses.
    as_executive = _put(_client(executive), snapshot["item"], snapshot["first"], **body)
    other_department = _put(_client(tops_planner), snapshot["dress"], snapshot["first"], **body)

    assert as_executive.status_code == 403
    assert as_executive.json()["detail"] == "You cannot change forecasts of ST-1-BLK's department."
    assert other_department.status_code == 403
    assert other_department.json()["detail"] == "You cannot change forecasts of DR-1-RED's department."
    assert (
        _put(_client(executive), snapshot["item"], snapshot["first"], **{**body, "units": None}).status_code
        == 403
    )
    assert not ForecastOverride.objects.exists()
    assert not _override_changes().exists()
    missing = _client(tops_planner).put(
        f"{API}/overrides/999999/{week_label(snapshot['first'].pk)}/", body, format="json"
    )
    assert missing.status_code == 404


def test_overrides_filtered_by_style_color_and_weeks(snapshot: dict[str, Any], tops_planner: User) -> None:
    first, second = snapshot["first"], snapshot["second"]
    for item, week, units in ((snapshot["item"], first, "11"), (snapshot["item"], second, "12")):
        ForecastOverride.objects.create(
            style_color=item, fiscal_week=week, units=Decimal(units), reason="market", updated_by=tops_planner
        )
    ForecastOverride.objects.create(
        style_color=snapshot["dress"],
        fiscal_week=first,
        units=Decimal("3"),
        reason="range",
        updated_by=tops_planner,
    )
    client = _client(tops_planner)

    def rows(query: str) -> list[tuple[str, str]]:
        return [
            (row["style_color"], row["units"])
            for row in client.get(f"{API}/overrides/?{query}").json()["results"]
        ]

    assert rows("") == [("DR-1-RED", "3.00"), ("ST-1-BLK", "11.00"), ("ST-1-BLK", "12.00")]
    assert rows("style_color=ST-1-BLK") == [("ST-1-BLK", "11.00"), ("ST-1-BLK", "12.00")]
    assert rows(f"week_from={week_label(second.pk)}") == [("ST-1-BLK", "12.00")]
    assert rows(f"week_to={week_label(first.pk)}") == [("DR-1-RED", "3.00"), ("ST-1-BLK", "11.00")]
    assert client.get(f"{API}/overrides/?week_from=2025-W60").json()["detail"] == (
        "week_from: FY2025 has no week 60."
    )


# --- look-back accuracy and exceptions ----------------------------------------------------------


@pytest.fixture
def lookback(retailer: Retailer, tops_planner: User) -> dict[str, Any]:
    """One run as of W = C-3 (C the last closed week) forecast W+1 and W+2, both closed since.

    ST-1-BLK (Tops, "ets"): forecast 10 and 20, sold 12 and 16, overridden to 17 in W+2.
    DR-1-RED (Dresses, "croston"): forecast 40 and 40, sold 100 and 100.
    """
    closed = selectors.latest_closed_week()
    as_of, one, two = selectors.weeks_up_to(closed, 4)[:3]
    item, dress = retailer["style_color"], _dress(retailer)
    run = ForecastRun.objects.create(as_of_week=as_of, horizon=13, status=ForecastRun.Status.DONE)
    run.departments.set([retailer["tops"], retailer["dresses"]])
    for forecast_item, week, forecast in (
        (item, one, "10"),
        (item, two, "20"),
        (dress, one, "40"),
        (dress, two, "40"),
    ):
        _forecast(run, forecast_item, week, forecast, "0", forecast)
    SeriesFit.objects.create(run=run, style_color=item, model="ets", pattern="smooth")
    SeriesFit.objects.create(run=run, style_color=dress, model="croston", pattern="intermittent")
    dress_sku = dress.skus.get()
    sold = [
        (retailer["sku_s"], one, 12),
        (retailer["sku_s"], two, 16),
        (dress_sku, one, 100),
        (dress_sku, two, 100),
    ]
    for sku, week, units in sold:
        SalesHistory.objects.create(
            sku=sku,
            location=retailer["store"],
            fiscal_week=week,
            units=units,
            retail_value=units,
            cost_value=0,
        )
    ForecastOverride.objects.create(
        style_color=item, fiscal_week=two, units=Decimal("17"), reason="market", updated_by=tops_planner
    )
    return {"one": one, "two": two}


def test_accuracy_by_department_measures_the_statistical_and_the_final_forecast(
    lookback: dict[str, Any], executive: User, retailer: Retailer
) -> None:
    response = _client(executive).get(f"{API}/accuracy/?weeks=13&lag=1&by=department")

    assert response.status_code == 200
    dresses, tops = response.json()["results"]
    # Dresses: |40 - 100| twice = 120 over 200 sold: WMAPE 0.6, bias (80 - 200) / 200 = -0.6,
    # tracking signal sum(F - A) / mean |A - F| = -120 / 60 = -2; no override, so final = stat.
    assert dresses == {
        "department": "W-DRS", "model": None, "week": None, "style_color": None,
        "actual": "200.00", "stat": "80.00", "final": "80.00",
        "wmape": pytest.approx(0.6), "bias": pytest.approx(-0.6), "final_wmape": pytest.approx(0.6),
        "final_bias": pytest.approx(-0.6), "fva": pytest.approx(0.0), "tracking_signal": pytest.approx(-2.0),
        "series": 1, "overridden": 0,
    }  # fmt: skip
    # Tops: statistical 10, 20 vs sold 12, 16: |2| + |4| = 6 over 28 sold, bias (30 - 28) / 28,
    # tracking signal 2 / 3. Final 10, 17: |2| + |1| = 3 over 28, bias (27 - 28) / 28; the
    # override removed 3/28 of WMAPE.
    assert tops == {
        "department": "W-TOP", "model": None, "week": None, "style_color": None,
        "actual": "28.00", "stat": "30.00", "final": "27.00",
        "wmape": pytest.approx(6 / 28), "bias": pytest.approx(2 / 28), "final_wmape": pytest.approx(3 / 28),
        "final_bias": pytest.approx(-1 / 28), "fva": pytest.approx(3 / 28),
        "tracking_signal": pytest.approx(2 / 3), "series": 1, "overridden": 1,
    }  # fmt: skip
    only_tops = _client(executive).get(f"{API}/accuracy/?department={retailer['tops'].pk}").json()
    assert [row["department"] for row in only_tops["results"]] == ["W-TOP"]


def test_accuracy_by_week_model_and_style_color(lookback: dict[str, Any], tops_planner: User) -> None:
    client = _client(tops_planner)

    by_week = client.get(f"{API}/accuracy/?by=week").json()["results"]
    # Week W+1: stat 10 + 40 vs 12 + 100: |2| + |60| = 62 over 112. Week W+2: stat 20 + 40 vs
    # 16 + 100: 4 + 60 = 64 over 116; final 17 + 40: 1 + 60 = 61 over 116.
    assert [(row["week"], row["actual"], row["stat"], row["final"]) for row in by_week] == [
        (week_label(lookback["one"].pk), "112.00", "50.00", "50.00"),
        (week_label(lookback["two"].pk), "116.00", "60.00", "57.00"),
    ]
    assert [row["wmape"] for row in by_week] == [pytest.approx(62 / 112), pytest.approx(64 / 116)]
    assert [row["final_wmape"] for row in by_week] == [pytest.approx(62 / 112), pytest.approx(61 / 116)]
    assert [row["department"] for row in by_week] == [None, None]

    by_model = client.get(f"{API}/accuracy/?by=model").json()["results"]
    assert [(row["model"], row["wmape"]) for row in by_model] == [
        ("croston", pytest.approx(0.6)),
        ("ets", pytest.approx(6 / 28)),
    ]
    by_item = client.get(f"{API}/accuracy/?by=style_color").json()["results"]
    assert [(row["style_color"], row["final"]) for row in by_item] == [
        ("DR-1-RED", "80.00"),
        ("ST-1-BLK", "27.00"),
    ]

    # The last closed week alone has no forecast from that run; lag 3 is further back than the run.
    assert client.get(f"{API}/accuracy/?weeks=1").json()["count"] == 0
    assert client.get(f"{API}/accuracy/?lag=3").json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("by=colour", 'by: "colour" is not a valid choice.'),
        ("weeks=0", "weeks: Ensure this value is greater than or equal to 1."),
        ("lag=14", "lag: Ensure this value is less than or equal to 13."),
        ("department=999999", "department: no department '999999'; give its id or its code (e.g. W01)."),
    ],
)
def test_accuracy_bad_query_is_400(
    lookback: dict[str, Any], tops_planner: User, query: str, detail: str
) -> None:
    response = _client(tops_planner).get(f"{API}/accuracy/?{query}")

    assert response.status_code == 400
    assert response.json()["detail"] == detail


def test_exceptions_list_the_series_beyond_the_thresholds(
    lookback: dict[str, Any], tops_planner: User
) -> None:
    client = _client(tops_planner)

    # The settings' limits (WMAPE 50 %, |bias| 25 %): only Dresses' 60 % under-forecast.
    flagged = client.get(f"{API}/accuracy/exceptions/").json()
    assert flagged["count"] == 1
    row = flagged["results"][0]
    assert (row["style_color"], row["department"], row["abs_error"], row["actual"], row["final"]) == (
        "DR-1-RED",
        "W-DRS",
        "120.00",
        "200.00",
        "80.00",
    )
    assert row["reasons"] == ["WMAPE 60% > 50%", "under-forecast by 60% (limit 25%)"]
    assert row["final_wmape"] == pytest.approx(0.6)

    # A stricter WMAPE limit of 10 % adds Tops' 3/28 = 10.7 %, fewer units of error so after it.
    stricter = client.get(f"{API}/accuracy/exceptions/?max_wmape=0.1&max_bias=0.9").json()["results"]
    assert [(row["style_color"], row["abs_error"], row["reasons"]) for row in stricter] == [
        ("DR-1-RED", "120.00", ["WMAPE 60% > 10%"]),
        ("ST-1-BLK", "3.00", ["WMAPE 11% > 10%"]),
    ]
    assert client.get(f"{API}/accuracy/exceptions/?max_wmape=-1").json()["detail"] == (
        "max_wmape: Ensure this value is greater than or equal to 0."
    )


# --- anonymous, schema --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["runs/", "runs/1/", "runs/1/forecasts/", "runs/1/fits/", "overrides/", "overrides/changes/",
     "accuracy/", "accuracy/exceptions/"],
)  # fmt: skip
def test_anonymous_is_refused(path: str) -> None:
    response = _client().get(f"{API}/{path}")

    assert response.status_code == 403
    assert response.json() == AUTH_MISSING


def test_schema_lists_the_forecasting_endpoints(planner: User) -> None:
    schema = _client(planner).get("/api/schema/").content.decode()

    for path in (
        "/api/v1/forecasting/runs/:",
        "/api/v1/forecasting/runs/{run_id}/:",
        "/api/v1/forecasting/runs/{run_id}/forecasts/:",
        "/api/v1/forecasting/runs/{run_id}/fits/:",
        "/api/v1/forecasting/overrides/:",
        "/api/v1/forecasting/overrides/changes/:",
        "/api/v1/forecasting/overrides/{style_color_id}/{week}/:",
        "/api/v1/forecasting/accuracy/:",
        "/api/v1/forecasting/accuracy/exceptions/:",
    ):
        assert path in schema
    for component in (
        "ForecastRun:",
        "ForecastRows:",
        "StaleOverrideBody:",
        "AccuracyRow:",
        "AccuracyException:",
    ):
        assert component in schema
