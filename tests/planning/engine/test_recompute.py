"""recompute: every derived measure for mixed methods, hand-checked, and its invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from planning.engine import METHODS, PlanInputs, explain, recompute

SALES = [100.0, 80.0, 120.0, 90.0]


def _mixed() -> PlanInputs:
    return PlanInputs(
        sales=[SALES, SALES, SALES],
        method=["fwos", "ssr", "receipts"],
        targets=np.array([[2, 1.5, 2.5, 1], [3, 3, 3, 3], [0, 0, 0, 0]]),
        receipts=[[0, 0, 0, 0], [0, 0, 0, 0], [200, 0, 100, 0]],
        opening=[200, 300, 150],
        markdowns=5,
        on_order=[[50, 0, 0, 0]] * 3,
        cost_complement=0.45,
    )


def test_mixed_methods_in_one_call_by_hand() -> None:
    out = recompute(_mixed())
    # FWOS line: EOP from the worked example, BOP = opening then the previous EOP
    np.testing.assert_allclose(out.eop[0], [200, 165, 230, 100])
    np.testing.assert_allclose(out.bop[0], [200, 200, 165, 230])
    # receipts = EOP - BOP + sales + markdowns: 200-200+100+5, 165-200+80+5, 230-165+120+5, 100-230+90+5
    np.testing.assert_allclose(out.receipts[0], [105, 50, 190, -35])
    np.testing.assert_allclose(out.otb[0], [55, 50, 190, -35])
    np.testing.assert_allclose(out.fwos[0], [2, 1.5, 2.5, 1])
    # SSR line: BOP targets 300, 240, 360, 270; EOP = next BOP, the last wraps to the first target
    np.testing.assert_allclose(out.eop[1], [240, 360, 270, 300])
    np.testing.assert_allclose(out.bop[1], [300, 240, 360, 270])
    # receipts line: EOP = BOP + receipts - sales - markdowns
    np.testing.assert_allclose(out.eop[2], [245, 160, 135, 40])
    np.testing.assert_allclose(out.bop[2], [150, 245, 160, 135])


def test_kpis_by_hand() -> None:
    out = recompute(_mixed())
    # WOS = EOP / weekly sales: 200/100, 165/80
    np.testing.assert_allclose(out.wos[0, :2], [2, 2.0625])
    # COGS (retail method) = 0.45 x (100 + 5); GM = 100 - 47.25; GM% = 52.75 / 100
    assert out.cogs[0, 0] == pytest.approx(47.25)
    assert out.gross_margin[0, 0] == pytest.approx(52.75)
    assert out.gm_percent[0, 0] == pytest.approx(0.5275)
    # turn, annualised: 100 / ((200 + 200) / 2) x 52 = 26
    assert out.turn[0, 0] == pytest.approx(26)
    # GMROI: 52.75 / (200 x 0.45) x 52
    assert out.gmroi[0, 0] == pytest.approx(52.75 / 90 * 52)
    # sell-through of available = sales / (BOP + receipts): 100 / (200 + 105)
    assert out.sell_through[0, 0] == pytest.approx(100 / 305)
    # FWOS of the SSR line's first EOP (240): 80 + 120 = 200, then 40 of 90 -> 2.444...
    assert out.fwos[1, 0] == pytest.approx(2 + 40 / 90)


def test_every_method_satisfies_the_stock_identity() -> None:
    sales = np.array([SALES] * 7)
    out = recompute(
        PlanInputs(
            sales=sales,
            method=list(METHODS),
            targets=np.array([[2.0] * 4, [1.5] * 4, [3.0] * 4, [0.4] * 4, [1.0] * 4, [1.0] * 4, [1.0] * 4]),
            turn=[1, 1, 1, 1, 2, 1.5, 1],
            receipts=[[50, 60, 70, 80]] * 7,
            markdowns=3,
            shrink=1,
            opening=250,
            closing=[300] * 7,
        )
    )
    np.testing.assert_allclose(out.eop, out.bop + out.receipts - sales - 3 - 1)
    np.testing.assert_allclose(out.bop[:, 1:], out.eop[:, :-1])
    np.testing.assert_allclose(out.bop[:, 0], 250)
    # turn line: span sales 390 / turn 2 = 195 from period 1 on; closing 300 closes the last period
    np.testing.assert_allclose(out.eop[4], [195, 195, 195, 300])
    # basic stock line: 390 / 1.5 - 97.5 = 162.5 basic; BOP[next] = sales[next] + 162.5
    np.testing.assert_allclose(out.eop[5], [242.5, 282.5, 252.5, 300])
    # sell-through line: BOP[next] = sales[next] / 0.4
    np.testing.assert_allclose(out.eop[3], [200, 300, 225, 300])
    # wos line: EOP = 1.5 x the period's weekly sales
    np.testing.assert_allclose(out.eop[1], [150, 120, 180, 135])


def test_zero_sales_give_undefined_ratios_not_errors() -> None:
    out = recompute(
        PlanInputs(sales=[0, 0, 0], method="ssr", targets=[2, 2, 2], opening=10, cost_complement=0.5)
    )
    assert np.isnan(out.wos).all()
    assert np.isnan(out.gm_percent).all()
    assert np.isnan(out.sell_through).all()  # nothing available: BOP + receipts is 0 in each
    np.testing.assert_allclose(out.eop, [[0, 0, 0]])  # outputs are always (lines, periods)
    np.testing.assert_allclose(out.receipts, [[-10, 0, 0]])


def test_gm_is_undefined_without_a_cost_complement() -> None:
    out = recompute(PlanInputs(sales=SALES, method="fwos", targets=[1, 1, 1, 1]))
    assert np.isnan(out.gross_margin).all()
    assert np.isnan(out.gmroi).all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"method": ["fwos", "magic", "ssr"]}, r"method: line 1 has unknown method 'magic'"),
        ({"method": ["fwos", "ssr"]}, r"method: expected one method per line \(3\)"),
        (
            {"targets": [[2, 1.5, 2.5, 1], [3, 3, -3, 3], [0, 0, 0, 0]]},
            r"targets .*: line 1, period 2 is negative",
        ),
        ({"targets": None}, r"targets: line 0 \(fwos\) needs KPI targets"),
        ({"opening": [200, -1, 150]}, r"opening: line 1 is negative"),
        (
            {"markdowns": [[0, 0, 0, 0], [0, np.nan, 0, 0], [0, 0, 0, 0]]},
            r"markdowns: line 1, period 1 is not a finite",
        ),
        ({"receipts": None}, r"receipts: line 2 plans by receipts but none were entered"),
        ({"exhaustion": "next_plan"}, r"'next_plan' needs next_sales"),
        ({"sales": [SALES, SALES]}, r"method: expected one method per line \(2\)"),
        ({"on_order": [[1, 2, 3]] * 3}, r"on_order: shape \(3, 3\) does not match \(3, 4\)"),
    ],
)
def test_bad_plans_are_refused_naming_line_and_period(change: dict[str, object], message: str) -> None:
    fields = {**_mixed().__dict__, **change}
    with pytest.raises(ValueError, match=message):
        recompute(PlanInputs(**fields))


def test_turn_methods_need_a_positive_turn() -> None:
    with pytest.raises(ValueError, match=r"turn: line 1 must be greater than zero"):
        recompute(PlanInputs(sales=[SALES, SALES], method=["turn", "turn"], turn=[2, 0]))


def test_next_plan_exhaustion_uses_the_following_plan() -> None:
    out = recompute(
        PlanInputs(
            sales=SALES, method="fwos", targets=[2, 1.5, 2.5, 1], exhaustion="next_plan", next_sales=[110, 70]
        )
    )
    np.testing.assert_allclose(out.eop, [[200, 165, 235, 110]])


# --- explain ----------------------------------------------------------------------------
def test_explain_spells_out_the_fwos_eop() -> None:
    why = explain(_mixed(), 0, 2, "eop")
    assert why.value == 230
    assert why.text == "FWOS 2.5: EOP = P3 90 + P0 (wrap) 100 + 0.5 x P1 (wrap) 80 = 230"
    assert why.formula.startswith("EOP = planned sales of the FWOS weeks")


def test_explain_receipts_otb_and_ssr() -> None:
    plan = _mixed()
    assert explain(plan, 0, 2, "receipts").text == "receipts = 230 - 165 + 120 + 5 + 0 = 190"
    assert explain(plan, 0, 0, "otb").text == "OTB = 105 - 0 - 50 = 55"
    assert explain(plan, 1, 1, "eop").text == "EOP = BOP of P2 = 3 x 120 = 360"
    assert explain(plan, 0, 0, "bop").text == "BOP = opening stock 200"
    assert explain(plan, 2, 1, "eop").text == "EOP = 245 + 0 - 80 - 5 - 0 = 160"
    assert explain(plan, 0, 0, "gm_percent").text == "GM% = 52.75 / 100 = 52.75%"


WEEKS = ["W47", "W48", "W49", "W50"]  # the grid's names of a plan's four weeks


def test_explain_names_the_weeks_as_the_grid_does() -> None:
    plan = _mixed()
    # FWOS 2.5 in W49: W50's 90, then (wrap) W47's 100 and half of W48's 80.
    assert explain(plan, 0, 2, "eop", labels=WEEKS).text == (
        "FWOS 2.5: EOP = W50 90 + W47 (wrap) 100 + 0.5 x W48 (wrap) 80 = 230"
    )
    assert explain(plan, 0, 2, "bop", labels=WEEKS).text == "BOP = EOP of W48 = 165"
    assert explain(plan, 0, 0, "bop", labels=WEEKS, opening_label="W46").text == (
        "BOP = opening stock, the EOP of W46: 200"
    )
    assert explain(plan, 0, 1, "fwos", labels=WEEKS).text == (
        "EOP 165 covers 1.5 weeks of the sales planned after W48 (wrap past the plan's end)"
    )
    # SSR line: W48 ends with W49's BOP, 3 x its sales 120; W50 closes with W47's target BOP.
    assert explain(plan, 1, 1, "eop", labels=WEEKS).text == "EOP = BOP of W49 = 3 x 120 = 360"
    assert explain(plan, 1, 3, "eop", labels=WEEKS).text == (
        "EOP = 300 from the wrap rule: the target BOP of W47, as if the plan ran on"
    )


def test_explain_shows_ratios_of_sales_as_percentages() -> None:
    plan = _mixed()
    # sell-through of available = sales / (BOP + receipts): 100 / 305 = 32.79%; 120 / 355 = 33.8%
    assert explain(plan, 0, 0, "sell_through").text == "sell-through = 100 / (200 + 105) = 32.79%"
    assert explain(plan, 0, 2, "sell_through").text == "sell-through = 120 / (165 + 190) = 33.8%"
    # GM% = (100 - 0.45 x 105) / 100 = 52.75%
    assert explain(plan, 0, 0, "gm_percent").text == "GM% = 52.75 / 100 = 52.75%"
    # A sell-through target reads as a percentage too: BOP of P1 = 80 / 40% = 200.
    st_plan = PlanInputs(sales=SALES, method="sell_through", targets=[0.5, 0.4, 0.25, 0.5], opening=200)
    assert explain(st_plan, 0, 0, "eop").text == "EOP = BOP of P1 = 80 / 40% = 200"


def test_explain_wants_a_label_per_period() -> None:
    with pytest.raises(ValueError, match=r"labels: give one label per period \(4\), got 2"):
        explain(_mixed(), 0, 0, "eop", labels=["W01", "W02"])


def test_explain_agrees_with_recompute_for_every_measure_and_cell() -> None:
    plan = _mixed()
    out = recompute(plan).measures()
    for measure in ("bop", "eop", "receipts", "otb", "wos", "fwos", "turn", "sell_through", "gmroi"):
        for line in range(3):
            for period in range(4):
                assert explain(plan, line, period, measure).value == pytest.approx(out[measure][line, period])


def test_explain_refuses_unknown_cells() -> None:
    with pytest.raises(ValueError, match="line: 5 is not a line"):
        explain(_mixed(), 5, 0, "eop")
    with pytest.raises(ValueError, match="period: 9 is not a period"):
        explain(_mixed(), 0, 9, "eop")
    with pytest.raises(ValueError, match="cannot explain 'sales'"):
        explain(_mixed(), 0, 0, "sales")


# --- properties -------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    lines=st.integers(1, 6),
    periods=st.integers(1, 10),
    rule=st.sampled_from(["wrap", "average"]),
)
def test_identity_holds_and_2d_equals_stacked_1d(
    data: st.DataObject, lines: int, periods: int, rule: str
) -> None:
    values = st.floats(0, 1000, width=32)
    sales = data.draw(arrays(np.float64, (lines, periods), elements=values))
    markdowns = data.draw(arrays(np.float64, (lines, periods), elements=st.floats(0, 50, width=32)))
    methods = data.draw(
        st.lists(st.sampled_from(["fwos", "wos", "ssr", "receipts", "turn"]), min_size=lines, max_size=lines)
    )
    targets = data.draw(arrays(np.float64, (lines, periods), elements=st.floats(0, 12, width=32)))
    entered = data.draw(arrays(np.float64, (lines, periods), elements=values))
    opening = data.draw(arrays(np.float64, (lines,), elements=values))
    plan = PlanInputs(
        sales=sales, method=methods, targets=targets, receipts=entered, turn=2.0, markdowns=markdowns,
        opening=opening, exhaustion=rule, cost_complement=0.5,
    )  # fmt: skip
    out = recompute(plan)
    np.testing.assert_allclose(out.eop, out.bop + out.receipts - sales - markdowns, atol=1e-6)
    np.testing.assert_allclose(out.bop[:, 1:], out.eop[:, :-1])
    for line in range(lines):
        single = recompute(
            PlanInputs(
                sales=sales[line],
                method=methods[line],
                targets=targets[line],
                receipts=entered[line],
                turn=2.0,
                markdowns=markdowns[line],
                opening=opening[line],
                exhaustion=rule,
                cost_complement=0.5,
            )
        )
        for name, values_2d in out.measures().items():
            np.testing.assert_allclose(values_2d[line], getattr(single, name)[0], err_msg=name)
