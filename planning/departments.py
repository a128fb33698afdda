"""One way to read a department filter, for every page and API that has one: a department is
named by its id ("3") or its code ("W01", any case).

`department_from_filter` resolves the name within a scope (the departments the user may see or
change). It tells an unknown name (no department anywhere has it: a 400 with `UNKNOWN`'s
message) from a department outside the scope, which each caller answers as its scope rules
say (an empty list, a 404, "not yours"): resolving a name never widens what a user reaches.

`DepartmentFilterField` (forms) and `DepartmentParamField` (DRF) wrap it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from planning.models import Department

UNKNOWN = "no department {value!r}; give its id or its code (e.g. W01)."


class DepartmentLookupError(LookupError):
    """The filter names no department of the scope; `is_unknown`: none anywhere either."""

    def __init__(self, value: str, *, is_unknown: bool) -> None:
        self.value = value
        self.is_unknown = is_unknown
        super().__init__(UNKNOWN.format(value=value) if is_unknown else f"department {value!r} is not yours.")


def _named(queryset: QuerySet[Department], text: str) -> Department | None:
    """By id first (links and older clients send ids), then by code ignoring case."""
    if text.isdecimal():
        by_id: Department | None = queryset.filter(pk=int(text)).first()
        if by_id is not None:
            return by_id
    by_code: Department | None = queryset.filter(code__iexact=text).first()
    return by_code


def department_from_filter(value: object, scope: QuerySet[Department] | None = None) -> Department:
    """The department of `scope` (default: every department) that `value` names by id or code.

    Raises DepartmentLookupError: `is_unknown` when no department at all has that id or code, else
    the department exists outside `scope`."""
    text = str(value).strip()
    everywhere = Department.objects.all()
    found = _named(everywhere if scope is None else scope, text) if text else None
    if found is not None:
        return found
    exists = scope is not None and bool(text) and _named(everywhere, text) is not None
    raise DepartmentLookupError(text, is_unknown=not exists)


def unknown_department_message(value: object) -> str:
    """The 400 message of an unknown department, as "department: ..." (the API's detail)."""
    return "department: " + UNKNOWN.format(value=str(value).strip())


class DepartmentFilterField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A <select> of departments that also takes a code typed into the URL (?department=w01).

    Its queryset is the scope; a department outside it is an invalid choice, as before."""

    def to_python(self, value: Any) -> Department | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Department):
            value = value.pk
        try:
            return department_from_filter(value, self.queryset)
        except DepartmentLookupError as error:
            if error.is_unknown:
                raise forms.ValidationError(
                    f"There is no department {error.value!r}: choose one from the list "
                    "(or give its id or its code, e.g. W01).",
                    code="unknown",
                ) from error
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from error

    def bound_data(self, data: Any, initial: Any) -> Any:
        """The chosen department's id, so the <select> shows it when the URL gave its code."""
        try:
            department = self.to_python(data)
        except forms.ValidationError:
            return data
        return department.pk if department is not None else data


@extend_schema_field(OpenApiTypes.STR)
class DepartmentParamField(serializers.Field):  # type: ignore[type-arg]
    """A department query parameter (or body field) by id or code; validates to the Department.

    Only an unknown name fails here (400); the view then applies its scope to the department as
    it did to an id (filtering a list by it gives nothing of a department the user does not see)."""

    default_error_messages = {"unknown": UNKNOWN}

    def __init__(self, **options: Any) -> None:
        options.setdefault("help_text", "A department id or code (W01, any case).")
        super().__init__(**options)

    def to_internal_value(self, data: Any) -> Department:
        try:
            return department_from_filter(data)
        except DepartmentLookupError as error:
            self.fail("unknown", value=error.value)
            raise  # unreachable: fail() raises

    def to_representation(self, value: Any) -> Any:
        return value.pk if isinstance(value, Department) else value


def departments_visible(request: Any) -> QuerySet[Department]:
    """The departments a page's user reads, by code (lists, filters, pickers)."""
    return Department.objects.visible_to(request.user).order_by("code")


def departments_editable(request: Any) -> QuerySet[Department]:
    """The departments a page's user changes, by code."""
    return Department.objects.editable_by(request.user).order_by("code")
