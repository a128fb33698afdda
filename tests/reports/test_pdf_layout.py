"""The report PDF's columns never overlap: every cell of every table fits its column (a number on
one line in its font, text wrapped), for the sample report and for long names, billions and
negative numbers."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Table

from reports.exports import number, report_pdf
from reports.pdf_layout import NUMBER, TEXT, fit, fitted_table, overflowing_cells
from reports.report_types import (
    PERIODS,
    AccuracyWeek,
    ItemRow,
    OTBMonth,
    PeriodFigures,
    Ratio,
    ScopeRow,
    Versus,
    WeeklyReport,
)
from tests.reports.sample import sample_report

D = Decimal
HELVETICA = ("Helvetica", "Helvetica-Bold")


def _period(money: Decimal, sign: int) -> PeriodFigures:
    return PeriodFigures(
        sales=Versus(sign * money, -money / 2, money / 3, -money / 7),
        gross_margin=Versus(-money / 2, D("1.00"), D("2.00"), D("-3.00")),
        gm_percent=Ratio(-1.2345, -0.9999, 12.345),
        markdowns=Versus(-money, None, None, None),
        markdown_percent=Ratio(-10.5, 3.25, -0.001),
    )


def _periods(money: Decimal, sign: int) -> dict[str, PeriodFigures]:
    return {period: _period(money * (1 + step), sign) for step, period in enumerate(PERIODS)}


def _report(money: Decimal) -> WeeklyReport:
    """The sample with long names and codes, `money` in every money figure (negative too),
    ratios and percents of thousands, and long item lists' texts."""
    base = sample_report()
    names = [
        ("company", "", "Company"),
        ("channel", "STORES", "Stores and concessions in every region of the northern hemisphere"),
        (
            "department",
            "W01-CONTEMPORARY",
            "Women's contemporary tops, blouses, knitwear and layering pieces",
        ),
        ("class", "W01-CONTEMPORARY-01", "Tees, tanks, camisoles and other jersey basics for everyday"),
        ("department", "W02", "Supercalifragilisticexpialidociousdepartmentnamewithoutanyspace"),
    ]
    rows = [
        ScopeRow(
            level=level, code=code, name=name, parent="",
            periods=_periods(money, -1 if index % 2 else 1),
            eop=Versus(-money, D("1"), money, D("2")),
            wos=Ratio(-12345.6, 99999.9, None), turn=Ratio(-1234.5, 12345.6, 1.0),
            gmroi=Ratio(-99999.9, 123456.7, 0.5), sell_through=Ratio(-12.3456, 1.0, 0.2),
            notes=("No plan by channel: plan columns are blank.",),
        )
        for index, (level, code, name) in enumerate(names)
    ]  # fmt: skip
    item = ItemRow(
        code="ST-123456789-BLACKBERRY-XXL", name="Classic organic cotton heavyweight tee, long product name",
        department="W01-CONTEMPORARY Women's contemporary tops", sales=-money, units=-123_456_789,
        stock_units=987_654_321, wos=-12345.6, sell_through=-12.3456,
        reason="12,345.6 weeks of supply, selling 123,456,789 a week, and a reason that runs on and on",
    )  # fmt: skip
    return dataclasses.replace(
        base,
        rows=rows,
        best_sellers=[item],
        understocked=[item, item],
        overstocked=[item],
        otb=[
            OTBMonth(202603, "FY2026 M03, a long month label", -money, money, -money),
            OTBMonth(202604, "FY2026 M04", None, D("0.00"), D("1500.00")),
        ],
        accuracy=[AccuracyWeek(202605, "W05", 123.456, -99.999)],
    )


def _tables(report: WeeklyReport, monkeypatch: pytest.MonkeyPatch) -> list[Table]:
    """Every table the PDF lays, as built (before the pages split them)."""
    laid: list[Table] = []
    build = SimpleDocTemplate.build

    def recording(self: Any, story: list[Any], *args: Any, **kwargs: Any) -> Any:
        def walk(flowables: list[Any]) -> None:
            for flowable in flowables:
                if isinstance(flowable, Table):
                    laid.append(flowable)
                elif isinstance(flowable, KeepTogether):
                    walk(list(flowable._content))

        walk(list(story))
        return build(self, story, *args, **kwargs)

    monkeypatch.setattr(SimpleDocTemplate, "build", recording)
    assert report_pdf(report).startswith(b"%PDF")
    return laid


