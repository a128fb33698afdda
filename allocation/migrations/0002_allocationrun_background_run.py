"""Allocation runs become core background runs (core.run_models.BackgroundRun): the percentage
`progress` is renamed progress_done (data kept) out of a progress_total of 100 (existing rows get
100), a run gains a start time and a heartbeat, and "expired" is a status."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("allocation", "0001_allocation_runs")]

    operations = [
        migrations.RenameField(model_name="allocationrun", old_name="progress", new_name="progress_done"),
        migrations.AlterField(
            model_name="allocationrun",
            name="progress_done",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="allocationrun",
            name="progress_total",
            field=models.PositiveIntegerField(default=100),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="allocationrun",
            name="progress_total",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="allocationrun",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="allocationrun",
            name="heartbeat_at",
            field=models.DateTimeField(
                blank=True, help_text="Last sign of life from the worker computing the run.", null=True
            ),
        ),
        migrations.AlterField(
            model_name="allocationrun",
            name="message",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AlterField(
            model_name="allocationrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("preview", "Preview"),
                    ("released", "Released"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                    ("expired", "Expired"),
                ],
                default="queued",
                max_length=16,
            ),
        ),
    ]
