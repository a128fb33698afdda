"""Roles are groups with fixed permissions; departments are scoped per user by queryset."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.db.models import QuerySet
from pytest_django import DjangoAssertNumQueries

from planning.models import Department
from planning.roles import ADMIN, EXECUTIVE, MANAGER, PLANNER, has_role, roles_sync, user_roles
from tests.conftest import PASSWORD

PLANNING_MODELS = [
    "channel",
    "department",
    "division",
    "fiscalweek",
    "location",
    "merchclass",
    "region",
    "saleshistory",
    "sku",
    "stockposition",
    "style",
    "stylecolor",
    "subclass",
    "plan",
    "planversion",
    "planline",
    "planweek",
    "plancellchange",
    "plantransition",
    "scenariobaseline",
    "scenariobaseweek",
    "targetversion",
    "targetcell",
    "planleaf",
]
FORECASTING_MODELS = [
    "forecastrun",
    "forecastrunpartition",
    "forecastrunlog",
    "seriesfit",
    "stylecolorforecast",
    "sizeshare",
    "forecastoverride",
    "likeitem",
    "salesimport",
]
OTB_MODELS = [
    "vendor",
    "otbbudget",
    "otbbudgetmonth",
    "purchaseorder",
    "purchaseorderline",
    "otbexception",
    "markdownproposal",
    "markdownitem",
    "pricechange",
    "otbcommitment",
    "purchaseorderreceipt",
]
REPLENISHMENT_MODELS = [
    "vendoritem",
    "receivingcapacity",
    "segmentpolicy",
    "replenishmentrun",
    "itempolicy",
    "suggestion",
]
ALLOCATION_MODELS = ["allocationrun", "allocationitem", "allocationline", "transfer"]
MODELS = (
    [("core", "auditevent"), ("reports", "reportsubscription")]
    + [("planning", model) for model in PLANNING_MODELS]
    + [("forecasting", model) for model in FORECASTING_MODELS]
    + [("otb", model) for model in OTB_MODELS]
    + [("replenishment", model) for model in REPLENISHMENT_MODELS]
    + [("allocation", model) for model in ALLOCATION_MODELS]
)
VIEW_PLANNING = {f"{app}.view_{model}" for app, model in MODELS}
ALL_PLANNING = {
    f"{app}.{action}_{model}" for action in ("add", "change", "delete", "view") for app, model in MODELS
}
PLANNER_EDITS = {
    f"planning.{codename}"
    for codename in ("add_plan", "change_plan", "add_planversion", "change_planversion", "change_planline")
} | {"planning.change_planweek"}
ADMIN_AUTH = {"auth.add_user", "auth.change_user", "auth.view_user", "auth.view_group"}


def _group_permissions(name: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


@pytest.mark.django_db
def test_four_groups_exist_after_migrate() -> None:
    assert set(Group.objects.values_list("name", flat=True)) == {"Planner", "Manager", "Executive", "Admin"}


@pytest.mark.django_db
def test_executives_only_read() -> None:
    permissions = _group_permissions(EXECUTIVE)

    assert permissions == VIEW_PLANNING
    assert len(permissions) == 2 + 24 + 9 + 11 + 6 + 4
    assert not any(".change_" in p or ".add_" in p or ".delete_" in p for p in permissions)


@pytest.mark.django_db
def test_planners_read_everything_and_edit_plans() -> None:
    assert _group_permissions(PLANNER) == VIEW_PLANNING | PLANNER_EDITS


@pytest.mark.django_db
def test_managers_read_everything_and_decide_on_versions() -> None:
    assert _group_permissions(MANAGER) == VIEW_PLANNING | {"planning.change_planversion"}


@pytest.mark.django_db
def test_admin_runs_master_data_and_users() -> None:
    permissions = _group_permissions(ADMIN)

    assert permissions == ALL_PLANNING | ADMIN_AUTH
    assert len(permissions) == (2 + 24 + 9 + 11 + 6 + 4) * 4 + 4
    assert "planning.change_location" in permissions
    assert "auth.delete_user" not in permissions
    assert "auth.change_group" not in permissions


@pytest.mark.django_db
def test_roles_sync_is_idempotent_and_restores_permissions() -> None:
    planner_group = Group.objects.get(name=PLANNER)
    planner_group.permissions.clear()

    roles_sync()
    roles_sync()

    assert Group.objects.count() == 4
    assert _group_permissions(PLANNER) == VIEW_PLANNING | PLANNER_EDITS


def test_user_permissions_come_from_the_group(planner: User, admin_user: User) -> None:
    assert planner.has_perm("planning.view_location")
    assert not planner.has_perm("planning.change_location")
    assert admin_user.has_perm("planning.change_location")
    assert admin_user.has_perm("auth.add_user")


def test_user_roles(planner: User, admin_user: User, nobody: User) -> None:
    superuser = User.objects.create_superuser("root", password=PASSWORD)

    assert user_roles(planner) == {PLANNER}
    assert user_roles(admin_user) == {ADMIN}
    assert user_roles(nobody) == set()
    assert user_roles(AnonymousUser()) == set()
    assert user_roles(superuser) == {PLANNER, MANAGER, EXECUTIVE, ADMIN}
    assert has_role(planner, PLANNER)
    assert not has_role(planner, ADMIN)


def test_user_roles_are_read_once_per_user_object(
    planner: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    fresh = User.objects.get(pk=planner.pk)

    with django_assert_num_queries(1):
        assert user_roles(fresh) == {PLANNER}
        assert user_roles(fresh) == {PLANNER}


def _codes(queryset: QuerySet[Department]) -> list[str]:
    return list(queryset.order_by("code").values_list("code", flat=True))


def test_editable_by_admin_is_every_department(retailer: dict[str, object], admin_user: User) -> None:
    assert _codes(Department.objects.editable_by(admin_user)) == ["W-DRS", "W-TOP"]


def test_editable_by_planner_is_only_assigned_departments(
    retailer: dict[str, object], planner: User, manager: User
) -> None:
    tops = retailer["tops"]
    assert isinstance(tops, Department)
    assert _codes(Department.objects.editable_by(planner)) == []

    tops.planners.add(planner)

    assert _codes(Department.objects.editable_by(planner)) == ["W-TOP"]
    assert _codes(Department.objects.editable_by(manager)) == []


def test_editable_by_manager_is_only_assigned_departments(retailer: dict[str, object], manager: User) -> None:
    dresses = retailer["dresses"]
    assert isinstance(dresses, Department)
    dresses.planners.add(manager)

    assert _codes(Department.objects.editable_by(manager)) == ["W-DRS"]


def test_editable_by_executive_and_anonymous_is_nothing(
    retailer: dict[str, object], executive: User, nobody: User
) -> None:
    tops = retailer["tops"]
    assert isinstance(tops, Department)
    # Even an assignment does not let a read-only role change plans.
    tops.planners.add(executive, nobody)

    assert _codes(Department.objects.editable_by(executive)) == []
    assert _codes(Department.objects.editable_by(nobody)) == []
    assert _codes(Department.objects.editable_by(AnonymousUser())) == []


@pytest.mark.parametrize("role", ["planner", "manager", "executive", "admin_user"])
def test_visible_to_every_role_is_every_department(
    retailer: dict[str, object], role: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(role)

    assert _codes(Department.objects.visible_to(user)) == ["W-DRS", "W-TOP"]


def test_visible_to_nobody_and_anonymous_is_nothing(retailer: dict[str, object], nobody: User) -> None:
    assert _codes(Department.objects.visible_to(nobody)) == []
    assert _codes(Department.objects.visible_to(AnonymousUser())) == []
