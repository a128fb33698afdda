"""Forms of the OTB pages: parse and bound-check input, nothing more (the services own the rules)."""

from __future__ import annotations

from typing import Any

from django import forms

from otb.models import OTBException, PurchaseOrder, Vendor
from otb.orders import MAX_LINE_UNITS
from planning import clock
from planning.departments import DepartmentFilterField
from planning.models import Department, FiscalWeek, PlanVersion
from planning.plans.selectors import current_originals

RECEIPT_WEEKS_SHOWN = 52


def open_week_choices() -> list[tuple[int, str]]:
    """The next weeks that have not ended: receipts cannot land in a closed period."""
    weeks = FiscalWeek.objects.filter(end_date__gte=clock.today()).order_by("id")[:RECEIPT_WEEKS_SHOWN]
    return [
        (week.pk, f"{week.year}-W{week.week:02d} (M{week.month:02d}, {week.start_date:%d %b})")
        for week in weeks
    ]


class DepartmentFilterForm(forms.Form):
    department = DepartmentFilterField(queryset=Department.objects.none(), required=False, empty_label="All")

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class OrderFilterForm(DepartmentFilterForm):
    status = forms.ChoiceField(choices=[("", "All"), *PurchaseOrder.Status.choices], required=False)


class BudgetCreateForm(forms.Form):
    version = forms.ModelChoiceField(
        queryset=PlanVersion.objects.none(),
        label="Approved plan",
        help_text="The original (approved) plan whose receipts become the budget.",
    )

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each plan's current OP revision only: a budget is drawn from what is approved now
        # (older revisions stay readable on the plan, and budgets built from them keep them).
        self.fields["version"].queryset = (  # type: ignore[attr-defined]
            current_originals()
            .filter(plan__department__in=departments)
            .select_related("plan")
            .order_by("plan__name")
        )
        self.fields["version"].label_from_instance = lambda version: (  # type: ignore[attr-defined]
            f"{version.plan.name}: {version.label} ({version.get_status_display().lower()})"
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(required=False, max_length=500)


class ExceptionDecisionForm(DecisionForm):
    reason = forms.ChoiceField(choices=[("", "—"), *OTBException.Reason.choices], required=False)


class OrderForm(forms.Form):
    number = forms.CharField(max_length=30)
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.all(), to_field_name="code")
    department = forms.ModelChoiceField(queryset=Department.objects.none())
    request_exception = forms.BooleanField(
        required=False, label="Request an OTB exception (a manager approves the order before it is released)"
    )

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class LineForm(forms.Form):
    sku_code = forms.CharField(max_length=40, label="SKU", widget=forms.TextInput(attrs={"size": 14}))
    location_code = forms.CharField(
        max_length=20, label="Location", widget=forms.TextInput(attrs={"size": 6})
    )
    units = forms.IntegerField(
        min_value=1, max_value=MAX_LINE_UNITS, widget=forms.NumberInput(attrs={"size": 7})
    )
    unit_cost = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.01"})
    )
    unit_retail = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.01"})
    )
    receipt_week = forms.TypedChoiceField(coerce=int, choices=(), empty_value=None)

    def __init__(self, *args: Any, week_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A blank first choice: the spare rows of the formset stay unchanged, so they are skipped.
        self.fields["receipt_week"].choices = [("", "—"), *week_choices]  # type: ignore[attr-defined]


LineFormSet = forms.formset_factory(LineForm, extra=3, min_num=1, validate_min=True, max_num=200)


class ReceiveForm(forms.Form):
    units = forms.IntegerField(min_value=1)


class LineChangeForm(forms.Form):
    """A released order's open line, changed in place: the version it was read at comes along."""

    units = forms.IntegerField(
        min_value=1, max_value=MAX_LINE_UNITS, widget=forms.NumberInput(attrs={"size": 6})
    )
    unit_cost = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.01"})
    )
    unit_retail = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.01"})
    )
    receipt_week = forms.TypedChoiceField(coerce=int, choices=())
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, week_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receipt_week"].choices = week_choices  # type: ignore[attr-defined]


class LineCancelForm(forms.Form):
    version = forms.IntegerField(min_value=1)
