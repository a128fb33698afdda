"""Benchmark: how long `load_demo` takes per size (goals: small < 10 s, medium < 2 min on SQLite).

Loads into a throw-away database: a fresh SQLite file under a temporary directory, or, with
DATABASE_URL set, a scratch PostgreSQL database `merchplan_bench` created and dropped here.
Usage: python benchmarks/load_demo.py [small|medium|large ...]   (default: small medium)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
# The goals: small for tests anywhere, medium on the embedded SQLite default.
GOALS = {("small", "sqlite"): 10.0, ("small", "postgresql"): 10.0, ("medium", "sqlite"): 120.0}


def _run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def bench(size: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    with tempfile.TemporaryDirectory() as scratch:
        env["MERCHPLAN_VAR_DIR"] = scratch
        database_url = os.environ.get("DATABASE_URL")
        if database_url:
            parts = urlsplit(database_url)
            env["DATABASE_URL"] = urlunsplit(parts._replace(path="/merchplan_bench"))
            admin = urlunsplit(parts._replace(path="/postgres"))
            subprocess.run(["psql", admin, "-qc", "DROP DATABASE IF EXISTS merchplan_bench"], check=True)  # noqa: S603, S607
            subprocess.run(["psql", admin, "-qc", "CREATE DATABASE merchplan_bench"], check=True)  # noqa: S603, S607
        _run(["migrate", "--noinput", "-v0"], env)
        started = time.perf_counter()
        _run(["load_demo", "--size", size, "--seed", "42", "--through", "2026-11-21", "-v1"], env)
        elapsed = time.perf_counter() - started
    backend = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    goal = GOALS.get((size, backend))
    verdict = "" if goal is None else (f" (goal < {goal:.0f} s: {'met' if elapsed < goal else 'MISSED'})")
    print(f"load_demo --size {size} on {backend}: {elapsed:.1f} s{verdict}")


if __name__ == "__main__":
    for size in sys.argv[1:] or ["small", "medium"]:
        bench(size)