@pytest.mark.parametrize(
    "report",
    [sample_report(), _report(D("1234567890.12")), _report(D("-98765432109.99"))],
    ids=["sample", "billions", "negative-tens-of-billions"],
)
def test_every_cell_of_every_table_fits_its_column(
    report: WeeklyReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = _tables(report, monkeypatch)

    # Headline figures, the scopes (week, year to date), OTB, the item lists shown, accuracy.
    item_lists = sum(1 for items in (report.best_sellers, report.understocked, report.overstocked) if items)
    assert len(tables) == 5 + item_lists
    for table in tables:
        assert overflowing_cells(table) == []
        assert sum(table._colWidths) <= 273.0 * 72 / 25.4 + 0.01  # A4 landscape less the margins


def test_numbers_too_wide_for_the_page_even_small_wrap_instead_of_overlapping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tables = _tables(_report(D("123456789012345678.99")), monkeypatch)
    scopes = tables[1]

    assert scopes._cellStyles[1][1].fontsize == 5.5
    [cell] = scopes._cellvalues[1][1]  # a Table keeps a flowable cell in a list
    assert isinstance(cell, Paragraph)  # the number wraps
    assert all(overflowing_cells(table) == [] for table in tables)


def test_fit_gives_a_number_its_width_in_the_font_and_squeezes_text_first() -> None:
    # Helvetica at 7.5 pt: digits 556/1000 em, a comma 278: 1,234,567,890 is
    # (10 x 556 + 3 x 278) x 7.5 / 1000 = 47.955 pt, + 2 x 2.5 pt padding = 52.955 pt.
    header, rows, kinds = ["Name", "Sales"], [["Tee", "1,234,567,890"]], [TEXT, NUMBER]

    roomy = fit(header, rows, kinds, [100, 30], 200, HELVETICA)
    squeezed = fit(header, rows, kinds, [100, 30], 120, HELVETICA)
    filled = fit(header, rows, kinds, [100, 30], 200, HELVETICA, fill=True)

    assert (roomy.size, [round(width, 3) for width in roomy.widths]) == (7.5, [100, 52.955])
    # 152.955 is 32.955 too wide: the name gives it up (it keeps at least half of its 100).
    assert [round(width, 3) for width in squeezed.widths] == [67.045, 52.955]
    assert [round(width, 3) for width in filled.widths] == [147.045, 52.955]  # the name takes the rest


def test_fit_steps_the_font_down_before_wrapping_numbers() -> None:
    header, kinds = ["Name", "Sales"], [TEXT, NUMBER]
    rows = [["Tee", "1,234,567,890"]]

    # At 7.5 pt the name's floor (50) + 52.955 > 100; at 7.0 pt the number is 6,394 x 7 / 1000
    # = 44.758 + 5 = 49.758 pt and 50 + 49.758 fits: the name keeps 100 - 49.758 = 50.242.
    smaller = fit(header, rows, kinds, [100, 30], 100, HELVETICA)
    # 70 pt: even at 5.5 pt (50 + 40.167) it does not fit: the numbers wrap, widths scaled to 70.
    wrapped = fit(header, rows, kinds, [100, 30], 70, HELVETICA)

    assert (smaller.size, smaller.wraps_numbers) == (7.0, False)
    assert [round(width, 3) for width in smaller.widths] == [50.242, 49.758]
    assert (wrapped.size, wrapped.wraps_numbers, round(sum(wrapped.widths), 6)) == (5.5, True, 70)


def test_a_fitted_table_bands_bold_rows_and_indents_the_first_column() -> None:
    table = fitted_table(
        ["Scope", "Sales"], [["Company", "3,000"], ["Tees", "1,000"]], [TEXT, NUMBER], [60, 30], 200,
        HELVETICA, bold_rows=[0], indents=[0, 14],
    )  # fmt: skip

    assert table._cellStyles[1][1].fontname == "Helvetica-Bold"
    assert table._cellStyles[2][1].fontname == "Helvetica"
    assert table._cellStyles[2][0].leftPadding == 2.5 + 14  # the indent
    assert table._cellStyles[1][1].alignment == "RIGHT"
    assert overflowing_cells(table) == []


def test_ratios_carry_a_minus_sign_as_money_does() -> None:
    assert (number(-12345.6), number(2.5), number(-0.01), number(None)) == (
        "\u221212,345.6",
        "2.5",
        "0.0",
        "\u2013",
    )


def test_the_notes_heading_goes_over_a_page_with_its_first_note(monkeypatch: pytest.MonkeyPatch) -> None:
    kept: list[list[Any]] = []
    build = SimpleDocTemplate.build

    def recording(self: Any, story: list[Any], *args: Any, **kwargs: Any) -> Any:
        kept.extend(list(flowable._content) for flowable in story if isinstance(flowable, KeepTogether))
        return build(self, story, *args, **kwargs)

    monkeypatch.setattr(SimpleDocTemplate, "build", recording)
    report_pdf(dataclasses.replace(sample_report(), notes=["First note.", "Second note."]))

    [notes] = [group for group in kept if isinstance(group[0], Paragraph) and group[0].text == "Notes"]
    assert [paragraph.text for paragraph in notes] == ["Notes", "• First note."]
