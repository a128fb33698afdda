"""recompute in season: closed weeks keep their actual stock, open weeks restart from it.

DESIGN.md section 11: W44 closes with an actual EOP of 280,199 where the plan expected 198,700;
W45 opens on 280,199 and, with an FWOS target, its receipts (and OTB) fall by 81,499.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.engine import PlanInputs, recompute

FLAT = [100.0, 100.0, 100.0, 100.0]


def test_the_design_example_w45_opens_on_the_actual_stock() -> None:
    sales = [[60_000.0, 62_000.0, 70_000.0, 75_000.0, 80_000.0]]
    planned = recompute(PlanInputs(sales=sales, method="fwos", targets=[[3] * 5], opening=[250_000]))
    eop_w44 = float(planned.eop[0, 0])
    actual = recompute(
        PlanInputs(
            sales=sales, method="fwos", targets=[[3] * 5], opening=[250_000],
            closed_weeks=1, actual_eop=[[eop_w44 + 81_499, 0, 0, 0, 0]],
        )
    )  # fmt: skip
    assert actual.bop[0, 1] == eop_w44 + 81_499
    assert actual.receipts[0, 1] == pytest.approx(planned.receipts[0, 1] - 81_499)
    assert actual.otb[0, 1] == pytest.approx(planned.otb[0, 1] - 81_499)
    np.testing.assert_allclose(actual.eop[0, 1:], planned.eop[0, 1:])  # the targets stand


def test_fwos_by_hand() -> None:
    # FWOS 2 on sales of 100 a week. W1 closed with actual sales 120 and EOP 260.
    out = recompute(
        PlanInputs(
            sales=[[120.0, 100.0, 100.0, 100.0]], method="fwos", targets=[[2, 2, 2, 2]], opening=[300],
            on_order=[[0, 0, 30, 0]], closed_weeks=1, actual_eop=[[260, 0, 0, 0]],
        )
    )  # fmt: skip
    # EOP covers the next two weeks, wrapping to W1's actual 120: 200, 220 (100 + 120), 220.
    np.testing.assert_allclose(out.eop[0], [260, 200, 220, 220])
    np.testing.assert_allclose(out.bop[0], [300, 260, 200, 220])
    # receipts = EOP - BOP + sales: 260-300+120 = 80 (the actual), 200-260+100 = 40, 120, 100
    np.testing.assert_allclose(out.receipts[0], [80, 40, 120, 100])
    np.testing.assert_allclose(out.otb[0], [0, 40, 90, 100])  # a closed week has nothing to buy
    np.testing.assert_allclose(out.fwos[0], [2.6, 2, 2, 2])  # 260 covers W2, W3 and 60% of W4


def test_entered_receipts_move_the_stock_on_from_the_actual() -> None:
    out = recompute(
        PlanInputs(
            sales=[FLAT], method="receipts", receipts=[[50, 50, 50, 50]], opening=[300],
            closed_weeks=2, actual_eop=[[240, 210, 0, 0]],
        )
    )  # fmt: skip
    np.testing.assert_allclose(out.eop[0], [240, 210, 160, 110])
    np.testing.assert_allclose(out.bop[0], [300, 240, 210, 160])
    np.testing.assert_allclose(out.receipts[0], [40, 70, 50, 50])


def test_a_stock_to_sales_target_sets_the_next_opening_from_the_first_open_week() -> None:
    # SSR 2: BOP targets 200; the closed W1 ends at 250, so W2 opens on 250 and ends on W3's 200.
    out = recompute(
        PlanInputs(
            sales=[FLAT], method="ssr", targets=[[2, 2, 2, 2]], opening=[300],
            closed_weeks=1, actual_eop=[[250, 0, 0, 0]],
        )
    )  # fmt: skip
    np.testing.assert_allclose(out.bop[0], [300, 250, 200, 200])
    np.testing.assert_allclose(out.eop[0], [250, 200, 200, 200])
    np.testing.assert_allclose(out.receipts[0], [50, 50, 100, 100])


def test_every_week_closed_is_the_actuals() -> None:
    out = recompute(
        PlanInputs(
            sales=[FLAT], method="wos", targets=[[3, 3, 3, 3]], opening=[100],
            closed_weeks=4, actual_eop=[[90, 80, 70, 60]],
        )
    )  # fmt: skip
    np.testing.assert_allclose(out.eop[0], [90, 80, 70, 60])
    np.testing.assert_allclose(out.receipts[0], [90, 90, 90, 90])
    np.testing.assert_allclose(out.otb[0], [0, 0, 0, 0])


def test_closed_weeks_need_their_actual_stock() -> None:
    with pytest.raises(ValueError, match="actual_eop: 1 closed weeks need"):
        recompute(PlanInputs(sales=[FLAT], method="fwos", targets=[[2] * 4], closed_weeks=1))
    with pytest.raises(ValueError, match="closed_weeks: 5 is not between 0"):
        recompute(PlanInputs(sales=[FLAT], method="fwos", targets=[[2] * 4], closed_weeks=5, actual_eop=FLAT))
    with pytest.raises(ValueError, match="actual_eop"):
        recompute(
            PlanInputs(
                sales=[FLAT], method="fwos", targets=[[2] * 4], closed_weeks=1, actual_eop=[[-1, 0, 0, 0]]
            )
        )


money = st.floats(0, 10_000, allow_nan=False).map(lambda value: round(value, 2))


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["fwos", "wos", "ssr", "sell_through", "turn", "basic_stock", "receipts"]),
    sales=st.lists(money.map(lambda value: value + 1), min_size=2, max_size=8),
    data=st.data(),
)
def test_stock_balances_and_closed_weeks_hold_their_actuals(
    method: str, sales: list[float], data: Any
) -> None:
    periods = len(sales)
    closed = data.draw(st.integers(0, periods))
    actual = data.draw(st.lists(money, min_size=periods, max_size=periods))
    markdowns = data.draw(st.lists(money.map(lambda value: value / 10), min_size=periods, max_size=periods))
    target = 0.4 if method == "sell_through" else 2.0
    inputs = PlanInputs(
        sales=[sales], method=method, targets=[[target] * periods], turn=[1.0], receipts=[[50.0] * periods],
        markdowns=[markdowns], opening=[500.0], closed_weeks=closed, actual_eop=[actual],
        on_order=[[10.0] * periods],
    )  # fmt: skip
    out = recompute(inputs)
    leaving = np.array(sales) + np.array(markdowns)
    np.testing.assert_allclose(out.eop[0], out.bop[0] + out.receipts[0] - leaving, atol=1e-6)
    np.testing.assert_allclose(out.bop[0, 1:], out.eop[0, :-1])
    np.testing.assert_allclose(out.eop[0, :closed], actual[:closed])
    np.testing.assert_allclose(out.otb[0, :closed], 0)
    np.testing.assert_allclose(out.otb[0, closed:], out.receipts[0, closed:] - 10.0, atol=1e-6)
    if 0 < closed < periods:
        assert out.bop[0, closed] == actual[closed - 1]
    if closed == 0:
        np.testing.assert_allclose(
            out.eop, recompute(PlanInputs(**{**inputs.__dict__, "actual_eop": None})).eop
        )
