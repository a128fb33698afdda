"""Forms of the allocation pages: starting a run, editing a line, filtering transfers and
rebalancing suggestions. They parse what the page sends; the services check the business rules
(and name the field at fault, shown beside it)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q

from allocation.models import MAX_PACK_SIZE, AllocationRun, Transfer
from otb.models import PurchaseOrder
from planning.departments import DepartmentFilterField
from planning.models import Department, Location, Region, StyleColor

CODES = re.compile(r"[\s,;]+")


def style_colors_by_code(text: str) -> tuple[list[StyleColor], list[str]]:
    """The style-colors named in `text` (codes separated by spaces, commas or semicolons, any
    case) in the order typed, and the codes that name none."""
    codes = list(dict.fromkeys(code.upper() for code in CODES.split(text.strip()) if code))
    if not codes:
        return [], []
    matches = Q()
    for code in codes:
        matches |= Q(code__iexact=code)
    found = {
        color.code.upper(): color
        for color in StyleColor.objects.filter(matches).select_related("style__subclass__merch_class")
    }
    return [found[code] for code in codes if code in found], [code for code in codes if code not in found]


class RunForm(forms.Form):
    name = forms.CharField(max_length=120, required=False)
    department = forms.ModelChoiceField(queryset=Department.objects.none())
    dc = forms.ModelChoiceField(queryset=Location.objects.none(), label="DC")
    style_colors = forms.CharField(
        label="Style-colors",
        help_text="Codes, separated by spaces or commas.",
        widget=forms.TextInput(attrs={"list": "style-color-codes", "autocomplete": "off"}),
    )
    source = forms.ChoiceField(choices=AllocationRun.Source.choices, initial=AllocationRun.Source.DC_STOCK)
    purchase_order = forms.ModelChoiceField(
        queryset=PurchaseOrder.objects.none(),
        required=False,
        label="Purchase order",
        empty_label="—",
        help_text="For an incoming order: its units arriving at the DC.",
    )
    cluster = forms.ChoiceField(required=False, label="Store cluster")
    grade = forms.ChoiceField(
        required=False, label="Store grade", choices=[("", "All grades"), *Location.Grade.choices]
    )
    demand = forms.ChoiceField(choices=AllocationRun.Demand.choices, initial=AllocationRun.Demand.FORECAST)
    like_style_color = forms.CharField(
        required=False,
        label="Like style-color",
        help_text="Launch from a like item: its code.",
        widget=forms.TextInput(attrs={"list": "style-color-codes", "autocomplete": "off"}),
    )
    planned_weekly_units = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=1,
        label="Planned units a week",
        help_text="Launch from the plan: each style-color, all stores together.",
    )
    mode = forms.ChoiceField(choices=AllocationRun.Mode.choices, initial=AllocationRun.Mode.FILL_RATIO)
    holdback = forms.DecimalField(
        min_value=Decimal("0"),
        max_value=Decimal("95"),
        decimal_places=1,
        initial=Decimal("0"),
        label="Holdback %",
        help_text="Kept at the DC, 0 to 95.",
    )
    pack_size = forms.IntegerField(min_value=1, max_value=MAX_PACK_SIZE, initial=1, label="Pack size")
    coverage_weeks = forms.DecimalField(
        min_value=Decimal("0.5"),
        max_value=Decimal("26"),
        decimal_places=1,
        initial=Decimal("2.0"),
        label="Coverage (weeks)",
        help_text="0.5 to 26.",
    )
    what_if = forms.BooleanField(
        required=False, label="What-if", help_text="Unlimited supply: shows the full need; not released."
    )

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["dc"].queryset = Location.objects.filter(kind=Location.Kind.DC).order_by("code")  # type: ignore[attr-defined]
        self.fields["purchase_order"].queryset = (  # type: ignore[attr-defined]
            PurchaseOrder.objects.filter(status=PurchaseOrder.Status.RELEASED, department__in=departments)
            .select_related("vendor")
            .order_by("number")
        )
        clusters = (
            Location.objects.filter(kind=Location.Kind.STORE)
            .exclude(cluster="")
            .values_list("cluster", flat=True)
            .distinct()
            .order_by("cluster")
        )
        self.fields["cluster"].choices = [("", "All clusters"), *((c, c) for c in clusters)]  # type: ignore[attr-defined]
        self.like: StyleColor | None = None
        self.colors: list[StyleColor] = []

    def clean_style_colors(self) -> str:
        text: str = self.cleaned_data["style_colors"]
        self.colors, unknown = style_colors_by_code(text)
        if unknown:
            raise forms.ValidationError(f"No style-color {unknown[0]}.")
        if not self.colors:
            raise forms.ValidationError("Choose at least one style-color.")
        return text

    def clean_like_style_color(self) -> str:
        text: str = self.cleaned_data["like_style_color"].strip()
        if text:
            colors, unknown = style_colors_by_code(text)
            if unknown or len(colors) != 1:
                raise forms.ValidationError(f"No style-color {text}.")
            self.like = colors[0]
        return text


class LineEditForm(forms.Form):
    """What a grid cell posts: the units as typed (the service parses and checks them) and the
    line's version the page was built from."""

    units = forms.CharField(required=False, max_length=20)
    version = forms.IntegerField(min_value=0)


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=0)


class TransferFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", "All kinds"), *Transfer.Kind.choices])
    status = forms.ChoiceField(required=False, choices=[("", "All statuses"), *Transfer.Status.choices])
    store = forms.ModelChoiceField(
        queryset=Location.objects.exclude(kind=Location.Kind.DC).order_by("code"),
        required=False,
        empty_label="All stores",
        help_text="Transfers to or from it.",
    )


class RebalanceForm(forms.Form):
    department = DepartmentFilterField(queryset=Department.objects.none())
    style_color = forms.CharField(
        required=False,
        label="Style-color",
        widget=forms.TextInput(attrs={"list": "style-color-codes", "autocomplete": "off"}),
    )
    region = forms.ModelChoiceField(
        queryset=Region.objects.order_by("code"), required=False, empty_label="All regions"
    )
    min_wos = forms.DecimalField(
        min_value=Decimal("0"), max_digits=5, decimal_places=1, initial=Decimal("2"), label="Low mark (WOS)"
    )
    max_wos = forms.DecimalField(
        min_value=Decimal("0"), max_digits=5, decimal_places=1, initial=Decimal("8"), label="High mark (WOS)"
    )
    pack_size = forms.IntegerField(min_value=1, max_value=MAX_PACK_SIZE, initial=1, label="Pack size")

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.color: StyleColor | None = None

    def clean_style_color(self) -> str:
        text: str = self.cleaned_data["style_color"].strip()
        if text:
            colors, unknown = style_colors_by_code(text)
            if unknown or len(colors) != 1:
                raise forms.ValidationError(f"No style-color {text}.")
            self.color = colors[0]
        return text
