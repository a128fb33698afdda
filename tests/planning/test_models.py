"""Database constraints hold even when code skips validation; full_clean reports the same rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from planning.models import (
    Channel,
    Department,
    Division,
    FiscalWeek,
    Location,
    Region,
    SalesHistory,
    Sku,
    StockPosition,
    Style,
    StyleColor,
)

Retailer = dict[str, Any]
NOT_NEGATIVE = "Ensure this value is greater than or equal to 0."


def _stock(retailer: Retailer, **fields: Any) -> StockPosition:
    return StockPosition(
        sku=retailer["sku_s"],
        location=retailer["store"],
        fiscal_week=FiscalWeek.objects.get(pk=202401),
        **fields,
    )


def _sales(retailer: Retailer, **fields: Any) -> SalesHistory:
    values: dict[str, Any] = {
        "units": 2,
        "retail_value": Decimal("48.00"),
        "cost_value": Decimal("19.20"),
    } | fields
    return SalesHistory(
        sku=retailer["sku_s"],
        location=retailer["store"],
        fiscal_week=FiscalWeek.objects.get(pk=202401),
        **values,
    )


def _color(retailer: Retailer, **fields: Any) -> StyleColor:
    style = Style.objects.get(code="ST-1")
    values: dict[str, Any] = {
        "code": "ST-1-WHT",
        "color_code": "WHT",
        "color_name": "White",
        "retail_price": Decimal("24.00"),
        "unit_cost": Decimal("9.60"),
    } | fields
    return StyleColor(style=style, **values)


# --- database constraints ----------------------------------------------------------------


def test_negative_sales_units_are_rejected_by_the_database(retailer: Retailer) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _sales(retailer, units=-1).save()

    assert SalesHistory.objects.count() == 0


@pytest.mark.parametrize("field", ["retail_value", "cost_value", "markdown_value"])
def test_negative_sales_values_are_rejected_by_the_database(retailer: Retailer, field: str) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _sales(retailer, **{field: Decimal("-0.01")}).save()

    assert SalesHistory.objects.count() == 0


@pytest.mark.parametrize("field", ["on_hand", "in_transit"])
def test_negative_stock_is_rejected_by_the_database(retailer: Retailer, field: str) -> None:
    fields = {"on_hand": 5, field: -1}
    with pytest.raises(IntegrityError), transaction.atomic():
        _stock(retailer, **fields).save()

    assert StockPosition.objects.count() == 0


def test_duplicate_stock_row_is_rejected(retailer: Retailer) -> None:
    _stock(retailer, on_hand=5).save()

    with pytest.raises(IntegrityError), transaction.atomic():
        _stock(retailer, on_hand=6).save()

    assert list(StockPosition.objects.values_list("on_hand", flat=True)) == [5]


def test_duplicate_division_code_is_rejected(retailer: Retailer) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Division.objects.create(code="W", name="Another womenswear")

    assert list(Division.objects.values_list("name", flat=True)) == ["Womenswear"]


def test_duplicate_department_sku_and_location_codes_are_rejected(retailer: Retailer) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(code="W-TOP", name="Tops again", division=retailer["division"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Sku.objects.create(style_color=retailer["style_color"], code="ST-1-BLK-S", size="XS")
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.create(code="DC1", name="Second DC", kind=Location.Kind.DC)

    assert (Department.objects.count(), Sku.objects.count(), Location.objects.count()) == (2, 2, 3)


def test_duplicate_size_within_a_style_color_is_rejected(retailer: Retailer) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Sku.objects.create(style_color=retailer["style_color"], code="ST-1-BLK-S2", size="S")

    assert Sku.objects.count() == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"region": None, "grade": "A"},
        {"grade": ""},
        {"grade": "D"},
    ],
)
def test_store_without_region_or_grade_violates_the_check(retailer: Retailer, fields: dict[str, Any]) -> None:
    stores = Channel.objects.get(code="STORES")
    values: dict[str, Any] = {"region": Region.objects.get(code="NORTH"), "grade": "B"} | fields
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.create(
            code="S002", name="High Street", kind=Location.Kind.STORE, channel=stores, **values
        )

    assert not Location.objects.filter(code="S002").exists()


def test_selling_location_without_channel_violates_the_check(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.create(code="WEB2", name="Outlet site", kind=Location.Kind.ECOMMERCE)

    assert Location.objects.count() == 0


def test_dc_needs_no_channel_region_or_grade(db: None) -> None:
    dc = Location.objects.create(code="DC9", name="North DC", kind=Location.Kind.DC)

    assert (dc.channel_id, dc.region_id, dc.grade) == (None, None, "")


def test_location_closing_before_opening_violates_the_check(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.create(
            code="DC9",
            name="North DC",
            kind=Location.Kind.DC,
            opened_on=date(2024, 3, 1),
            closed_on=date(2024, 2, 29),
        )

    assert Location.objects.count() == 0


def test_style_color_exit_before_launch_violates_the_check(retailer: Retailer) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _color(retailer, launch_date=date(2024, 3, 3), exit_date=date(2024, 3, 2)).save()

    assert StyleColor.objects.count() == 1


def test_style_color_exit_on_launch_day_is_allowed(retailer: Retailer) -> None:
    _color(retailer, launch_date=date(2024, 3, 3), exit_date=date(2024, 3, 3)).save()

    assert StyleColor.objects.count() == 2


@pytest.mark.parametrize("field", ["retail_price", "unit_cost"])
def test_negative_price_or_cost_violates_the_check(retailer: Retailer, field: str) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _color(retailer, **{field: Decimal("-1.00")}).save()

    assert StyleColor.objects.count() == 1


def test_fiscal_week_out_of_range_violates_the_check(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        FiscalWeek.objects.create(
            id=209954,
            year=2099,
            week=54,
            month=12,
            quarter=4,
            week_of_month=6,
            start_date=date(2100, 2, 7),
            end_date=date(2100, 2, 13),
        )

    assert not FiscalWeek.objects.filter(year=2099).exists()


# --- full_clean reports the same rules as field errors -----------------------------------


def test_full_clean_negative_stock_is_a_field_error(retailer: Retailer) -> None:
    with pytest.raises(ValidationError) as raised:
        _stock(retailer, on_hand=-3, in_transit=-1).full_clean()

    assert raised.value.message_dict == {"on_hand": [NOT_NEGATIVE], "in_transit": [NOT_NEGATIVE]}


def test_full_clean_negative_sales_is_a_field_error(retailer: Retailer) -> None:
    with pytest.raises(ValidationError) as raised:
        _sales(retailer, units=-1, markdown_value=Decimal("-5.00")).full_clean()

    assert raised.value.message_dict == {"units": [NOT_NEGATIVE], "markdown_value": [NOT_NEGATIVE]}


def test_full_clean_negative_price_is_a_field_error(retailer: Retailer) -> None:
    with pytest.raises(ValidationError) as raised:
        _color(retailer, retail_price=Decimal("-1.00")).full_clean()

    assert raised.value.message_dict == {"retail_price": [NOT_NEGATIVE]}


def test_full_clean_duplicate_code_is_a_field_error(retailer: Retailer) -> None:
    with pytest.raises(ValidationError) as raised:
        Division(code="W", name="Another womenswear").full_clean()

    assert raised.value.message_dict == {"code": ["Division with this Code already exists."]}


def test_full_clean_store_without_region_reports_the_constraint_message(retailer: Retailer) -> None:
    store = Location(
        code="S002", name="High Street", kind=Location.Kind.STORE, channel=retailer["store"].channel
    )

    with pytest.raises(ValidationError) as raised:
        store.full_clean()

    assert raised.value.message_dict == {
        NON_FIELD_ERRORS: ["A store needs a region and a grade (A, B or C)."]
    }


def test_full_clean_exit_before_launch_reports_the_constraint_message(retailer: Retailer) -> None:
    color = _color(retailer, launch_date=date(2024, 3, 3), exit_date=date(2024, 3, 2))

    with pytest.raises(ValidationError) as raised:
        color.full_clean()

    assert raised.value.message_dict == {
        NON_FIELD_ERRORS: ["The exit date cannot be before the launch date."]
    }
