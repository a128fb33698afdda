"""The weekly report as an A4 landscape PDF (reportlab): headline figures, scopes, OTB, the
item lists, forecast accuracy, notes, definitions and the charts, page numbers in the footer."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reports.exports.cells import MONEY, PERCENT, money, number, percent
from reports.exports.tables import KPI_HEADERS, kpi_values, kpis
from reports.formulas import DEFINITIONS, STOCK_BASIS
from reports.report_types import PERIOD_LABELS, ScopeRow, WeeklyReport


def _fonts() -> tuple[str, str]:
    """DejaVu Sans (shipped with matplotlib: every accent and dash) when it is there, else
    Helvetica."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    try:
        import matplotlib

        fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        if "MerchplanSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("MerchplanSans", str(fonts / "DejaVuSans.ttf")))
            pdfmetrics.registerFont(TTFont("MerchplanSans-Bold", str(fonts / "DejaVuSans-Bold.ttf")))
        return "MerchplanSans", "MerchplanSans-Bold"
    except (ImportError, OSError):
        return "Helvetica", "Helvetica-Bold"


def chart_images(report: WeeklyReport) -> list[bytes]:
    """The report's three charts (sales, stock, open to buy) as PNG, each with its own title."""
    try:
        from reports import charts
    except ImportError:  # the charts module is built beside this one
        return []
    return [
        charts.sales_chart(report, fmt="png"),
        charts.inventory_chart(report, fmt="png"),
        charts.otb_chart(report, fmt="png"),
    ]


def grouped_notes(report: WeeklyReport) -> list[str]:
    """The rows' notes once each, with the codes of the rows they apply to ("No plan covers this
    week: A01, A01-01, ..."), not one line per row."""
    by_note: dict[str, list[str]] = {}
    for row in report.rows:
        for note in row.notes:
            by_note.setdefault(note, []).append(row.code or row.name)
    lines = []
    for note, codes in by_note.items():
        shown = ", ".join(codes[:12]) + (f" and {len(codes) - 12} more" if len(codes) > 12 else "")
        lines.append(f"{note.rstrip('.')}: {shown}.")
    return lines


@dataclass(frozen=True)
class _Layout:
    """What every section of the PDF is laid out with: the fonts, the styles, the usable width."""

    fonts: tuple[str, str]
    width: float
    title: Any
    subtitle: Any
    heading: Any
    note: Any

    def table(
        self,
        header: Sequence[str],
        rows: list[list[str]],
        kinds: str,
        preferred: Sequence[float],
        **options: Any,
    ) -> Any:
        """Columns sized to their values (`pdf_layout`): kinds per column, T text, N number."""
        from reports.pdf_layout import NUMBER, TEXT, fitted_table

        column_kinds = [TEXT if kind == "T" else NUMBER for kind in kinds]
        return fitted_table(header, rows, column_kinds, preferred, self.width, self.fonts, **options)


_INK, _MUTED = "#1f2933", "#6b7785"


def _layout(width: float) -> _Layout:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    fonts = regular, bold = _fonts()
    ink, muted = colors.HexColor(_INK), colors.HexColor(_MUTED)
    return _Layout(
        fonts=fonts,
        width=width,
        title=ParagraphStyle("title", fontName=bold, fontSize=18, leading=22, textColor=ink),
        subtitle=ParagraphStyle("subtitle", fontName=regular, fontSize=10, leading=13, textColor=muted),
        heading=ParagraphStyle(
            "heading", fontName=bold, fontSize=12, leading=15, textColor=ink, spaceBefore=8, spaceAfter=4
        ),
        note=ParagraphStyle("note", fontName=regular, fontSize=9, leading=12, textColor=ink),
    )


def _numbered_canvas(report: WeeklyReport, regular: str, margin: float, page_width: float) -> type:
    """A canvas that writes "Page N of M" in every page's footer (the total is known once all
    pages are laid)."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    muted = colors.HexColor(_MUTED)

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(regular, 8)
                self.setFillColor(muted)
                self.drawString(margin, 7 * mm, f"Merchplan weekly report {report.week_label}")
                self.drawRightString(
                    page_width - margin, 7 * mm, f"Page {self._pageNumber} of {len(self._pages)}"
                )
                super().showPage()
            super().save()

    return NumberedCanvas


def _title(report: WeeklyReport, layout: _Layout) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    return [
        Paragraph(escape(f"Executive weekly report {report.week_label}"), layout.title),
        Paragraph(escape(f"{report.week_dates} · money at retail"), layout.subtitle),
        Spacer(1, 4 * mm),
    ]


def _headline(report: WeeklyReport, layout: _Layout) -> list[Any]:
    """KPIs: the company's headline figures."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    kpi_rows: list[list[str]] = []
    for label, kind, figure in kpis(report):
        values, kinds = kpi_values(kind, figure)
        cells = [label]
        for position, (value, value_kind) in enumerate(zip(values, kinds, strict=True)):
            if value_kind == MONEY:
                cells.append(money(value))
            elif value_kind == PERCENT:
                cells.append(percent(value, signed=position >= 4))  # the changes carry a sign
            else:
                cells.append(number(value))
        kpi_rows.append(cells)
    kpi_widths = [70 * mm] + [26 * mm] * 7
    approvals = ", ".join(f"{name}: {count}" for name, count in report.open_approvals.items())
    return [
        Paragraph("Headline figures", layout.heading),
        layout.table(KPI_HEADERS, kpi_rows, "TNNNNNNN", kpi_widths),
        Spacer(1, 2 * mm),
        Paragraph(escape(f"Waiting for approval: {approvals or 'nothing'}"), layout.note),
        Paragraph(escape(f"{STOCK_BASIS}; how each figure is calculated: the last section."), layout.note),
    ]


