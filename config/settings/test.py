"""pytest: the development settings with fast password hashing."""

from config.settings.dev import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Unit tests run tasks in-process; integration tests (tests/integration) switch the app to the
# real broker and a worker they start, on a queue of their own.
CELERY_TASK_ALWAYS_EAGER = True
