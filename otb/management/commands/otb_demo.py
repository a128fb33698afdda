from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from otb.demo import otb_demo_create
from planning.models import PlanVersion
from replenishment.demo import replenishment_demo_create


class Command(BaseCommand):
    help = "Give the demo retailer an approved plan and OTB budget, vendors and purchase orders."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        if not getattr(settings, "MERCHPLAN_DEMO_ALLOWED", False):
            raise CommandError("Demo data is not allowed with these settings.")
        self.stdout.write(otb_demo_create(seed=seed))
        plan = PlanVersion.objects.select_related("plan").order_by("pk").first()
        if plan is not None:
            self.stdout.write(replenishment_demo_create(department_id=plan.plan.department_id, seed=seed))
