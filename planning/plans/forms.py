from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from planning import calendar, clock
from planning.models import Channel, Department, FiscalWeek, Plan, PlanLine, Region
from planning.plans.services import PlanSpec


class PlanCreateForm(forms.Form):
    name = forms.CharField(max_length=120)
    department = forms.ModelChoiceField(queryset=Department.objects.none())
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.all(), required=False, empty_label="All channels"
    )
    region = forms.ModelChoiceField(queryset=Region.objects.all(), required=False, empty_label="All regions")
    first_week = forms.ModelChoiceField(queryset=FiscalWeek.objects.all())
    last_week = forms.ModelChoiceField(queryset=FiscalWeek.objects.all())
    method = forms.ChoiceField(choices=PlanLine.Method.choices, initial=PlanLine.Method.FWOS)
    exhaustion = forms.ChoiceField(choices=Plan.Exhaustion.choices, initial=Plan.Exhaustion.WRAP)
    growth_percent = forms.DecimalField(
        max_digits=6,
        decimal_places=2,
        initial=Decimal("0"),
        min_value=Decimal("-99"),
        max_value=Decimal("500"),
        help_text="Working plan sales = last year x (1 + growth).",
    )
    seed = forms.ChoiceField(
        choices=[
            ("last_year", "Last year x (1 + growth)"),
            ("targets", "Last year, then the published targets spread over the classes and weeks"),
        ],
        initial="last_year",
        label="Seed sales from",
    )
    imu_percent = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        initial=Decimal("55"),
        min_value=Decimal("0"),
        max_value=Decimal("99.99"),
        label="IMU %",
        help_text="Initial markup: cost = retail x (1 - IMU).",
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = Department.objects.editable_by(user).order_by("code")
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        # Weeks of last year to two years ahead: the seasons a planner plans.
        this_year = calendar.fiscal_week_of(clock.today()).year
        weeks = FiscalWeek.objects.filter(year__gte=this_year - 1, year__lte=this_year + 2)
        self.fields["first_week"].queryset = weeks  # type: ignore[attr-defined]
        self.fields["last_week"].queryset = weeks  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_week"), data.get("last_week")
        if first and last and last.pk < first.pk:
            self.add_error("last_week", "The last week cannot come before the first.")
        if first and last and last.pk - first.pk > 200:
            self.add_error("last_week", "A plan covers at most a fiscal year (53 weeks).")
        region, channel = data.get("region"), data.get("channel")
        if data.get("seed") == "targets" and (region or channel):
            self.add_error(
                "seed", "Targets are set for the whole company: seed a company-wide plan from them."
            )
        if region and channel and region.channel_id != channel.pk:
            self.add_error("region", f"{region} is not in the {channel} channel.")
        return data

    def spec(self) -> PlanSpec:
        data = self.cleaned_data
        return PlanSpec(
            name=data["name"],
            department_id=data["department"].pk,
            first_week_id=data["first_week"].pk,
            last_week_id=data["last_week"].pk,
            channel_id=data["channel"].pk if data["channel"] else None,
            region_id=data["region"].pk if data["region"] else None,
            method=data["method"],
            exhaustion=data["exhaustion"],
            growth_percent=data["growth_percent"],
            cost_complement=(Decimal("100") - data["imu_percent"]) / Decimal("100"),
        )


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ScenarioForm(forms.Form):
    name = forms.CharField(max_length=80)
