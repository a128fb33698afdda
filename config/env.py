"""Read settings from the environment, failing loudly and naming the variable at fault.

Settings modules call these helpers; a bad value stops start-up with
`ImproperlyConfigured` instead of a confusing error deep inside Django or Celery.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else value.strip()


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), got {raw!r}.")


def env_int(name: str, *, default: int) -> int:
    raw = env_str(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from None


def env_date(name: str) -> date | None:
    raw = env_str(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a date YYYY-MM-DD, got {raw!r}.") from None


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = env_str(name)
    if raw is None:
        return list(default)
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} must be a comma-separated list, got {raw!r}.")
    return items


def database_from_url(url: str, *, conn_max_age: int = 60) -> dict[str, Any]:
    """Parse DATABASE_URL (PostgreSQL or SQLite) into Django's DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in _DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL is malformed: scheme {parts.scheme or '(none)'!r} is not one of "
            "postgresql://, postgres:// or sqlite:///. "
            "Example: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/merchplan"
        )
    if parts.scheme != "sqlite" and not parts.path.strip("/"):
        raise ImproperlyConfigured(
            "DATABASE_URL is malformed: it names no database "
            "(expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME)."
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=conn_max_age))
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {error}") from None
    if config["ENGINE"].endswith("postgresql"):
        config["CONN_HEALTH_CHECKS"] = True
    return config


def redis_url_checked(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ImproperlyConfigured(f"REDIS_URL is malformed: expected redis://HOST:PORT/DB, got {url!r}.")
    return url
