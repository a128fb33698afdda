"""Tables of the report PDF whose columns never overlap, whatever the size of the values.

A column is text (it wraps: a Paragraph, long words split) or a number (one line, right-aligned).
`fitted_table` measures every number in its font (`pdfmetrics.stringWidth`) and gives its column
at least that width plus the padding; text columns keep their design width or give some of it
up (down to half of it, never below their header's widest line). When the numbers are too wide
for the page even so, the table's font steps down from 7.5 pt to 5.5 pt; if billions still do
not fit at 5.5 pt, the number columns wrap too (a number broken over two lines, never drawn over
its neighbour). `overflowing_cells` checks a laid table: the test asks it about every table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Table, TableStyle

TEXT, NUMBER = "text", "number"
SIZES = (7.5, 7.0, 6.5, 6.0, 5.5)  # the font sizes a table may take, largest first
PADDING = 2.5  # points left and right of every cell
INK = colors.HexColor("#1f2933")
RULE = colors.HexColor("#cbd2d9")
BAND = colors.HexColor("#eef2f7")


@dataclass(frozen=True)
class Layout:
    widths: list[float]
    size: float
    wraps_numbers: bool  # the last resort: the numbers did not fit on one line even at 5.5 pt


def _header_lines(header: str) -> list[str]:
    return header.split("\n")


def _need(text: str, font: str, size: float) -> float:
    return float(stringWidth(text, font, size)) + 2 * PADDING


def fit(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    kinds: Sequence[str],
    preferred: Sequence[float],
    available: float,
    fonts: tuple[str, str],
    *,
    bold_rows: Iterable[int] = (),
    fill: bool = False,
) -> Layout:
    """Column widths and a font size at which every number fits on one line in its column and
    the table fits `available` (widened to it when `fill`: the text columns take the rest)."""
    regular, bold = fonts
    bold_set = set(bold_rows)
    widths: list[float] = list(preferred)
    for size in SIZES:
        header_need = [max(_need(line, bold, size) for line in _header_lines(title)) for title in header]
        need = list(header_need)
        for index, row in enumerate(rows):
            font = bold if index in bold_set else regular
            for column, value in enumerate(row):
                if kinds[column] == NUMBER:
                    need[column] = max(need[column], _need(value, font, size))
        floor = [
            need[column] if kind == NUMBER else max(header_need[column], preferred[column] / 2)
            for column, kind in enumerate(kinds)
        ]
        widths = [max(preferred[column], need[column]) for column in range(len(kinds))]
        widths = _squeezed(widths, floor, available)
        if sum(widths) <= available + 0.01:
            if fill:
                widths = _widened(widths, kinds, preferred, available)
            return Layout(widths, size, wraps_numbers=False)
    scale = available / sum(widths)
    return Layout([width * scale for width in widths], SIZES[-1], wraps_numbers=True)


def _squeezed(widths: list[float], floor: list[float], available: float) -> list[float]:
    """Take what is over `available` from the columns' room above their floor, proportionally."""
    excess = sum(widths) - available
    room = [max(width - low, 0.0) for width, low in zip(widths, floor, strict=True)]
    if excess <= 0 or sum(room) <= 0:
        return widths
    share = min(1.0, excess / sum(room))
    return [width - gap * share for width, gap in zip(widths, room, strict=True)]


def _widened(
    widths: list[float], kinds: Sequence[str], preferred: Sequence[float], available: float
) -> list[float]:
    left = available - sum(widths)
    text = [column for column, kind in enumerate(kinds) if kind == TEXT]
    if left <= 0 or not text:
        return widths
    weight = sum(preferred[column] for column in text) or len(text)
    return [
        width + (left * (preferred[column] or 1) / weight if column in text else 0)
        for column, width in enumerate(widths)
    ]


def fitted_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    kinds: Sequence[str],
    preferred: Sequence[float],
    available: float,
    fonts: tuple[str, str],
    *,
    bold_rows: Iterable[int] = (),
    indents: Sequence[float] = (),
    fill: bool = False,
) -> Table:
    """The table laid by `fit`: header and text cells as Paragraphs, numbers as strings (or
    Paragraphs when they must wrap); `bold_rows` banded and bold; `indents`: the first column's
    left indent per row (the scope levels). The header repeats on every page."""
    regular, bold = fonts
    bold_set = set(bold_rows)
    layout = fit(header, rows, kinds, preferred, available, fonts, bold_rows=bold_set, fill=fill)
    size = layout.size

    def style(*, is_bold: bool, right: bool) -> ParagraphStyle:
        return ParagraphStyle(
            "cell",
            fontName=bold if is_bold else regular,
            fontSize=size,
            leading=size * 1.2,
            textColor=INK,
            alignment=2 if right else 0,
            spaceShrinkage=0,  # reportlab's default lets a line run 5% of a space past the width
        )

    laid_rows: list[list[Any]] = [
        [
            Paragraph(
                escape(title).replace("\n", "<br/>"), style(is_bold=True, right=kinds[column] == NUMBER)
            )
            for column, title in enumerate(header)
        ]
    ]
    for index, row in enumerate(rows):
        is_bold = index in bold_set
        cells: list[Any] = []
        for column, value in enumerate(row):
            if kinds[column] == TEXT:
                cells.append(Paragraph(escape(value), style(is_bold=is_bold, right=False)))
            elif layout.wraps_numbers:
                cells.append(Paragraph(escape(value), style(is_bold=is_bold, right=True)))
            else:
                cells.append(value)
        laid_rows.append(cells)
    table = Table(laid_rows, colWidths=layout.widths, repeatRows=1, hAlign="LEFT")
    commands: list[Any] = [
        ("FONT", (0, 0), (-1, -1), regular, size),
        ("FONT", (0, 0), (-1, 0), bold, size),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
    ]
    for column, kind in enumerate(kinds):
        commands.append(("ALIGN", (column, 0), (column, -1), "RIGHT" if kind == NUMBER else "LEFT"))
    for index, indent in enumerate(indents):
        # An indent is padding, not the Paragraph's leftIndent: reportlab splits a long word to
        # the whole width and would push it past the column by the indent.
        if indent:
            commands.append(("LEFTPADDING", (0, index + 1), (0, index + 1), PADDING + indent))
    for index in bold_set:
        band = (0, index + 1), (-1, index + 1)
        commands += [("FONT", *band, bold, size), ("BACKGROUND", *band, BAND)]
    table.setStyle(TableStyle(commands))
    return table


def overflowing_cells(table: Table) -> list[str]:
    """Cells of a laid table wider than their column less the padding: a string measured in its
    cell's font, a Paragraph by its widest line once wrapped to the column. Empty: none."""
    problems = []
    for row_index, row in enumerate(table._cellvalues):
        for column, value in enumerate(row):
            cell = table._cellStyles[row_index][column]
            room = table._colWidths[column] - cell.leftPadding - cell.rightPadding
            # A Table keeps a flowable cell in a list; a string is drawn on one line.
            for part in value if isinstance(value, list | tuple) else [value]:
                if isinstance(part, Paragraph):
                    part.wrap(room, 10_000)
                    widest = max(part.getActualLineWidths0() or [0.0]) + part.style.leftIndent
                elif isinstance(part, str):
                    widest = stringWidth(part, cell.fontname, cell.fontsize)
                else:
                    problems.append(
                        f"row {row_index}, column {column}: a {type(part).__name__} is not measured"
                    )
                    continue
                if widest > room + 0.01:
                    problems.append(f"row {row_index}, column {column}: {widest:.3f} pt in {room:.3f} pt")
    return problems
