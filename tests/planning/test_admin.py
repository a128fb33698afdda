"""The admin site: master-data forms refuse bad values, every changelist loads in bounded queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from planning.models import Division, FiscalWeek, Location, SalesHistory, StockPosition, Style, StyleColor

Retailer = dict[str, Any]
NOT_NEGATIVE = "Ensure this value is greater than or equal to 0."


@pytest.fixture
def admin_client_(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user)
    return client


@pytest.fixture
def history(retailer: Retailer) -> None:
    """Eight weeks of sales and stock for two pairs: 16 rows each, more than the query budget,
    so a query per row in a changelist cannot hide under it."""
    pairs = [(retailer["sku_s"], retailer["store"]), (retailer["sku_m"], retailer["web"])]
    for week_id in range(202401, 202409):
        for sku, location in pairs:
            SalesHistory.objects.create(
                sku=sku,
                location=location,
                fiscal_week_id=week_id,
                units=2,
                retail_value=Decimal("48.00"),
                cost_value=Decimal("19.20"),
            )
            StockPosition.objects.create(sku=sku, location=location, fiscal_week_id=week_id, on_hand=10)


def _form_errors(response: Any) -> dict[str, list[str]]:
    return dict(response.context["adminform"].form.errors)


def test_location_add_with_negative_capacity_is_refused(admin_client_: Client) -> None:
    response = admin_client_.post(
        reverse("admin:planning_location_add"),
        {"code": "DC9", "name": "North DC", "kind": "dc", "capacity_units": "-5"},
    )

    assert response.status_code == 200
    assert _form_errors(response) == {"capacity_units": [NOT_NEGATIVE]}
    assert Location.objects.count() == 0


def test_location_add_store_without_region_is_refused(admin_client_: Client, retailer: Retailer) -> None:
    response = admin_client_.post(
        reverse("admin:planning_location_add"),
        {"code": "S002", "name": "High Street", "kind": "store", "channel": retailer["store"].channel_id},
    )

    assert response.status_code == 200
    assert _form_errors(response) == {"__all__": ["A store needs a region and a grade (A, B or C)."]}
    assert Location.objects.count() == 3


def test_location_add_valid_dc_is_created(admin_client_: Client) -> None:
    response = admin_client_.post(
        reverse("admin:planning_location_add"),
        {"code": "DC9", "name": "North DC", "kind": "dc", "capacity_units": "150000"},
    )

    assert response.status_code == 302
    assert list(Location.objects.values_list("code", "kind", "capacity_units")) == [("DC9", "dc", 150000)]


def test_division_add_with_duplicate_code_is_refused(admin_client_: Client, retailer: Retailer) -> None:
    response = admin_client_.post(
        reverse("admin:planning_division_add"), {"code": "W", "name": "Women again"}
    )

    assert response.status_code == 200
    assert _form_errors(response) == {"code": ["Division with this Code already exists."]}
    assert list(Division.objects.values_list("code", "name")) == [("W", "Womenswear")]


def test_style_color_add_with_negative_retail_price_is_refused(
    admin_client_: Client, retailer: Retailer
) -> None:
    response = admin_client_.post(
        reverse("admin:planning_stylecolor_add"),
        {
            "style": Style.objects.get(code="ST-1").pk,
            "code": "ST-1-WHT",
            "color_code": "WHT",
            "color_name": "White",
            "retail_price": "-1.00",
            "unit_cost": "9.60",
            "lifecycle": "seasonal",
            "skus-TOTAL_FORMS": "0",
            "skus-INITIAL_FORMS": "0",
            "skus-MIN_NUM_FORMS": "0",
            "skus-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 200
    assert _form_errors(response) == {"retail_price": [NOT_NEGATIVE]}
    assert list(StyleColor.objects.values_list("code", flat=True)) == ["ST-1-BLK"]


def test_planner_cannot_reach_the_admin(client: Client, planner: User) -> None:
    client.force_login(planner)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"


def test_fiscal_weeks_are_read_only_in_the_admin(admin_client_: Client) -> None:
    response = admin_client_.post(
        reverse("admin:planning_fiscalweek_change", args=[202401]),
        {"year": "2024", "week": "1", "month": "2", "quarter": "1", "week_of_month": "1"},
    )

    assert response.status_code == 403
    assert FiscalWeek.objects.get(pk=202401).month == 1


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda model: f"{model._meta.app_label}.{model._meta.model_name}"
)
def test_every_changelist_renders_in_bounded_queries(
    admin_client_: Client,
    history: None,
    model: type[Any],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    with django_assert_max_num_queries(15):
        response = admin_client_.get(url)

    assert response.status_code == 200


def test_division_code_differing_only_in_case_is_refused(admin_client_: Client, retailer: Retailer) -> None:
    response = admin_client_.post(reverse("admin:planning_division_add"), {"code": "w", "name": "Lowercase"})

    assert response.status_code == 200
    assert _form_errors(response) == {
        "code": ["Division with this Code already exists as W (codes ignore case)."]
    }
    assert list(Division.objects.values_list("code", flat=True)) == ["W"]


def test_location_in_a_channel_of_another_kind_is_refused(admin_client_: Client, retailer: Retailer) -> None:
    web_channel = retailer["web"].channel
    response = admin_client_.post(
        reverse("admin:planning_location_add"),
        {"code": "S002", "name": "High Street", "kind": "store", "channel": web_channel.pk,
         "region": retailer["store"].region_id, "grade": "B"},
    )  # fmt: skip

    assert response.status_code == 200
    assert _form_errors(response) == {
        "channel": ["A store cannot sell in the E-commerce channel."],
        "region": ["Region North belongs to another channel."],
    }
    assert not Location.objects.filter(code="S002").exists()


def test_distribution_centre_with_a_grade_is_refused(admin_client_: Client) -> None:
    response = admin_client_.post(
        reverse("admin:planning_location_add"),
        {"code": "DC9", "name": "North DC", "kind": "dc", "grade": "A"},
    )

    assert response.status_code == 200
    assert _form_errors(response) == {"__all__": ["A distribution centre has no channel, region or grade."]}
    assert Location.objects.count() == 0


def test_fiscal_weeks_cannot_be_added_or_deleted_in_the_admin(admin_client_: Client) -> None:
    assert admin_client_.get(reverse("admin:planning_fiscalweek_add")).status_code == 403
    week = FiscalWeek.objects.get(id=202401)
    assert (
        admin_client_.post(
            reverse("admin:planning_fiscalweek_delete", args=[week.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert FiscalWeek.objects.filter(id=202401).exists()


def test_a_location_with_history_cannot_be_deleted_and_the_page_says_so_quickly(
    admin_client_: Client,
    retailer: Retailer,
    history: None,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    store = retailer["store"]
    with django_assert_max_num_queries(12):
        response = admin_client_.get(reverse("admin:planning_location_change", args=[store.pk]))
    assert response.status_code == 200
    assert 'class="deletelink"' not in response.content.decode()
    delete = admin_client_.post(reverse("admin:planning_location_delete", args=[store.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert Location.objects.filter(pk=store.pk).exists()
    # The bulk delete action is not offered either.
    changelist = admin_client_.get(reverse("admin:planning_location_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_a_location_without_history_can_be_deleted(admin_client_: Client, retailer: Retailer) -> None:
    spare = Location.objects.create(code="DC2", name="Spare DC", kind=Location.Kind.DC)

    response = admin_client_.post(reverse("admin:planning_location_delete", args=[spare.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Location.objects.filter(pk=spare.pk).exists()


def test_planner_picker_offers_only_planners_and_managers(
    admin_client_: Client, retailer: Retailer, planner: User, manager: User, executive: User
) -> None:
    response = admin_client_.get(reverse("admin:planning_department_change", args=[retailer["tops"].pk]))

    choices = {label for _, label in response.context["adminform"].form.fields["planners"].choices}
    assert choices == {planner.username, manager.username}


def test_history_rows_are_named_by_codes(retailer: Retailer, history: None) -> None:
    row = SalesHistory.objects.get(sku=retailer["sku_s"], fiscal_week_id=202401)
    assert str(row) == "ST-1-BLK-S at S001, FY2024 W01: 2 units"
    stock = StockPosition.objects.get(sku=retailer["sku_s"], fiscal_week_id=202401)
    assert str(stock) == "ST-1-BLK-S at S001, FY2024 W01: 10 on hand"
