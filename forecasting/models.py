"""Forecast runs and their snapshots, planner overrides, like items and sales imports.

A run is a snapshot: it keeps what was forecast, as of which week, by which model and
why, so look-back reports compare it with what then happened. Runs are never edited
after they finish; a new run is a new snapshot.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.run_models import BackgroundRun, RunStatus, run_status_field
from core.versioning import VersionedRow
from planning.models import Department, FiscalWeek, Sku, StyleColor

_NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


def _units(**options: object) -> models.DecimalField:  # type: ignore[type-arg]
    # Forecast units are fractional (a mean of demand); two decimals are plenty.
    return models.DecimalField(max_digits=12, decimal_places=2, **options)  # type: ignore[arg-type]


class ForecastRun(BackgroundRun):
    """A forecast run: its progress counts departments (partitions), each computed by a task of
    its own, so the run has no single `run_execute`; each partition is a heartbeat."""

    class Status(models.TextChoices):
        QUEUED = RunStatus.QUEUED.value, "Queued"
        RUNNING = RunStatus.RUNNING.value, "Running"
        DONE = RunStatus.DONE.value, "Succeeded"
        PARTIAL = "partial", "Partly failed"
        FAILED = RunStatus.FAILED.value, "Failed"
        EXPIRED = RunStatus.EXPIRED.value, "Expired"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Started by a user"
        SCHEDULED = "scheduled", "Weekly schedule"
        BACKFILL = "backfill", "Look-back backfill"

    # Runs whose snapshot may be read (an expired run keeps the departments it finished).
    FINISHED = (Status.DONE, Status.PARTIAL, Status.FAILED, Status.EXPIRED)

    as_of_week = models.ForeignKey(
        FiscalWeek, on_delete=models.PROTECT, related_name="+", help_text="Last week of history used."
    )
    horizon = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(52)])
    interval_level = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(50), MaxValueValidator(99)]
    )
    departments = models.ManyToManyField(Department, related_name="+")
    status = run_status_field(Status)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    series_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(horizon__gte=1, horizon__lte=52), name="run_horizon_range"
            ),
            models.CheckConstraint(
                condition=models.Q(progress_done__lte=models.F("progress_total")),
                name="run_progress_bounded",
            ),
        ]
        indexes = [models.Index(fields=["status", "as_of_week"], name="run_status_week")]

    def __str__(self) -> str:
        return f"Forecast run {self.pk} as of {self.as_of_week_id} ({self.status})"

    def run_expired(self) -> None:
        """The departments a lost worker never finished are failed; the others keep their
        snapshot (readers take FINISHED runs, expired ones included)."""
        unfinished = self.partitions.filter(
            status__in=(ForecastRunPartition.Status.QUEUED, ForecastRunPartition.Status.RUNNING)
        )
        count = unfinished.update(
            status=ForecastRunPartition.Status.FAILED, error="No result: the worker stopped."
        )
        # Every department is accounted for now: finished, or failed here.
        ForecastRun.objects.filter(pk=self.pk).update(progress_done=models.F("progress_total"))
        self.refresh_from_db(fields=["progress_done"])
        ForecastRunLog.objects.create(
            run=self,
            level=ForecastRunLog.Level.ERROR,
            message=f"Expired: {count} department(s) gave no result. {self.message}",
        )


class ForecastRunPartition(models.Model):
    """One department of a run: the unit of fan-out to the workers."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="partitions")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    series_count = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["run", "department__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "department"], name="partition_run_department_unique")
        ]

    def __str__(self) -> str:
        return f"Run {self.run_id}, department {self.department_id}: {self.status}"


class ForecastRunLog(models.Model):
    class Level(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="log")
    created_at = models.DateTimeField(auto_now_add=True)
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.INFO)
    message = models.TextField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"[{self.level}] {self.message[:60]}"


class SeriesFit(models.Model):
    """Which model a run chose for a style-color, and why."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="fits")
    style_color = models.ForeignKey(StyleColor, on_delete=models.PROTECT, related_name="+")
    model = models.CharField(max_length=32)
    pattern = models.CharField(max_length=16)
    adi = models.FloatField(null=True, blank=True)
    cv2 = models.FloatField(null=True, blank=True)
    weeks_on_sale = models.PositiveIntegerField(default=0)
    stockout_weeks = models.PositiveIntegerField(default=0)
    is_fallback = models.BooleanField(default=False)
    backtest_wmape = models.FloatField(null=True, blank=True)
    backtest_bias = models.FloatField(null=True, blank=True)
    naive_wmape = models.FloatField(null=True, blank=True)
    error_sd = models.FloatField(null=True, blank=True)
    candidate_wmape = models.JSONField(default=dict)
    reason = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "style_color"], name="fit_run_style_color_unique")
        ]

    def __str__(self) -> str:
        return f"{self.style_color_id} in run {self.run_id}: {self.model}"


class StyleColorForecast(models.Model):
    """The statistical forecast of a run: style-color x fiscal week, all locations."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="forecasts")
    style_color = models.ForeignKey(StyleColor, on_delete=models.PROTECT, related_name="+")
    fiscal_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    units = _units(validators=_NON_NEGATIVE)
    lower = _units(validators=_NON_NEGATIVE)
    upper = _units(validators=_NON_NEGATIVE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "style_color", "fiscal_week"], name="forecast_run_item_week_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(lower__gte=0, units__gte=models.F("lower"), upper__gte=models.F("units")),
                name="forecast_interval_ordered",
            ),
        ]
        indexes = [models.Index(fields=["style_color", "fiscal_week"], name="forecast_item_week")]

    def __str__(self) -> str:
        return f"{self.style_color_id} {self.fiscal_week_id}: {self.units}"


class SizeShare(models.Model):
    """A run's size curve: each size's smoothed share of its style-color's recent sales."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="size_shares")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    share = models.DecimalField(
        max_digits=8, decimal_places=6, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "sku"], name="size_share_run_sku_unique"),
            models.CheckConstraint(condition=models.Q(share__gte=0, share__lte=1), name="size_share_range"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.share}"


class ForecastOverride(VersionedRow):
    """A planner's number beside the statistical forecast, never over it."""

    class Reason(models.TextChoices):
        PROMOTION = "promotion", "Promotion or event"
        MARKETING = "marketing", "Marketing / media"
        RANGE = "range", "Range or space change"
        SUPPLY = "supply", "Supply constraint"
        MARKET = "market", "Market intelligence"
        NEW_ITEM = "new_item", "New item judgement"
        OTHER = "other", "Other"

    style_color = models.ForeignKey(StyleColor, on_delete=models.PROTECT, related_name="+")
    fiscal_week = models.ForeignKey(FiscalWeek, on_delete=models.PROTECT, related_name="+")
    units = _units(validators=_NON_NEGATIVE)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=300, blank=True, default="")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["style_color", "fiscal_week"], name="override_item_week_unique"),
            models.CheckConstraint(condition=models.Q(units__gte=0), name="override_units_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.style_color_id} {self.fiscal_week_id}: {self.units} ({self.reason})"


class LikeItem(models.Model):
    """A new style-color borrows the demand shape of an established one until it has history."""

    style_color = models.OneToOneField(StyleColor, on_delete=models.CASCADE, related_name="+")
    like = models.ForeignKey(StyleColor, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(like=models.F("style_color")), name="like_item_not_self"
            )
        ]

    def __str__(self) -> str:
        return f"{self.style_color_id} like {self.like_id}"


class SalesImport(models.Model):
    """One uploaded sales history file: applied whole or rejected whole, with its row errors."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices)
    rows_total = models.PositiveIntegerField(default=0)
    rows_inserted = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"
