from typing import Any

from django.core.management.base import BaseCommand

from planning.plans.in_season import last_closed_week, roll_plans


class Command(BaseCommand):
    help = "Bring every plan up to date with the closed weeks' actuals (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        through = last_closed_week()
        rolled = roll_plans()
        week = str(through) if through else "no closed week"
        self.stdout.write(f"{rolled} plan versions rolled (actuals through {week}).")
