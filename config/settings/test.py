"""pytest: the development settings with fast password hashing."""

from config.settings.dev import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Unit tests run tasks in-process; integration tests (tests/integration) switch the app to the
# real broker and a worker they start, on a queue of their own.
CELERY_TASK_ALWAYS_EAGER = True
# Tests pin the clock (tests/conftest.py) while the browser keeps the real one: cookies that
# live as long as the browser, so a pinned past day never sends them already expired.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_AGE = None
