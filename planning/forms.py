from django import forms

from planning import calendar


class CalendarForm(forms.Form):
    # Both optional: a link may give only ?year=2023; the view falls back to the defaults.
    year = forms.IntegerField(min_value=calendar.MIN_YEAR, max_value=calendar.MAX_YEAR, required=False)
    pattern = forms.ChoiceField(
        choices=[(name, "-".join(name)) for name in calendar.PATTERNS], required=False
    )
