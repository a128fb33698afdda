"""Row errors and the all-or-nothing apply of an import.

Every import checks the whole file first and lists every problem with the row the file shows
it on and the column (`RowError`), collected in a `RowErrors`; a file with any problem writes
nothing. `apply_all_or_nothing` runs the check, then the write in one transaction, and answers
an `ImportResult`: what the write returned, or the problems (capped for display, with a last
line saying how many more there are). A write that meets a problem only the database can tell
(an order over OTB, a row written meanwhile) raises `ImportRejectedError`: the transaction rolls
back and the problem is reported like the others.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import IntegrityError, transaction

MAX_ERRORS = 200  # listed; the count says how many more there are
Checked = TypeVar("Checked")
Written = TypeVar("Written")


@dataclass(frozen=True)
class RowError:
    """One problem: the row as the file shows it (None: the file as a whole), the column's title
    ("" when the problem is not one cell's) and what is wrong, worded for the user."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row is not None else []
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, for a stored import record or the session."""
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRejectedError(Exception):
    """The file cannot be imported; `errors` say why. Raised inside a write, it rolls the whole
    import back. Not a ValueError, so that code parsing cells lets it through."""

    def __init__(self, errors: Iterable[RowError]) -> None:
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} problem(s) in the file")


class FileRejectedError(ImportRejectedError):
    """A problem with the file as a whole (not a table, no header, a column missing)."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__([RowError(row, "", message)])


class RowErrors:
    """The problems found so far. Kept whole (`listed`) and shown in row order, the first
    `limit` of them and a last line with the rest's count; `add_unlisted` counts problems an
    import found but did not itemise (a vectorised check stops listing at the limit)."""

    def __init__(self, limit: int = MAX_ERRORS) -> None:
        self.limit = limit
        self.listed: list[RowError] = []
        self.unlisted = 0

    def add(self, row: int | None, column: str, message: str) -> None:
        self.listed.append(RowError(row, column, message))

    def extend(self, errors: Iterable[RowError]) -> None:
        self.listed.extend(errors)

    def add_unlisted(self, count: int) -> None:
        self.unlisted += count

    @property
    def count(self) -> int:
        return len(self.listed) + self.unlisted

    def __bool__(self) -> bool:
        return self.count > 0

    def shown(self) -> list[RowError]:
        """In row order (the file's problems first), at most `limit`, then "… and N more problems."."""
        ordered = sorted(self.listed, key=lambda error: error.row or 0)[: self.limit]
        more = self.count - len(ordered)
        if more > 0:
            ordered.append(RowError(None, "", f"… and {more:,} more problem{'s' if more != 1 else ''}."))
        return ordered


class Repeats:
    """Rows that repeat an earlier row's key: `first(key, row)` is the earlier row, or None the
    first time a key is seen. For rows that must be unique in a file (one sales row per SKU,
    location and week; an order line listed once), so that a repeat is reported, not merged."""

    def __init__(self) -> None:
        self.rows: dict[Hashable, int] = {}

    def first(self, key: Hashable, row: int) -> int | None:
        earlier = self.rows.setdefault(key, row)
        return None if earlier == row else earlier


@dataclass
class ImportResult(Generic[Written]):
    """What an import did: the write's value, or the problems that stopped it (nothing written)."""

    value: Written | None = None
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0  # found, listed or not

    @property
    def is_applied(self) -> bool:
        return not self.errors


def apply_all_or_nothing(
    check: Callable[[RowErrors], Checked],
    write: Callable[[Checked], Written],
    *,
    limit: int = MAX_ERRORS,
    integrity_message: str | None = None,
) -> ImportResult[Written]:
    """`check` reads and checks every row, noting problems in the RowErrors it gets (or raising
    ImportRejectedError for the file as a whole) and returns the checked rows; `write` runs
    only when no row has a problem, in one transaction. An ImportRejectedError from the write
    rolls it back and is reported; so is an IntegrityError when `integrity_message` words it
    (another process wrote the same rows meanwhile)."""
    errors = RowErrors(limit)
    try:
        checked = check(errors)
        if errors:
            return ImportResult(errors=errors.shown(), error_count=errors.count)
        with transaction.atomic():
            value = write(checked)
    except ImportRejectedError as rejected:
        errors.extend(rejected.errors)
    except IntegrityError:
        if integrity_message is None:
            raise
        errors.add(None, "", integrity_message)
    if errors:
        return ImportResult(errors=errors.shown(), error_count=errors.count)
    return ImportResult(value=value)
