from django import forms

from planning import calendar


class CalendarForm(forms.Form):
    year = forms.IntegerField(min_value=calendar.MIN_YEAR, max_value=calendar.MAX_YEAR)
    pattern = forms.ChoiceField(choices=[(name, "-".join(name)) for name in calendar.PATTERNS])
