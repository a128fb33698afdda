"""The Celery app. Workers: `make worker` (or the `worker` service in docker-compose)."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("merchplan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("default", "recompute", "forecast", "allocate", "import")]
app.autodiscover_tasks()
