"""Forms of the markdown pages: which department, a proposal's header, a decision."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from planning import clock
from planning.models import FiscalWeek

WEEKS_SHOWN = 26


def open_week_choices() -> list[tuple[int, str]]:
    weeks = FiscalWeek.objects.filter(end_date__gte=clock.today()).order_by("id")[:WEEKS_SHOWN]
    return [(week.pk, f"{week} (M{week.month:02d}, from {week.start_date:%d %b})") for week in weeks]


class ProposalForm(forms.Form):
    name = forms.CharField(max_length=120)
    effective_week = forms.TypedChoiceField(coerce=int, choices=())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["effective_week"].choices = open_week_choices()  # type: ignore[attr-defined]


class ProposeForm(ProposalForm):
    """From the candidates: the chosen style-colors at one percentage off (prices editable after)."""

    items = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), error_messages={"required": "Tick the items."}
    )
    percent_off = forms.DecimalField(
        min_value=Decimal("1"), max_value=Decimal("90"), decimal_places=1, initial=30
    )

    def __init__(self, *args: object, item_ids: list[int] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(item, item) for item in item_ids or []]  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(max_length=500, required=False)
    row_version = forms.IntegerField(min_value=1)
