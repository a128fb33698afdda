"""The whole weekly report as an xlsx workbook (openpyxl): numbers as numbers with formats,
text escaped, one sheet per section."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from reports.exports.cells import (
    MONEY,
    MONEY_FORMAT,
    PERCENT,
    PERCENT_FORMAT,
    RATIO,
    RATIO_FORMAT,
    TEXT,
    UNITS,
    UNITS_FORMAT,
    safe_cell,
)
from reports.exports.tables import ITEM_HEADERS, ITEM_KINDS, KPI_HEADERS, kpi_values, kpis, scope_columns
from reports.formulas import DEFINITIONS
from reports.report_types import PERIOD_LABELS, PERIODS, AccuracyWeek, ItemRow, OTBMonth, WeeklyReport

SHEET_NAMES = [
    "Summary", "Scopes by period", "OTB", "Best sellers", "Understocked", "Overstocked", "Forecast accuracy",
    "Definitions",
]  # fmt: skip


_FORMATS = {MONEY: MONEY_FORMAT, PERCENT: PERCENT_FORMAT, RATIO: RATIO_FORMAT, UNITS: UNITS_FORMAT}


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return safe_cell(value)


class _Sheet:
    """Writes one worksheet: a bold header row, typed cells, frozen panes, column widths."""

    def __init__(self, workbook: Any, title: str) -> None:
        self.sheet = workbook.create_sheet(title=title)
        self.widths: dict[int, int] = {}
        self.next_row = 1

    def row(self, values: Sequence[Any], kinds: Sequence[str] = (), *, bold: bool = False) -> None:
        from openpyxl.styles import Font

        row_number, self.next_row = self.next_row, self.next_row + 1
        for index, value in enumerate(values, start=1):
            cell = self.sheet.cell(row=row_number, column=index, value=_xlsx_value(value))
            kind = kinds[index - 1] if index - 1 < len(kinds) else TEXT
            if kind in _FORMATS and cell.value is not None:
                cell.number_format = _FORMATS[kind]
            if bold:
                cell.font = Font(bold=True)
            shown = len(str(value)) if value is not None else 0
            if kind == MONEY and value is not None:
                shown = len(f"{float(value):,.2f}")
            self.widths[index] = max(self.widths.get(index, 0), shown)

    def blank(self) -> None:
        self.next_row += 1

    def header(self, headers: Sequence[str]) -> None:
        self.row(headers, bold=True)
        self.sheet.freeze_panes = self.sheet.cell(row=self.next_row, column=1).coordinate

    def finish(self) -> None:
        from openpyxl.utils import get_column_letter

        for index, width in self.widths.items():
            self.sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)


def _item_values(item: ItemRow) -> list[Any]:
    return [
        item.code, item.name, item.department, item.sales, item.units, item.stock_units, item.wos,
        item.sell_through, item.reason,
    ]  # fmt: skip


def _otb_values(month: OTBMonth) -> list[Any]:
    return [month.label, month.budget, month.received, month.on_order, month.remaining]


def _accuracy_values(week: AccuracyWeek) -> list[Any]:
    return [week.label, week.week_id, week.wmape, week.bias]


def report_xlsx(report: WeeklyReport) -> bytes:
    """The whole report as a workbook: numbers as numbers with formats, text escaped."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)

    summary = _Sheet(workbook, "Summary")
    summary.row([f"Merchplan weekly report {report.week_label}"])
    summary.sheet["A1"].font = Font(bold=True, size=14)
    summary.row([report.week_dates])
    summary.widths[1] = 0  # the title spills over: it does not widen the first column
    summary.blank()
    summary.header(KPI_HEADERS)
    for label, kind, figure in kpis(report):
        values, kinds = kpi_values(kind, figure)
        summary.row([label, *values], [TEXT, *kinds])
    summary.blank()
    summary.row(["Waiting for approval", "Count"], bold=True)
    for kind_name, waiting in report.open_approvals.items():
        summary.row([kind_name, waiting], [TEXT, UNITS])
    if report.notes:
        summary.blank()
        summary.row(["Notes"], bold=True)
        for note in report.notes:
            summary.row([note])
    summary.widths[1] = min(summary.widths.get(1, 0), 40)
    summary.finish()

    scopes = _Sheet(workbook, "Scopes by period")
    columns = {period: scope_columns(period) for period in PERIODS}
    scopes.header(["Period", *(column.header for column in columns["week"])])
    for period in PERIODS:
        for row in report.rows:
            scopes.row(
                [PERIOD_LABELS[period], *(column.value(row) for column in columns[period])],
                [TEXT, *(column.kind for column in columns[period])],
            )
    scopes.finish()

    otb = _Sheet(workbook, "OTB")
    otb.header(["Month", "Budget (retail)", "Received", "On order", "Open to buy"])
    for month in report.otb:
        otb.row(_otb_values(month), [TEXT, MONEY, MONEY, MONEY, MONEY])
    otb.finish()

    for title, items in (
        ("Best sellers", report.best_sellers),
        ("Understocked", report.understocked),
        ("Overstocked", report.overstocked),
    ):
        sheet = _Sheet(workbook, title)
        sheet.header(ITEM_HEADERS)
        for item in items:
            sheet.row(_item_values(item), ITEM_KINDS)
        sheet.finish()

    accuracy = _Sheet(workbook, "Forecast accuracy")
    accuracy.header(["Week", "Week id", "WMAPE", "Bias"])
    for week in report.accuracy:
        accuracy.row(_accuracy_values(week), [TEXT, TEXT, PERCENT, PERCENT])
    accuracy.finish()

    definitions = _Sheet(workbook, "Definitions")
    definitions.header(["Figure", "How it is calculated"])
    for name, text in DEFINITIONS:
        definitions.row([name, text])
    definitions.finish()

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
