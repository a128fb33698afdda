# Replenishment runs become core background runs: a start time, a heartbeat and the "expired" status.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("replenishment", "0002_audit_to_core"),
    ]

    operations = [
        migrations.AddField(
            model_name="replenishmentrun",
            name="heartbeat_at",
            field=models.DateTimeField(
                blank=True, help_text="Last sign of life from the worker computing the run.", null=True
            ),
        ),
        migrations.AddField(
            model_name="replenishmentrun",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="replenishmentrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                    ("expired", "Expired"),
                ],
                default="queued",
                max_length=16,
            ),
        ),
    ]