_SCOPE_HEADERS = [
    "Scope", "Sales", "vs OP", "vs WP", "vs LY", "GM", "GM %", "GM %\nplan", "Mark-\ndowns", "MD %",
    "Stock\nselling\nlocations", "Stock vs\nplan", "Owned\nstock", "WOS", "Turn\nYTD", "GMROI\nYTD",
    "Sell-\nthrough\n$ STD",
]  # fmt: skip


def _scope_cells(row: ScopeRow, period: str) -> list[str]:
    figures = row.periods[period]
    label = f"{row.code} {row.name}" if row.level in ("department", "class") else row.name
    return [
        label,
        money(figures.sales.ty),
        percent(figures.sales.vs_op_percent, signed=True),
        percent(figures.sales.vs_wp_percent, signed=True),
        percent(figures.sales.vs_ly_percent, signed=True),
        money(figures.gross_margin.ty),
        percent(figures.gm_percent.ty),
        percent(figures.gm_percent.plan),
        money(figures.markdowns.ty),
        percent(figures.markdown_percent.ty),
        money(row.eop.ty),
        percent(row.eop.vs_wp_percent, signed=True),
        money(row.owned.ty),
        number(row.wos.ty),
        number(row.turn.ty),
        number(row.gmroi.ty),
        percent(row.sell_through.ty),
    ]


def _scopes(report: WeeklyReport, layout: _Layout) -> list[Any]:
    """The scope table for the week and for the year to date."""
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, Paragraph

    # Money columns take what the name, the percents and the ratios leave (billions fit).
    # T: the name, M: money, P: percent, R: ratio, S: sell-through (a long header).
    widths_by = "TMPPPMPPMPMPMRRRS"
    narrow = {"P": 13 * mm, "R": 12.5 * mm, "S": 15 * mm}
    name_width = 44 * mm
    money_width = (
        layout.width - name_width - sum(narrow.get(kind, 0) for kind in widths_by)
    ) / widths_by.count("M")
    scope_widths = [name_width] + [narrow.get(kind, money_width) for kind in widths_by[1:]]
    scope_kinds = "T" + "N" * (len(_SCOPE_HEADERS) - 1)
    story: list[Any] = []
    for period in ("week", "ytd"):
        rows: list[list[str]] = []
        bold_rows, indents = [], []
        for row in report.rows:
            indents.append({"company": 0, "channel": 6, "department": 6, "class": 14}.get(row.level, 0))
            if row.level == "company":
                bold_rows.append(len(rows))
            rows.append(_scope_cells(row, period))
        scope_notes = grouped_notes(report)
        block: list[Any] = [
            Paragraph(escape(f"Scopes: {PERIOD_LABELS[period].lower()}"), layout.heading),
            layout.table(
                _SCOPE_HEADERS,
                rows,
                scope_kinds,
                scope_widths,
                bold_rows=bold_rows,
                indents=indents,
                fill=True,
            ),
        ]
        block += [Paragraph(escape(note), layout.subtitle) for note in scope_notes]
        story += [CondPageBreak(60 * mm), *block]
    return story


def _open_to_buy(report: WeeklyReport, layout: _Layout) -> list[Any]:
    """Open to buy by coming month."""
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph

    otb_headers = ["Month", "Budget (retail)", "Received", "On order", "Open to buy"]
    otb_rows: list[list[str]] = []
    for month in report.otb:
        otb_rows.append(
            [
                month.label,
                money(month.budget, 2) if month.budget is not None else "No approved budget",
                money(month.received, 2),
                money(month.on_order, 2),
                money(month.remaining, 2),
            ]
        )
    return [
        CondPageBreak(40 * mm),
        KeepTogether(
            [
                Paragraph("Open to buy, coming months", layout.heading),
                layout.table(otb_headers, otb_rows, "TNNNN", [50 * mm] + [36 * mm] * 4)
                if report.otb
                else Paragraph("No coming months.", layout.note),
            ]
        ),
    ]


