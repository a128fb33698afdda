from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from allocation.demo import allocation_demo_create
from planning.models import PlanVersion


class Command(BaseCommand):
    help = "Give the demo retailer a previewed allocation of DC stock to its stores."

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "MERCHPLAN_DEMO_ALLOWED", False):
            raise CommandError("Demo data is not allowed with these settings.")
        plan = PlanVersion.objects.select_related("plan").order_by("pk").first()
        if plan is None:
            raise CommandError("Load the demo first: make demo (or load_demo, then otb_demo).")
        self.stdout.write(allocation_demo_create(department_id=plan.plan.department_id))
