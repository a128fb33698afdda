"""Forecast runs become core background runs (core.run_models.BackgroundRun): partitions_total
and partitions_done are renamed progress_total and progress_done (data kept), a run gains a
message and a heartbeat, "succeeded" is the shared "done" and "expired" is new."""

from django.db import migrations, models


def _succeeded_to_done(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("forecasting", "ForecastRun").objects.filter(status="succeeded").update(status="done")


def _done_to_succeeded(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("forecasting", "ForecastRun").objects.filter(status="done").update(status="succeeded")


class Migration(migrations.Migration):
    dependencies = [("forecasting", "0002_sales_import_changes")]

    operations = [
        migrations.RemoveConstraint(model_name="forecastrun", name="run_progress_bounded"),
        migrations.RenameField(
            model_name="forecastrun", old_name="partitions_total", new_name="progress_total"
        ),
        migrations.RenameField(
            model_name="forecastrun", old_name="partitions_done", new_name="progress_done"
        ),
        migrations.AddConstraint(
            model_name="forecastrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("progress_done__lte", models.F("progress_total"))),
                name="run_progress_bounded",
            ),
        ),
        migrations.AddField(
            model_name="forecastrun",
            name="message",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="forecastrun",
            name="heartbeat_at",
            field=models.DateTimeField(
                blank=True, help_text="Last sign of life from the worker computing the run.", null=True
            ),
        ),
        migrations.AlterField(
            model_name="forecastrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("done", "Succeeded"),
                    ("partial", "Partly failed"),
                    ("failed", "Failed"),
                    ("expired", "Expired"),
                ],
                default="queued",
                max_length=16,
            ),
        ),
        migrations.RunPython(_succeeded_to_done, _done_to_succeeded),
    ]
