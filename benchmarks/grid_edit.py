"""Benchmark: the planner's cell edit against a real server on PostgreSQL.

A 200-line x 52-week plan; 500 edits (FWOS targets and sales) through HTTP, each answered
with the edited line re-rendered; prints p50/p95/max round trip (goal: p95 under 150 ms) and
the grid page's render time (goal: under 1 s) and size with its 200 lines collapsed (goal: under
500 KB, issue 19), and opening one line. The server is gunicorn; with REDIS_URL set a
Celery worker rolls up the totals, as in production.
Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/merchplan [REDIS_URL=...] \
    python benchmarks/grid_edit.py
"""

from __future__ import annotations

import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PORT = 8899
LINES, EDITS = 200, 500
DATABASE = "merchplan_bench_grid"

SETUP = """
import random
from decimal import Decimal
import django
django.setup()
from django.contrib.auth.models import Group, User
from planning.models import Department, Division, MerchClass, PlanWeek
from planning.plans.services import PlanSpec, plan_create, version_recompute
planner = User.objects.create_user("bench", password="bench-password-1")
planner.groups.add(Group.objects.get(name="Planner"))
division = Division.objects.create(code="B", name="Bench")
department = Department.objects.create(code="B01", name="Bench department", division=division)
department.planners.add(planner)
MerchClass.objects.bulk_create(
    [MerchClass(code=f"B01-{i:03d}", name=f"Class {i}", department=department) for i in range(LINES)]
)
plan = plan_create(user=planner, spec=PlanSpec(name="Bench", department_id=department.pk,
                                               first_week_id=202601, last_week_id=202652))
version = plan.versions.get(kind="wp")
rng = random.Random(7)
rows = list(PlanWeek.objects.filter(line__version=version, line__merch_class__isnull=False))
for row in rows:
    row.sales = Decimal(rng.randint(500, 5000))
    row.target = Decimal(rng.randint(20, 80)) / 10
PlanWeek.objects.bulk_update(rows, ["sales", "target"], batch_size=5000)
version_recompute(version.pk)
print(version.pk)
""".replace("LINES", str(LINES))


def _database_urls() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (the benchmark creates its own database).")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{DATABASE}")), urlunsplit(parts._replace(path="/postgres"))


def _prepare(env: dict[str, str], admin: str) -> int:
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {DATABASE}"], check=True)  # noqa: S603, S607
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {DATABASE}"], check=True)  # noqa: S603, S607
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    output = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    print(f"  set-up: a {LINES}-line x 52-week plan in {time.perf_counter() - started:.1f} s")
    return int(output.strip().splitlines()[-1])


class Browser:
    """A keep-alive HTTP session with cookies and the CSRF token, like a planner's browser."""

    def __init__(self) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://127.0.0.1:{PORT}/"
            headers["HX-Request"] = "true"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text


def _wait_for_server() -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/healthz")
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("the server did not start")


def main() -> None:
    url, admin = _database_urls()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DEBUG": "0"}
    print(f"grid edit benchmark: {LINES} lines x 52 weeks, {EDITS} edits, PostgreSQL, gunicorn")
    version_id = _prepare(env, admin)
    processes = [
        subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{PORT}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.dev"},
        )
    ]
    if os.environ.get("REDIS_URL"):
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "-Q",
                    "default",
                    "--loglevel=WARNING",
                ],
                cwd=ROOT,
                env=env,
            )
        )
    try:
        _wait_for_server()
        _run(version_id)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)


def _run(version_id: int) -> None:
    browser = Browser()
    browser.request("GET", "/login/")
    browser.request("POST", "/login/", {"username": "bench", "password": "bench-password-1", "next": "/"})
    page_times = []
    for _ in range(5):
        started = time.perf_counter()
        status, html = browser.request("GET", f"/planning/plans/versions/{version_id}/")
        page_times.append(time.perf_counter() - started)
        if status != 200:
            sys.exit(f"the grid page answered {status}")
    size = len(html.encode())
    print(
        f"  grid page ({LINES} collapsed lines + the open total): median "
        f"{statistics.median(page_times) * 1000:.0f} ms (goal < 1 s: "
        f"{'met' if statistics.median(page_times) < 1 else 'MISSED'}), {size / 1e3:.0f} KB "
        f"(goal < 500 KB: {'met' if size < 500_000 else 'MISSED'})"
    )
    ids = sorted({int(i) for i in re.findall(r'<tbody id="line-(\d+)"[^>]*class="line collapsed"', html)})
    open_times = []
    for line_id in ids[:20]:
        started = time.perf_counter()
        status, _ = browser.request("GET", f"/planning/plans/versions/{version_id}/lines/{line_id}/")
        open_times.append(time.perf_counter() - started)
    print(f"  a line opened (the tree's ▸): median {statistics.median(open_times) * 1000:.0f} ms")
    status, html = browser.request("GET", f"/planning/plans/versions/{version_id}/?open=all")
    cells = re.findall(
        r'data-line="(\d+)" data-period="(\d{4}-W\d\d)" data-measure="(target|sales)" data-version="(\d+)"',
        html,
    )
    line_ids = sorted({int(line) for line, *_ in cells})
    versions: dict[tuple[int, str], int] = {}
    rng = random.Random(11)
    timings = []
    for index in range(EDITS):
        line = rng.choice(line_ids)
        week = f"2026-W{rng.randint(1, 52):02d}"
        measure, value = (
            ("target", f"{rng.randint(20, 80) / 10}") if index % 2 else ("sales", str(rng.randint(500, 5000)))
        )
        key = (line, week)
        started = time.perf_counter()
        status, answer = browser.request(
            "POST",
            f"/planning/plans/versions/{version_id}/cells/",
            {
                "line": str(line),
                "week": week,
                "measure": measure,
                "value": value,
                "row_version": str(versions.get(key, 1)),
                # As the tree grid sends it: the edited line open, the others collapsed.
                "tree": "1",
                "open": str(line),
                "summary": "sales",
            },
        )
        timings.append(time.perf_counter() - started)
        if status != 200:
            message = re.search(r"role=\"alert\">([^<]+)<", answer)
            sys.exit(f"edit {index} answered {status}: {message.group(1) if message else answer[:300]}")
        versions[key] = versions.get(key, 1) + 1
    timings.sort()
    p50, p95 = timings[len(timings) // 2], timings[int(len(timings) * 0.95)]
    print(
        f"  cell edit round trip over {EDITS} edits: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {timings[-1] * 1000:.0f} ms (goal p95 < 150 ms: {'met' if p95 < 0.150 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
