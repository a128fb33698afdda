"""/healthz: JSON for load balancers, no login, 503 when a dependency is down."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError, connection
from django.test import Client, override_settings

from config import health


@pytest.mark.django_db
@override_settings(REDIS_URL=None)
def test_healthz_ok_with_eager_tasks(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] == connection.vendor
    assert body["broker"] == {
        "ok": True,
        "mode": "eager",
        "detail": "no REDIS_URL: tasks run in the web process",
    }


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False, REDIS_URL="redis://127.0.0.1:1/0")
def test_healthz_503_when_the_broker_is_unreachable(client: Client) -> None:
    started = time.perf_counter()
    response = client.get("/healthz")

    assert time.perf_counter() - started < 10  # bounded by the 2 s connect timeout, not hanging
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": False, "mode": "redis", "error": "ConnectionError"}


@override_settings(REDIS_URL=None)
def test_healthz_503_when_the_database_is_unreachable(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    class _DownConnection:
        vendor = "postgresql"

        def cursor(self) -> None:
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", _DownConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": {"ok": False, "vendor": "postgresql", "error": "OperationalError"},
        "broker": {"ok": True, "mode": "eager", "detail": "no REDIS_URL: tasks run in the web process"},
    }


@pytest.mark.django_db
@override_settings(REDIS_URL=None)
def test_healthz_answers_head_for_load_balancers(client: Client) -> None:
    assert client.head("/healthz").status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_healthz_only_answers_get(client: Client, method: str) -> None:
    response = getattr(client, method)("/healthz")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
