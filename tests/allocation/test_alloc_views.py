"""The allocation pages through the test client: the run list and its form (errors beside their
field), a run's preview with the hand-checked numbers of `world` (tests/allocation/conftest.py),
cell edits over HTMX (new totals out of band; 422 bad units; 409 stale), release and cancel,
read-only executives, the progress poll, transfers and rebalancing."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from allocation import run_compute, runs, views
from allocation.models import AllocationItem, AllocationLine, AllocationRun, Transfer
from allocation.runs import RunRequest
from core.audit import audit_for
from tests.allocation.conftest import put_stock
from tests.allocation.test_alloc_runs import _run

HTMX = {"HX-Request": "true"}


def _form(world: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "department": world["tops"].pk,
        "dc": world["dc"].pk,
        "style_colors": "st-1-blk",
        "source": "dc",
        "demand": "forecast",
        "mode": "fill_ratio",
        "holdback": "0",
        "pack_size": "1",
        "coverage_weeks": "2",
        **fields,
    }


def _text(html: str) -> str:
    """The page's text with tags dropped and white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _line(run: AllocationRun, sku: str, store: str) -> AllocationLine:
    return AllocationLine.objects.get(run=run, item__sku__code=sku, store__code=store)


def test_runs_page_lists_runs_and_offers_the_form(
    client: Client, world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(planner, world, django_capture_on_commit_callbacks)
    client.force_login(planner)
    response = client.get(reverse("allocation:runs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="run-form"' in html
    assert '<option value="ST-1-BLK"></option>' in html  # the style-color codes to choose from
    row = _text(html.split(f'data-testid="run-{run.pk}"')[1].split("</tr>")[0])
    # available 10 + 2, need 5 + 2, allocated 5 + 2
    assert "W-TOP DC1 ST-1-BLK Preview 12 7 7 Pat" in row
    assert '<a href="/allocation/" aria-current="page">Allocation</a>' in html


def test_starting_a_run_from_the_form_shows_the_preview(
    client: Client, world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(planner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("allocation:runs"), _form(world, holdback="10", name="Tees wk 1"))
    run = AllocationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("allocation:run", args=[run.pk])
    assert (run.name, run.holdback, run.status) == ("Tees wk 1", Decimal("0.100"), "preview")
    page = client.get(response["Location"]).content.decode()
    # S: DC 10, holdback 1, allocatable 9, needs 3 + 2 all given, 4 left; M: 2, 1 held, 1 for a need of 2
    assert (
        _text(page.split('data-testid="item-ST-1-BLK-S"')[1].split("</tr>")[0])
        == "> ST-1-BLK-S 10 1 9 5 4 5 0"
    )
    assert (
        _text(page.split('data-testid="item-ST-1-BLK-M"')[1].split("</tr>")[0])
        == "> ST-1-BLK-M 2 1 1 1 0 2 1"
    )
    small_s001 = _line(run, "ST-1-BLK-S", "S001")
    cell = page.split(f'id="cell-{small_s001.pk}"')[1].split("</td>")[0]
    assert 'value="3"' in cell
    assert "/ 3" in cell
    assert "100% · 2.0 wk" in cell  # (1 on hand + 3) / 2 a week
    short = page.split(f'id="cell-{_line(run, "ST-1-BLK-M", "S001").pk}"')[1].split("</td>")[0]
    assert 'class="alloc-cell short"' in page
    assert "Short supply: shared so every store gets the same share of its need." in short
    assert "50% · 1.0 wk" in short  # 1 of 2; 1 / 1 a week
    assert "S002 <span" in page
    assert ">B<" in page
    assert ">Outlet<" in page
    assert _text(page.split('data-testid="foot-ST-1-BLK-S"')[1].split("</td>")[0]) == ">5 / 5"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"pack_size": "0"}, "pack_size", "greater than or equal to 1"),
        ({"style_colors": "NOPE-1"}, "style_colors", "No style-color NOPE-1."),
        (
            {"demand": "plan"},
            "planned_weekly_units",
            "A launch from the plan needs the planned units a week.",
        ),
        ({"source": "po"}, "purchase_order", "Choose the incoming purchase order to allocate."),
    ],
)
def test_a_refused_run_shows_the_message_beside_its_field(
    client: Client, world: Any, planner: User, fields: dict[str, Any], field: str, message: str
) -> None:
    client.force_login(planner)
    response = client.post(reverse("allocation:runs"), _form(world, **fields))
    assert response.status_code == 422
    html = response.content.decode()
    error = html.split(f'data-testid="error-{field}"')[1].split("</p>")[0]
    assert message in error
    assert not AllocationRun.objects.exists()


