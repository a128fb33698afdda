"""Factories of forecast runs (rows only: tests of the run itself start it through the service)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from forecasting.models import ForecastRun
from tests.factories.planning import fiscal_week


class ForecastRunFactory(DjangoModelFactory[ForecastRun]):
    """A finished run of 13 weeks; `departments=[...]` scopes it."""

    class Meta:
        model = ForecastRun
        skip_postgeneration_save = True

    as_of_week = factory.LazyFunction(lambda: fiscal_week(2026, 44))
    horizon = 13
    status = ForecastRun.Status.DONE

    @factory.post_generation
    def departments(self, create: bool, departments: object, **_: object) -> None:
        if create and departments:
            self.departments.add(*departments)
