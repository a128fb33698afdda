"""Forms of the forecasting pages: parse and bound-check input, nothing more."""

from __future__ import annotations

from typing import Any

from django import forms

from forecasting.models import ForecastOverride
from planning.departments import DepartmentFilterField
from planning.models import Department


class RunStartForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.none(),
        required=False,
        help_text="None chosen: every department you plan.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    horizon = forms.IntegerField(min_value=1, max_value=52, initial=13, help_text="Weeks to forecast.")

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments  # type: ignore[attr-defined]


class OverrideForm(forms.Form):
    units = forms.DecimalField(required=False, min_value=0, max_digits=12, decimal_places=2)
    reason = forms.ChoiceField(choices=[("", "—"), *ForecastOverride.Reason.choices], required=False)
    note = forms.CharField(required=False, max_length=300)
    row_version = forms.IntegerField(min_value=0, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("units") is not None and not data.get("reason"):
            self.add_error("reason", "Choose a reason for the override.")
        return data


class _LookbackForm(forms.Form):
    department = DepartmentFilterField(queryset=Department.objects.none(), required=False, empty_label="All")
    weeks = forms.IntegerField(
        min_value=1, max_value=52, initial=13, required=False, help_text="Closed weeks"
    )
    lag = forms.IntegerField(
        min_value=1, max_value=13, initial=1, required=False, help_text="Weeks between forecast and week"
    )

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class AccuracyFilterForm(_LookbackForm):
    pass


class ExceptionFilterForm(_LookbackForm):
    max_wmape = forms.DecimalField(required=False, min_value=1, max_value=1000, label="WMAPE above %")
    max_bias = forms.DecimalField(required=False, min_value=1, max_value=1000, label="|Bias| above %")
