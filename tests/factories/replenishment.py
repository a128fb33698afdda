"""Factories of the replenishment tables: vendor terms of an item, runs."""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from replenishment.models import ReplenishmentRun, VendorItem
from tests.factories.otb import VendorFactory
from tests.factories.planning import StyleColorFactory, fiscal_week


class VendorItemFactory(DjangoModelFactory[VendorItem]):
    """The vendor's terms for a style-color: 2 weeks lead time, MOQ 1, multiple 1, no EOQ."""

    class Meta:
        model = VendorItem
        django_get_or_create = ("style_color",)

    vendor = factory.SubFactory(VendorFactory)
    style_color = factory.SubFactory(StyleColorFactory)
    lead_time_weeks = Decimal("2")


class ReplenishmentRunFactory(DjangoModelFactory[ReplenishmentRun]):
    """A finished run; `departments=[...]` scopes it."""

    class Meta:
        model = ReplenishmentRun
        skip_postgeneration_save = True

    as_of = factory.LazyFunction(lambda: fiscal_week(2026, 44))
    status = ReplenishmentRun.Status.DONE

    @factory.post_generation
    def departments(self, create: bool, departments: object, **_: object) -> None:
        if create and departments:
            self.departments.add(*departments)
