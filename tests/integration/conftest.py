"""A real Celery worker process, talking to the real Redis broker and the test database.

Runs only when REDIS_URL is set and the tests use PostgreSQL (as in CI): a worker process
cannot see SQLite's in-memory test database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.result import allow_join_result
from django.db import connection

from config.celery import app as celery_app
from tests.conftest import PINNED_NOW

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    settings = connection.settings_dict
    user = quote(settings.get("USER") or "")
    password = quote(settings.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = f"{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}"
    return f"postgresql://{credentials}{host}/{settings['NAME']}"


@pytest.fixture
def celery_worker_queue(celery_worker_session: str) -> Iterator[str]:
    """The worker's queue, with the app sending tasks to the broker for this test only (other
    tests keep running tasks eagerly)."""
    celery_app.conf.task_always_eager = False
    try:
        # Eager tasks set Celery's process-wide "inside a task" flag around each run and restore
        # it after; two threads running eager tasks at once (the concurrency tests) can restore
        # each other's value and leave it set, and result.get() would then refuse to wait.
        with allow_join_result():
            yield celery_worker_session
    finally:
        celery_app.conf.task_always_eager = True


@pytest.fixture(scope="session")
def celery_worker_session(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[str]:
    """Start `celery worker` on a queue of this session's own; yield the queue name."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("integration: REDIS_URL is not set (CI sets it; see README)")
    if connection.vendor != "postgresql":
        pytest.skip(
            "integration: needs DATABASE_URL on PostgreSQL so a worker process can share the test database"
        )
    queue = f"test-{uuid.uuid4().hex[:12]}"
    node = f"{queue}@localhost"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_WORKER_FOR_TESTS": "1",
        # The worker's today is the tests' pinned day (a process time-machine does not reach).
        "MERCHPLAN_TODAY": PINNED_NOW.date().isoformat(),
    }
    log = ROOT / "var" / f"{queue}.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as log_file:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "-n", node,
             "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_until_ready(node, worker, log)
            yield queue
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()


def _wait_until_ready(node: str, worker: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"celery worker exited with {worker.returncode}:\n{log.read_text()[-3000:]}")
        if celery_app.control.ping(destination=[node], timeout=1.0):
            return
    pytest.fail(f"celery worker did not answer a ping within {timeout} s:\n{log.read_text()[-3000:]}")
