"""Benchmark: how long the upload guard (`core.imports`) takes to refuse each kind of bomb, and
the memory it needs, under the limits of the sales and purchase order imports (TABLE_IMPORT) and of
the plan's Excel import (PLAN_WORKBOOK); then an ordinary 100,000-row workbook read whole, for
comparison. The bombs are those of the tests (tests/security/bombs.py), built here first.

Time is measured without tracemalloc (it slows allocation down), then the peak of Python's own
allocations with it (zlib's buffers included); the last line gives the process's peak RSS.
Usage: python benchmarks/upload_guard.py
"""

from __future__ import annotations

import io
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook

from core import imports as uploads
from planning.plans.excel_import import PLAN_WORKBOOK
from tests.security import bombs


def _measure(read: Callable[[], object]) -> tuple[float, float, str]:
    """Seconds to refuse (or read), peak MB of Python allocations, the outcome."""
    started = time.perf_counter()
    outcome = _outcome(read)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    _outcome(read)
    peak = tracemalloc.get_traced_memory()[1] / uploads.MB
    tracemalloc.stop()
    return seconds, peak, outcome


def _outcome(read: Callable[[], object]) -> str:
    try:
        read()
    except uploads.UploadRefusedError as refused:
        return f"{refused.status} {str(refused)[:60]}..."
    return "read"


def _read_csv(content: bytes, limits: uploads.Limits) -> object:
    return uploads.csv_rows(content.decode(), ",", limits)


def _ordinary(rows: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sales")
    for number in range(rows):
        sheet.append([f"ST-{number % 500}-S", f"S{number % 20:03d}", "2025-W14", number % 17, 24.0, 9.6, 0])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    cases: list[tuple[str, bytes, Callable[[bytes, uploads.Limits], object]]] = []
    for name, build in bombs.BOMBS.items():
        cases.append((name, build(), uploads.workbook_rows))
    cases.append(("200,001 rows (plan limit 200,000)", bombs.tall_sheet(200_001), uploads.workbook_rows))
    for name, build_csv in bombs.CSV_BOMBS.items():
        cases.append((f"CSV, {name}", build_csv(), _read_csv))
    cases.append(("ordinary workbook, 100,000 rows", _ordinary(100_000), uploads.workbook_rows))
    print(f"{'file':<36} {'size':>9} {'limits':<14} {'seconds':>8} {'peak MB':>8}  outcome")
    for name, content, read in cases:
        for limits_name, limits in (
            ("TABLE_IMPORT", uploads.TABLE_IMPORT),
            ("PLAN_WORKBOOK", PLAN_WORKBOOK),
        ):
            if name.startswith("CSV") and limits is PLAN_WORKBOOK:
                continue  # the plan import takes workbooks only
            seconds, peak, outcome = _measure(lambda: read(content, limits))  # noqa: B023 - called at once
            size = f"{len(content) / uploads.MB:.2f} MB"
            print(f"{name:<36} {size:>9} {limits_name:<14} {seconds:8.3f} {peak:8.1f}  {outcome}")
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    print(f"peak RSS of the whole run (bombs built in memory included): {peak_rss:.0f} MB")


if __name__ == "__main__":
    main()
