"""Plans, their versions, lines and time-phased values, with the audit trail.

Layout: one row per line x week (`PlanWeek`) with a column per measure. A cell edit touches
one row and the line's 52 rows of derived values, never the plan; reports aggregate in SQL
or pandas; each row carries `row_version` for optimistic locking (a write names the version
it read). Versions (working, approved, last year, actuals, scenarios) each own a copy of the
plan's lines and weeks: branching copies the plan's rows, not the database.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from core.fields import money_field
from core.versioning import VersionedRow
from planning.models.calendar import FiscalWeek
from planning.models.hierarchy import Department, MerchClass
from planning.models.locations import Channel, Region

_NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Plan(models.Model):
    class Exhaustion(models.TextChoices):
        WRAP = "wrap", "Wrap to the plan's first week"
        AVERAGE = "average", "Plan's average weekly sales"
        NEXT_PLAN = "next_plan", "Next plan's sales"

    name = models.CharField(max_length=120, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="plans")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    first_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    last_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    exhaustion = models.CharField(max_length=16, choices=Exhaustion.choices, default=Exhaustion.WRAP)
    growth_percent = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"))
    cost_complement = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.45"), help_text="1 - IMU%: turns retail into cost."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_week__gte=models.F("first_week")),
                name="plan_span_forward",
                violation_error_message="The plan's last week cannot come before its first.",
            ),
            models.CheckConstraint(
                condition=models.Q(cost_complement__gt=0, cost_complement__lte=1),
                name="plan_cost_complement_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_label(self) -> str:
        if self.region_id:
            return f"{self.region}"
        if self.channel_id:
            return f"{self.channel}"
        return "Total company"


class PlanVersion(models.Model):
    class Kind(models.TextChoices):
        WORKING = "wp", "Working plan"
        ORIGINAL = "op", "Original (approved) plan"
        LAST_YEAR = "ly", "Last year"
        ACTUAL = "ty", "This year actuals"
        SCENARIO = "scenario", "What-if scenario"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=80)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    is_frozen = models.BooleanField(default=False)
    branched_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Original plans only: every approval adds a revision (OP r1, r2, ...); earlier ones stay,
    # frozen, with who approved them and when. The newest is "the OP" (selectors.current_original).
    revision = models.PositiveSmallIntegerField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every change of an entered value; the worker stamps `totals_version` when the
    # totals it computed are from that state. Different numbers = totals are recalculating.
    values_version = models.PositiveIntegerField(default=1)
    totals_version = models.PositiveIntegerField(default=1)
    lock_version = models.PositiveIntegerField(default=1)
    # In season: the last closed week whose actuals the version holds (DESIGN.md 11); the weeks up
    # to it are read-only and the first open week opens on its actual EOP. Null: none closed yet.
    actuals_through = models.ForeignKey(
        FiscalWeek, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind"],
                condition=~models.Q(kind__in=["scenario", "op"]),
                name="planversion_one_per_kind",
            ),
            models.UniqueConstraint(
                fields=["plan", "revision"],
                condition=models.Q(kind="op"),
                name="planversion_op_revision_unique",
            ),
            models.UniqueConstraint(fields=["plan", "name"], name="planversion_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.name}"

    @property
    def label(self) -> str:
        """How pages name the version: "OP r2" for an original plan's revision, else its name."""
        if self.kind == self.Kind.ORIGINAL and self.revision:
            return f"OP r{self.revision}"
        return self.name

    @property
    def is_editable(self) -> bool:
        return not self.is_frozen and self.status == self.Status.DRAFT

    @property
    def totals_are_stale(self) -> bool:
        return self.totals_version != self.values_version


class PlanLine(models.Model):
    class Method(models.TextChoices):
        FWOS = "fwos", "Forward weeks of supply"
        WOS = "wos", "Weeks of supply"
        SSR = "ssr", "Stock-to-sales ratio"
        SELL_THROUGH = "sell_through", "Sell-through %"
        TURN = "turn", "Turn"
        BASIC_STOCK = "basic_stock", "Basic stock"
        RECEIPTS = "receipts", "Receipts entered"

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="lines")
    # Null: the plan-total line, which the worker rolls up from the class lines.
    merch_class = models.ForeignKey(
        MerchClass, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.FWOS)
    turn = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    opening_stock = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), validators=_NON_NEGATIVE
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "merch_class"], name="planline_class_once"),
            models.UniqueConstraint(
                fields=["version"], condition=models.Q(merch_class__isnull=True), name="planline_one_total"
            ),
            models.CheckConstraint(
                condition=models.Q(opening_stock__gte=0), name="planline_opening_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(turn__isnull=True) | models.Q(turn__gt=0), name="planline_turn_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merch_class or 'Total'} ({self.version_id})"

    @property
    def is_total(self) -> bool:
        return self.merch_class_id is None


