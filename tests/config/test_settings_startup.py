"""Start-up refuses bad configuration with one line naming the variable (manage.py exits 2).

These run `manage.py check` in a subprocess (about a second each), so there are only a few.
"""

from __future__ import annotations

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
_CONTROLLED = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DJANGO_SETTINGS_MODULE",
    "ALLOWED_HOSTS",
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "MERCHPLAN_VAR_DIR",
    "SITE_URL",
    "MERCHPLAN_BASE_URL",
    "MERCHPLAN_TODAY",
    # Set by browser tests in this process; the deploy check rightly refuses it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
GOOD_KEY = secrets.token_urlsafe(45)  # 60 characters


def _manage(*args: str, settings: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if name not in _CONTROLLED}
    environment.update(DJANGO_SETTINGS_MODULE=settings, **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_without_secret_key_exits_2_naming_it(tmp_path: Path) -> None:
    result = _manage(
        "check",
        settings="config.settings.production",
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
    )

    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: SECRET_KEY is not set.")
    assert "Traceback" not in result.stderr


def test_production_with_insecure_secret_key_is_refused(tmp_path: Path) -> None:
    result = _manage(
        "check",
        settings="config.settings.production",
        SECRET_KEY="django-insecure-" + secrets.token_urlsafe(45),
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
    )

    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: SECRET_KEY is too weak for production")


@pytest.mark.parametrize(
    "key",
    [
        "django-insecure-" + "k3y" * 20,  # long, but a development key
        secrets.token_urlsafe(30),  # 40 characters: too short
        "ab" * 30,  # 60 characters from two letters
    ],
    ids=["development-key", "too-short", "two-letters"],  # stable ids: every xdist process collects the same
)
def test_production_refuses_weak_secret_keys(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    # In-process variant of the subprocess test above, for more weak keys at no start-up cost.
    monkeypatch.setenv("SECRET_KEY", key)

    with pytest.raises(ImproperlyConfigured, match=r"^SECRET_KEY is too weak for production"):
        runpy.run_module("config.settings.production")


def test_production_without_database_url_names_it() -> None:
    result = _manage("check", settings="config.settings.production", SECRET_KEY=GOOD_KEY)

    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: DATABASE_URL is not set.")


def test_dev_with_unsupported_database_url_exits_2_naming_it() -> None:
    result = _manage("check", settings="config.settings.dev", DATABASE_URL="mysql://a/b")

    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: DATABASE_URL is malformed: scheme 'mysql'")
    assert "Traceback" not in result.stderr


def test_production_passes_the_deploy_check(tmp_path: Path) -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        settings="config.settings.production",
        SECRET_KEY=GOOD_KEY,
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
        ALLOWED_HOSTS="merchplan.example.com",
        SITE_URL="https://merchplan.example.com",
        MERCHPLAN_VAR_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, "Configuration error: SITE_URL is not set. Production mails link to it"),
        (
            {"SITE_URL": "https://merchplan.example.com", "MERCHPLAN_TODAY": "2026-12-07"},
            "Configuration error: MERCHPLAN_TODAY is for demo and test copies; production runs on today.",
        ),
    ],
)
def test_production_needs_its_address_and_refuses_a_pinned_today(
    tmp_path: Path, extra: dict[str, str], message: str
) -> None:
    result = _manage(
        "check",
        settings="config.settings.production",
        SECRET_KEY=GOOD_KEY,
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
        ALLOWED_HOSTS="merchplan.example.com",
        MERCHPLAN_VAR_DIR=str(tmp_path),
        **extra,
    )

    assert result.returncode == 2
    assert result.stderr.startswith(message)
