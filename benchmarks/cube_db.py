"""Benchmark: issue 19's cube in the database, on PostgreSQL or the embedded default (SQLite,
Celery tasks eager). A plan version of 50 classes > 500 subclasses x 40 regions (20,000 leaves)
x 52 weeks: 1,040,000 leaf cells per measure, stored as one row per leaf and measure with the
weeks as an int64 cents array (planning.models.PlanLeaf).

Prints, through the services the API and pages call (committed transactions):
- aggregate views (planning.detail.reads): p95 over 5 views x 20 reads (goal < 300 ms);
- a department-season edit: the plan's H1 sales +5 % spread to all 520,000 leaf-weeks and
  the 50 class lines following, committed (goal < 2 s);
- a leaf edit: one subclass x region x week, p95 of 40 (goal < 150 ms);
- peak memory of the process (goal < 1 GB);
- the other layout, a row per leaf-week (1,040,000 rows), measured in the same database for
  the same work: a class x week aggregate and the department-season update.
Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/merchplan python benchmarks/cube_db.py
       python benchmarks/cube_db.py --sqlite
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "merchplan_bench_cube"


def _postgres_env() -> tuple[dict[str, str], str]:
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {DATABASE}"], check=True)  # noqa: S603, S607
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {DATABASE}"], check=True)  # noqa: S603, S607
    return {**os.environ, "DATABASE_URL": urlunsplit(parts._replace(path=f"/{DATABASE}"))}, "PostgreSQL"


def main() -> None:
    if "--measure" in sys.argv:  # in the child, on the database the parent prepared
        sys.path.insert(0, str(ROOT))
        sys.path.insert(0, str(ROOT / "benchmarks" / "support"))
        from cube_db_measure import measure

        measure()
        return
    if "--sqlite" in sys.argv:
        path = Path(tempfile.mkdtemp()) / "cube.sqlite3"
        env, name = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}, "SQLite (the embedded default)"
        env.pop("REDIS_URL", None)
    elif os.environ.get("DATABASE_URL", "").startswith("postgres"):
        env, name = _postgres_env()
    else:
        sys.exit("Set DATABASE_URL to a PostgreSQL server, or pass --sqlite.")
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    env.setdefault("DEBUG", "0")  # as served: no query log kept per request
    env["PYTHONUNBUFFERED"] = "1"
    print(f"cube database benchmark on {name}: 20,000 leaves x 52 weeks")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, __file__, "--measure"], cwd=ROOT, env=env, check=True)  # noqa: S603


if __name__ == "__main__":
    main()