def _ratio() -> models.DecimalField[Decimal | None, Decimal | None]:
    return models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)


class PlanWeek(VersionedRow):
    """A line's values for one fiscal week: what the planner entered and what the engine derived."""

    line = models.ForeignKey(PlanLine, on_delete=models.CASCADE, related_name="weeks")
    fiscal_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    period = models.PositiveSmallIntegerField()
    # Entered.
    sales = money_field(default=Decimal("0"))
    sales_units = models.PositiveIntegerField(default=0)
    markdowns = money_field(default=Decimal("0"))
    shrink = money_field(default=Decimal("0"))
    # Open purchase-order lines due in the week at retail, and what was received against the week
    # (PO receipts in an open week; a closed week's actual receipts). Kept by otb (never typed).
    on_order = money_field(default=Decimal("0"))
    received = money_field(default=Decimal("0"))
    # Ten places: a target derived from a stock plan (a line switching method) must give back
    # that stock to the cent; a sell-through of 2.1% rounded to 3 places would move it by 2%.
    target = models.DecimalField(max_digits=14, decimal_places=10, null=True, blank=True)
    receipts_entered = money_field(default=Decimal("0"))
    # A closed week's actual EOP at the plan's scope (null: an open week); the engine keeps it.
    actual_eop = money_field(null=True, blank=True)
    # Derived by the engine (recomputed from the entered values; never edited directly).
    bop = money_field(default=Decimal("0"))
    eop = money_field(default=Decimal("0"))
    receipts = money_field(default=Decimal("0"))
    otb = money_field(default=Decimal("0"))
    gross_margin = money_field(null=True, blank=True)
    wos = _ratio()
    fwos = _ratio()
    turn = _ratio()
    sell_through = _ratio()
    gm_percent = _ratio()
    gmroi = _ratio()
    # Entered measures the planner locked: spreading a total over this week leaves them alone.
    locked = models.CharField(max_length=200, blank=True, default="")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["line", "period"]
        constraints = [
            models.UniqueConstraint(fields=["line", "fiscal_week"], name="planweek_line_week_unique"),
            models.UniqueConstraint(fields=["line", "period"], name="planweek_line_period_unique"),
            models.CheckConstraint(
                # Entered receipts may be negative: returns to vendors, transfers out, and actuals.
                condition=models.Q(sales__gte=0, markdowns__gte=0, shrink__gte=0, on_order__gte=0),
                name="planweek_entered_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(target__isnull=True) | models.Q(target__gte=0),
                name="planweek_target_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.fiscal_week_id}"


class PlanCellChange(models.Model):
    """Audit trail: who changed which entered cell, when, from what to what, and how."""

    class Source(models.TextChoices):
        EDIT = "edit", "Cell edit"
        PASTE = "paste", "Paste"
        SPREAD = "spread", "Spread from a total"
        IMPORT = "import", "Excel import"
        SEED = "seed", "Seeded"
        PROMOTE = "promote", "Scenario promoted"
        MARKDOWN = "markdown", "Approved markdown"
        POLICY = "policy", "Replenishment policy"
        METHOD = "method", "Method changed"
        ACTUAL = "actual", "Week closed"
        UNDO = "undo", "Undo"
        DETAIL = "detail", "Leaf detail"

    line = models.ForeignKey(PlanLine, on_delete=models.CASCADE, related_name="+")
    fiscal_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(max_length=24)
    old_value = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    new_value = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.EDIT)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    # The changes one save made together (a cell, a spread total, a pasted block): what Undo
    # takes back as one. Null on changes older than undo.
    batch = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["line", "fiscal_week", "measure"], name="plancellchange_cell")]

    def __str__(self) -> str:
        return f"{self.measure} {self.old_value} -> {self.new_value} by {self.changed_by_id}"


class PlanTransition(models.Model):
    """Every step of a version's life: created, branched, submitted, approved, rejected, promoted."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    reason = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    LABELS = {
        "create": "Created",
        "branch": "Branched as a what-if",
        "submit": "Submitted for approval",
        "approve": "Approved",
        "reject": "Rejected",
        "withdraw": "Withdrawn",
        "method": "Method changed",
        "roll": "Week closed",
        "promote": "What-if promoted",
    }

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} -> {self.to_status}"

    @property
    def label(self) -> str:
        """The step as the trail shows it ("Withdrawn"), the action itself for any other."""
        return self.LABELS.get(self.action, self.action)
