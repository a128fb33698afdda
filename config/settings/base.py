"""Settings shared by every environment, read from environment variables (12-factor)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import django_stubs_ext
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env_bool, env_date, env_int, env_list, env_str, redis_url_checked

# Lets `admin.ModelAdmin[Model]` and friends be subscripted at run time, as the type stubs want.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("MERCHPLAN_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "template_partials",
    "core",
    "planning",
    "forecasting",
    "allocation",
    # replenishment before otb: its rows protect otb's orders and vendors (demo delete order).
    "replenishment",
    "otb",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "planning.context_processors.navigation",
            ],
        },
    },
]

# --- Database: PostgreSQL from DATABASE_URL, else an embedded SQLite file under var/.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES: dict[str, dict[str, Any]] = {
        "default": database_from_url(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", default=60))
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "merchplan.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of
                # failing with "database is locked" half-way through a transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker for Celery and the cache. Without it tasks run eagerly in-process.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    redis_url_checked(REDIS_URL)

CACHES: dict[str, dict[str, Any]] = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Eager results are kept too, so the page's progress bar reads them the same way.
CELERY_TASK_STORE_EAGER_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # Fiscal weeks end on Saturday: Sunday night every department is forecast as of that week.
    "replenishment-nightly": {
        "task": "replenishment.tasks.replenishment_nightly",
        "schedule": crontab(minute=30, hour=4),
    },
    # In season: plans take each closed week's actuals (idempotent; a sales import rolls too).
    "plans-roll-daily": {
        "task": "planning.tasks.plans_roll",
        "schedule": crontab(minute=0, hour=6),
    },
    "forecast-weekly": {
        "task": "forecasting.tasks.forecast_run_scheduled",
        "schedule": crontab(minute=0, hour=3, day_of_week="sun"),
    },
    # Runs of every kind (forecast, allocation, replenishment) that a lost worker left running.
    "runs-expire": {
        "task": "core.tasks.expire_lost_runs",
        "schedule": crontab(minute="*/10"),
    },
    # The executive weekly report by e-mail, once the week's forecasts and replenishment ran.
    # After the Sunday night forecast and replenishment runs: the week's report ready in the cache.
    "weekly-report-warm": {
        "task": "reports.tasks.weekly_report_warm",
        "schedule": crontab(minute=0, hour=6, day_of_week="mon"),
    },
    "weekly-report-mail": {
        "task": "reports.tasks.weekly_report_mail",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
}
# Task modules that `autodiscover_tasks` (which reads only each app's tasks.py) would not find.
CELERY_IMPORTS = ["reports.tasks"]
# A queued or running run with no sign of its worker for this long is marked expired by the beat
# task core.tasks.expire_lost_runs: longer than CELERY_TASK_TIME_LIMIT (60 minutes), so a task a
# live worker is on is never expired. Progress is saved at most once a second.
MERCHPLAN_RUN_STALE_MINUTES = int(env_str("MERCHPLAN_RUN_STALE_MINUTES") or "90")
MERCHPLAN_RUN_PROGRESS_SECONDS = 1.0
# Forecast partitions and their chord run on their own queue (the tests point it elsewhere).
MERCHPLAN_FORECAST_QUEUE = env_str("MERCHPLAN_FORECAST_QUEUE") or "forecast"

# --- Auth, i18n, static files.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 500,
    # One body for every refusal: {"detail", "code", ...} (core.errors, core.api).
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Merchplan API",
    "DESCRIPTION": "Merchandise financial planning, open-to-buy, forecasting and allocation.",
    "VERSION": "0.1.0",
    # Two models have a `kind`: name their enums apart so the schema stays stable.
    "ENUM_NAME_OVERRIDES": {
        "LocationKindEnum": "planning.models.Location.Kind",
        "PlanVersionKindEnum": "planning.models.PlanVersion.Kind",
        "StatusEnum": "planning.models.PlanVersion.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Retail settings (DESIGN.md): calendar pattern and segmentation thresholds.
MERCHPLAN_CALENDAR_PATTERN: str = env_str("MERCHPLAN_CALENDAR_PATTERN") or "454"
if MERCHPLAN_CALENDAR_PATTERN not in {"454", "445", "544"}:
    raise ImproperlyConfigured(
        f"MERCHPLAN_CALENDAR_PATTERN must be 454, 445 or 544, got {MERCHPLAN_CALENDAR_PATTERN!r}."
    )
# The app's today (planning.clock): unset is the local date; a date runs the app as of then
# (demo and training copies, a test's Celery worker). Production refuses it.
MERCHPLAN_TODAY = env_date("MERCHPLAN_TODAY")
MERCHPLAN_ABC_THRESHOLDS = (0.80, 0.95)
MERCHPLAN_XYZ_THRESHOLDS = (0.5, 1.0)
# Inventory health (DESIGN.md section 10): excess = stock above order-up-to + N weeks of demand;
# no-move = no sales in N weeks; slow-moving = more weeks of supply than this; obsolete = no
# sales in M weeks.
MERCHPLAN_EXCESS_WEEKS = 8
MERCHPLAN_NO_MOVE_WEEKS = 8
MERCHPLAN_SLOW_MOVING_WOS = 26
MERCHPLAN_OBSOLETE_WEEKS = 26
# Stores restocked from a DC: weeks from the DC's pick to the shelf, and between two deliveries.
# They set the stock a store holds (FWOS proposals) and the weeks an allocation covers.
MERCHPLAN_STORE_LEAD_TIME_WEEKS = 1.0
MERCHPLAN_STORE_REVIEW_WEEKS = 1.0
# Budget drift (otb.budget_drift): an open month whose working-plan receipts differ from the
# approved OTB budget by more than this % of it is flagged on the OTB page and the manager's home.
MERCHPLAN_BUDGET_DRIFT_PERCENT = 5
# `load_demo` creates users with a known password: never in production.
# --- Mail: approval notifications. Console in development; set a real backend in production.
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or "django.core.mail.backends.console.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "merchplan@localhost"
# Links in e-mails point here: the address people open the app at (scheme, host, port, any path
# prefix). MERCHPLAN_BASE_URL, its older name, still works when SITE_URL is not set. By default
# the local server of `make demo`/`make serve`, which listens on 127.0.0.1:$PORT.
_SITE_URL_FROM = "SITE_URL" if env_str("SITE_URL") else "MERCHPLAN_BASE_URL"
_DEMO_URL = f"http://127.0.0.1:{env_int('PORT', default=8000)}"
SITE_URL = (env_str("SITE_URL") or env_str("MERCHPLAN_BASE_URL") or _DEMO_URL).rstrip("/")
if urlsplit(SITE_URL).scheme not in {"http", "https"} or not urlsplit(SITE_URL).netloc:
    raise ImproperlyConfigured(
        f"{_SITE_URL_FROM} must be the app's address, e.g. https://merchplan.example.com, got {SITE_URL!r}."
    )
MERCHPLAN_BASE_URL = SITE_URL  # the older name, for code that still reads it

# A style-color's look-back goes on the exception list when its final forecast crosses one
# of these over the weeks reviewed (and it sold at least min_actual_units in them).
MERCHPLAN_FORECAST_EXCEPTIONS = {"wmape": 0.5, "bias": 0.25, "tracking_signal": 4.0, "min_actual_units": 20.0}
MERCHPLAN_DEMO_ALLOWED = True