def test_editing_a_cell_answers_the_cell_and_the_new_totals(
    client: Client, world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(planner, world, django_capture_on_commit_callbacks)
    line = _line(run, "ST-1-BLK-S", "S002")
    url = reverse("allocation:line-edit", args=[line.pk])
    client.force_login(planner)
    # allocatable 10, 5 given: S002 may go from 2 up to 7
    response = client.post(url, {"units": "7", "version": line.row_version}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<td id="cell-{line.pk}"')
    assert 'value="7"' in html
    assert "edited" in html
    assert 'class="alloc-cell over edited"' in html  # 7 against a need of 2: visible
    assert "Above its need of 2: set by hand." in html
    totals = html.split('data-testid="item-ST-1-BLK-S"')[1].split("</tr>")[0]
    assert 'hx-swap-oob="true"' in totals
    assert _text(totals) == 'hx-swap-oob="true"> ST-1-BLK-S 10 0 10 10 0 5 0'
    assert (
        _text(html.split('data-testid="foot-ST-1-BLK-S"')[1].split("</td>")[0]) == 'hx-swap-oob="true">10 / 5'
    )
    # the cell carries its line's new version for the next edit; the run's version moves on too
    new_version = line.row_version + 1
    assert f'hx-vals=\'{{"version": "{new_version}"}}\'' in html
    assert f'id="edit-version" name="version" value="{run.row_version + 1}"' in " ".join(html.split())

    refused = client.post(url, {"units": "abc", "version": new_version}, headers=HTMX)
    assert refused.status_code == 422
    assert "Units must be a whole number, not &#x27;abc&#x27;." in refused.content.decode()
    assert 'value="abc"' in refused.content.decode()  # what was typed stays to be corrected
    too_many = client.post(url, {"units": "8", "version": new_version}, headers=HTMX)
    assert too_many.status_code == 422
    assert "only 7 units of ST-1-BLK-S can go to this store" in too_many.content.decode()
    stale = client.post(url, {"units": "1", "version": line.row_version}, headers=HTMX)
    assert stale.status_code == 409
    assert "Someone changed ST-1-BLK-S at S002 since you opened it (now 7 units)" in stale.content.decode()
    assert 'value="7"' in stale.content.decode()  # the saved units, not the refused ones
    line.refresh_from_db()
    assert line.allocated == 7
    # S001 lowered from 3 to 1 by hand: short, and says why
    lowered = client.post(
        reverse("allocation:line-edit", args=[_line(run, "ST-1-BLK-S", "S001").pk]),
        {"units": "1", "version": 1},  # another line: its own version, no conflict with S002's edit
        headers=HTMX,
    ).content.decode()
    assert 'class="alloc-cell short edited"' in lowered
    assert "Lowered by hand." in lowered
    assert _text(lowered.split('data-testid="item-ST-1-BLK-S"')[1].split("</tr>")[0]).endswith(
        "10 0 10 8 2 5 1"
    )
    assert AllocationItem.objects.get(pk=line.item_id).allocated == 8
    assert audit_for(run, actions="allocation.line.change").count() == 2


def test_the_grid_takes_a_fixed_number_of_queries(
    client: Client,
    world: Any,
    planner: User,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    run = _run(planner, world, django_capture_on_commit_callbacks)
    client.force_login(planner)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("allocation:run", args=[run.pk])).status_code == 200


def test_release_and_cancel(
    client: Client, world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(planner, world, django_capture_on_commit_callbacks)
    client.force_login(planner)
    stale = client.post(
        reverse("allocation:run-release", args=[run.pk]), {"version": run.row_version - 1}, headers=HTMX
    )
    assert stale.status_code == 409
    assert "reload" in stale.content.decode()
    assert not Transfer.objects.exists()
    released = client.post(reverse("allocation:run-release", args=[run.pk]), {"version": run.row_version})
    assert released.status_code == 302
    page = client.get(released["Location"]).content.decode()
    assert "Released: 3 transfers, 7 units." in page
    transfers = _text(page.split('data-testid="run-transfers"')[1].split("</table>")[0])
    assert "ST-1-BLK-M S001 2 Planned ST-1-BLK-S S001 3 Planned ST-1-BLK-S S002 2 Planned" in transfers
    assert 'data-testid="release" disabled title="The run is released' in " ".join(page.split())
    assert AllocationRun.objects.get(pk=run.pk).status == "released"

    other = _run(planner, world, django_capture_on_commit_callbacks)
    answer = client.post(
        reverse("allocation:run-cancel", args=[other.pk]), {"version": other.row_version}, headers=HTMX
    )
    assert answer.status_code == 200
    assert answer["HX-Redirect"] == reverse("allocation:run", args=[other.pk])
    assert AllocationRun.objects.get(pk=other.pk).status == "cancelled"
    again = client.post(
        reverse("allocation:run-cancel", args=[other.pk]), {"version": other.row_version + 1}, headers=HTMX
    )
    assert again.status_code == 422
    assert "The run is cancelled: it cannot be cancelled." in again.content.decode()


def test_what_if_runs_cannot_be_released(
    client: Client, world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(planner, world, django_capture_on_commit_callbacks, what_if=True)
    client.force_login(planner)
    page = client.get(reverse("allocation:run", args=[run.pk])).content.decode()
    assert "cannot be released" in page
    assert 'name="units"' not in page  # nothing to edit


def test_executives_read_only(
    client: Client, world: Any, planner: User, executive: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(planner, world, django_capture_on_commit_callbacks)
    client.force_login(executive)
    listing = client.get(reverse("allocation:runs"))
    assert listing.status_code == 200
    assert f'data-testid="run-{run.pk}"' in listing.content.decode()
    assert 'data-testid="run-form"' not in listing.content.decode()
    assert client.post(reverse("allocation:runs"), _form(world)).status_code == 403
    page = client.get(reverse("allocation:run", args=[run.pk])).content.decode()
    assert 'name="units"' not in page
    assert 'disabled title="Only the planners and managers of Tops change its allocations."' in page
    line = _line(run, "ST-1-BLK-S", "S002")
    edit = client.post(
        reverse("allocation:line-edit", args=[line.pk]),
        {"units": "3", "version": run.row_version},
        headers=HTMX,
    )
    assert edit.status_code == 403
    assert (
        client.post(
            reverse("allocation:run-release", args=[run.pk]), {"version": run.row_version}
        ).status_code
        == 403
    )
    assert AllocationRun.objects.get(pk=run.pk).status == "preview"
    assert not Transfer.objects.exists()


def test_a_queued_run_polls_its_progress_and_a_failed_one_says_why(
    client: Client, world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    request = RunRequest(department=world["tops"], dc=world["dc"], style_colors=[world["style_color"]])
    run = runs.start_run(user=planner, request=request)  # the task is not run: still queued
    client.force_login(planner)
    page = client.get(reverse("allocation:run", args=[run.pk])).content.decode()
    assert f'hx-get="{reverse("allocation:run-progress", args=[run.pk])}" hx-trigger="every 1s"' in page
    poll = client.get(reverse("allocation:run-progress", args=[run.pk]), headers=HTMX)
    assert poll.status_code == 200
    assert "HX-Refresh" not in poll
    run_compute.execute(run.pk)
    done = client.get(reverse("allocation:run-progress", args=[run.pk]), headers=HTMX)
    assert done["HX-Refresh"] == "true"

    failed = _run(planner, world, django_capture_on_commit_callbacks, cluster="Nowhere")
    assert failed.status == "failed"
    page = client.get(reverse("allocation:run", args=[failed.pk])).content.decode()
    assert f'data-testid="run-message">{failed.message}<' in page
    assert "supplies no open store" in failed.message


def test_transfers_page_filters(
    client: Client, world: Any, planner: User, django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(planner, world, django_capture_on_commit_callbacks)
    client.force_login(planner)
    client.post(reverse("allocation:run-release", args=[run.pk]), {"version": run.row_version})
    everything = client.get(reverse("allocation:transfers")).content.decode()
    assert len(re.findall(r'data-testid="transfer-\d', everything)) == 3
    assert "3 transfers, 7 units" in _text(everything)
    unknown = client.get(reverse("allocation:transfers"), {"store": 999999}).content.decode()
    assert "Select a valid choice." in unknown
    assert "Showing every transfer." in unknown
    outlet = client.get(reverse("allocation:transfers"), {"store": world["outlet"].pk}).content.decode()
    assert len(re.findall(r'data-testid="transfer-\d', outlet)) == 1
    rebalanced = client.get(reverse("allocation:transfers"), {"kind": "rebalance"}).content.decode()
    assert not re.findall(r'data-testid="transfer-\d', rebalanced)


def test_rebalance_page_shows_moves_and_accepts_them(client: Client, world: Any, planner: User) -> None:
    # S001 holds 30 of S at 2 a week: 15 weeks, over the 8-week mark; S002 none: it takes 2 (2 weeks)
    put_stock(world["sku_s"], world["store"], world["week"], 30)
    client.force_login(planner)
    page = client.get(reverse("allocation:rebalance"))
    assert page.status_code == 200
    row = _text(page.content.decode().split('data-testid="move-ST-1-BLK-S-S001-S002"')[1].split("</tr>")[0])
    assert row.endswith("ST-1-BLK-S S001 15.0 → 14.0 S002 0.0 → 2.0 2")
    key = f"{world['sku_s'].pk}:{world['store'].pk}:{world['outlet'].pk}:2"
    form = {"department": world["tops"].pk, "min_wos": "2", "max_wos": "8", "pack_size": "1", "move": key}
    accepted = client.post(reverse("allocation:rebalance"), form)
    assert accepted.status_code == 302
    assert list(
        Transfer.objects.values_list("kind", "from_location__code", "to_location__code", "units")
    ) == [("rebalance", "S001", "S002", 2)]
    after = client.get(accepted["Location"]).content.decode()
    assert "1 transfer created, 2 units." in after
    stale = client.post(reverse("allocation:rebalance"), form)
    assert stale.status_code == 422
    assert "Stock moved since you looked" in stale.content.decode()
    assert Transfer.objects.count() == 1
    bad = client.get(
        reverse("allocation:rebalance"), {"department": world["tops"].pk, "min_wos": "8", "max_wos": "4"}
    )
    assert "must be below the high mark" in bad.content.decode()


def test_a_big_run_shows_one_style_color_and_a_page_of_stores(
    client: Client, world: Any, planner: User, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(views, "GRIDS_TOGETHER", 0)
    monkeypatch.setattr(views, "STORES_PER_PAGE", 1)
    run = _run(planner, world, django_capture_on_commit_callbacks)
    client.force_login(planner)
    first = client.get(reverse("allocation:run", args=[run.pk])).content.decode()
    assert 'data-testid="grid-scope"' in first
    assert "Stores 1\u20131 of 2:" in first
    assert "S001" in first.split('data-testid="grid-ST-1-BLK"')[1]
    assert "S002" not in first.split('data-testid="grid-ST-1-BLK"')[1]
    second = client.get(reverse("allocation:run", args=[run.pk]), {"style_color": "st-1-blk", "page": "2"})
    grid = second.content.decode().split('data-testid="grid-ST-1-BLK"')[1]
    assert "S002" in grid
    assert "S001" not in grid