def _item_lists(report: WeeklyReport, layout: _Layout) -> list[Any]:
    """The three item lists."""
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph

    item_widths = [24 * mm, 46 * mm, 22 * mm, 22 * mm, 14 * mm, 16 * mm, 14 * mm, 18 * mm]
    item_widths.append(layout.width - sum(item_widths))
    story: list[Any] = []
    for title, items in (
        ("Best sellers", report.best_sellers),
        ("Understocked", report.understocked),
        ("Overstocked", report.overstocked),
    ):
        heading = Paragraph(escape(title), layout.heading)
        if not items:
            story += [KeepTogether([heading, Paragraph("None this week.", layout.note)])]
            continue
        item_rows: list[list[str]] = []
        for item in items:
            item_rows.append(
                [
                    item.code,
                    item.name,
                    item.department,
                    money(item.sales, 2),
                    f"{item.units:,}",
                    f"{item.stock_units:,}",
                    number(item.wos),
                    percent(item.sell_through),
                    item.reason,
                ]
            )
        item_headers = ["Code", "Name", "Department", "Sales", "Units", "Stock", "WOS", "Sell-thru\nunits"]
        item_headers.append("Why")
        laid = layout.table(item_headers, item_rows, "TTTNNNNNT", item_widths, fill=True)
        story += [CondPageBreak(30 * mm), heading, laid]
    return story


def _accuracy(report: WeeklyReport, layout: _Layout) -> list[Any]:
    """Forecast accuracy, lag 1."""
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, Paragraph

    accuracy_rows: list[list[str]] = []
    for week in report.accuracy:
        accuracy_rows.append([week.label, percent(week.wmape), percent(week.bias, signed=True)])
    return [
        CondPageBreak(40 * mm),
        Paragraph("Forecast accuracy (lag 1)", layout.heading),
        layout.table(["Week", "WMAPE", "Bias"], accuracy_rows, "TNN", [40 * mm, 30 * mm, 30 * mm])
        if report.accuracy
        else Paragraph("No closed week with a forecast yet.", layout.note),
    ]


def _notes_and_definitions(report: WeeklyReport, layout: _Layout) -> list[Any]:
    """The report's notes (if any) and how each figure is calculated; a heading never ends a
    page alone: it goes over with its first paragraph."""
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph

    story: list[Any] = []
    if report.notes:
        notes = [Paragraph(escape(f"• {note}"), layout.note) for note in report.notes]
        story += [
            CondPageBreak(25 * mm),
            KeepTogether([Paragraph("Notes", layout.heading), notes[0]]),
            *notes[1:],
        ]
    bold = layout.fonts[1]
    definitions = [
        Paragraph(f'<font name="{bold}">{escape(name)}</font>: {escape(text)}', layout.note)
        for name, text in DEFINITIONS
    ]
    story += [
        CondPageBreak(25 * mm),
        KeepTogether([Paragraph("How the figures are calculated", layout.heading), definitions[0]]),
        *definitions[1:],
    ]
    return story


def _charts(report: WeeklyReport, layout: _Layout) -> list[Any]:
    """The charts on a page of their own, each scaled to the width and at most 80 mm high."""
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, Spacer

    charts = chart_images(report)
    if not charts:
        return []
    story: list[Any] = [PageBreak(), Paragraph("Charts", layout.heading)]
    for png in charts:  # each chart carries its own title
        image_width, image_height = ImageReader(io.BytesIO(png)).getSize()
        shown_width = min(layout.width, 250 * mm)
        shown_height = shown_width * image_height / image_width
        if shown_height > 80 * mm:
            shown_height = 80 * mm
            shown_width = shown_height * image_width / image_height
        story.append(
            KeepTogether(
                [
                    Image(io.BytesIO(png), width=shown_width, height=shown_height, hAlign="LEFT"),
                    Spacer(1, 3 * mm),
                ]
            )
        )
    return story


def report_pdf(report: WeeklyReport) -> bytes:
    """A4 landscape: title, KPIs, the scopes for the week and the year to date, OTB, the three
    item lists, forecast accuracy, notes and the charts; page numbers in the footer."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    page_width, page_height = landscape(A4)
    margin = 12 * mm
    layout = _layout(page_width - 2 * margin)
    story: list[Any] = [
        *_title(report, layout),
        *_headline(report, layout),
        *_scopes(report, layout),
        *_open_to_buy(report, layout),
        *_item_lists(report, layout),
        *_accuracy(report, layout),
        *_notes_and_definitions(report, layout),
        *_charts(report, layout),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=(page_width, page_height),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=14 * mm,
        title=f"Merchplan weekly report {report.week_label}",
        author="Merchplan",
    )
    document.build(story, canvasmaker=_numbered_canvas(report, layout.fonts[0], margin, page_width))
    return buffer.getvalue()
