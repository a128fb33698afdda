"""How a total was calculated, by hand: DESIGN.md's FWOS line (sales 100, 80, 120, 90; markdowns
5 a week; FWOS 2, 1.5, 2.5, 1; opening 200) named W47-W50, its month W48-W49 called December."""

from __future__ import annotations

import math

import numpy as np
import pytest

from planning.engine.explain_total import explain_line_sum, explain_total

LABELS = ["W47", "W48", "W49", "W50"]
# BOP = opening then the EOP before; receipts = EOP - BOP + sales + 5; GM = sales - 0.45 x (sales + 5)
VALUES = {
    "sales": np.array([100.0, 80, 120, 90]),
    "bop": np.array([200.0, 200, 165, 230]),
    "eop": np.array([200.0, 165, 230, 100]),
    "receipts": np.array([105.0, 50, 190, -35]),
    "gross_margin": np.array([52.75, 41.75, 63.75, 47.25]),
    "fwos": np.array([2.0, 1.5, 2.5, 1]),
}
DECEMBER = [1, 2]


def _total(measure: str, label: str, periods: list[int] = DECEMBER) -> tuple[str, str, float]:
    why = explain_total(measure, VALUES, periods, LABELS, label=label, name="December")
    return why.formula, why.text, why.value


def test_a_flow_sums_its_weeks() -> None:
    assert _total("sales", "Sales $") == (
        "Sales $ of December = the sum of its weeks (W48-W49)",
        "Sales $ = W48 80 + W49 120 = 200",
        200,
    )
    # Receipts of the whole span, a negative week included: 105 + 50 + 190 - 35
    assert _total("receipts", "Receipts $", [0, 1, 2, 3])[1:] == (
        "Receipts $ = W47 105 + W48 50 + W49 190 + W50 -35 = 310",
        310,
    )


def test_stocks_take_the_first_and_the_last_week() -> None:
    assert _total("bop", "BOP $") == (
        "BOP of December = the BOP of its first week",
        "BOP = BOP of W48 = 200",
        200,
    )
    assert _total("eop", "EOP $") == (
        "EOP $ of December = the EOP $ of its last week",
        "EOP $ = EOP $ of W49 = 230",
        230,
    )
    assert _total("fwos", "FWOS")[1] == "FWOS = FWOS of W49 = 2.5"


def test_ratios_are_recomputed_from_the_summed_parts() -> None:
    # WOS: EOP of W49 230 / (200 sold in 2 weeks = 100 a week)
    assert _total("wos", "WOS")[1:] == ("WOS = EOP of W49 230 / (sales 200 / 2 weeks = 100) = 2.3", 2.3)
    # Sell-through of available: 200 / (BOP 200 + receipts 50 + 190) = 45.45%
    formula, text, value = _total("sell_through", "Sell-through %")
    assert text == "sell-through = sales of W48-W49 200 / (BOP of W48 200 + receipts 240) = 45.45%"
    assert value == pytest.approx(200 / 440)
    assert "recomputed, not averaged" in formula
    # GM% = (41.75 + 63.75) / 200, not the average of 52.19% and 53.13%
    assert _total("gm_percent", "GM %")[1] == "GM% = GM of W48-W49 105.5 / sales 200 = 52.75%"
    # Turn: average inventory (200 + 165 + 230) / 3 = 198.33; 200 / 198.33 x 52 / 2 = 26.22
    formula, text, value = _total("turn", "Turn (annual)")
    assert text == "average inventory = (200 + 165 + 230) / 3 = 198.33; turn = 200 / 198.33 x 26 = 26.22"
    assert value == pytest.approx(200 / (595 / 3) * 26)


def test_undefined_ratios_say_so() -> None:
    values = {**VALUES, "sales": np.zeros(4)}
    why = explain_total("wos", values, DECEMBER, LABELS, label="WOS", name="December")
    assert math.isnan(why.value)
    assert why.text.endswith("= undefined")


def test_a_long_sum_shows_its_first_and_last_weeks() -> None:
    labels = [f"W{week:02d}" for week in range(1, 21)]
    why = explain_total(
        "sales", {"sales": np.ones(20)}, list(range(20)), labels, label="Sales $", name="the season"
    )
    assert why.text == "Sales $ = W01 1 + W02 1 + W03 1 + ... (16 more) + W20 1 = 20"


def test_a_plan_total_cell_sums_the_lines_largest_first() -> None:
    why = explain_line_sum(
        "sales", [("Tees", 501.6), ("Blouses", 330.0), ("Knits", math.nan)], label="Sales $", name="W05"
    )
    assert why.formula == "Sales $ of the plan total in W05 = the sum of its 3 lines"
    assert why.text == "Sales $ = Tees 501.6 + Blouses 330 + Knits 0 = 831.6"
    assert why.value == pytest.approx(831.6)


def test_what_cannot_be_explained_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one week"):
        explain_total("sales", VALUES, [], LABELS, label="Sales $", name="December")
    with pytest.raises(ValueError, match="'gmroi'"):
        explain_total("gmroi", VALUES, DECEMBER, LABELS, label="GMROI", name="December")
    with pytest.raises(ValueError, match="ratios are recomputed"):
        explain_line_sum("turn", [("Tees", 1.0)], label="Turn", name="W05")
