"""A minimum order far above what the item needs is not suggested: with `max_moq_ratio`, a row
whose smallest order (the MOQ rounded up to the multiple) is more than that many times its
order-up-to level places no order; where it would have ordered, the week and units are kept
so the worksheet can show the skipped line with its reason. Numbers by hand."""

from __future__ import annotations

import numpy as np

from replenishment.engine.suggest import Suggestions, suggest_orders


def _three_rows(max_moq_ratio: float | None = None) -> Suggestions:
    # row 0: on hand 1, 0.5 a week, ROP 1.5, OUT 2, lead 2, MOQ 48: 48 > 4 x 2
    # row 1: on hand 5, 10 a week, ROP 30, OUT 60, MOQ 48: 48 <= 4 x 60, ordered as ever
    # row 2: on hand 100, 1 a week, ROP 5, OUT 10, MOQ 40 in 12s -> 48 > 4 x 10, but its
    #        position (100 down to 97) never falls below 5: nothing to skip
    weeks = 4
    return suggest_orders(
        [1, 5, 100],
        np.zeros((3, weeks)),
        np.array([[0.5] * weeks, [10.0] * weeks, [1.0] * weeks]),
        [1.5, 30, 5],
        [2, 60, 10],
        [2, 2, 2],
        [48, 48, 40],
        [1, 1, 12],
        max_moq_ratio=max_moq_ratio,
    )


def test_a_moq_far_above_the_order_up_to_level_is_skipped_with_what_it_would_order() -> None:
    result = _three_rows(max_moq_ratio=4.0)
    # row 0, week 0: position 1 < 1.5: it would order 2 - 1 = 1, raised to the MOQ: 48.
    np.testing.assert_array_equal(result.order_units[0], [0, 0, 0, 0])
    np.testing.assert_array_equal(result.skipped_week, [0, -1, -1])
    np.testing.assert_array_equal(result.skipped_units, [48, 0, 0])
    # row 1, week 0: position 5 < 30: 60 - 5 = 55 (above the MOQ), lands in week 2.
    np.testing.assert_array_equal(result.order_units[1], [55, 0, 0, 0])
    # Skipped: its stock is projected with open orders only (1 -> 0.5 -> 0, 0.5 lost a week after).
    np.testing.assert_array_equal(result.projected_on_hand[0], result.projected_without[0])


def test_without_the_ratio_every_row_orders_as_before() -> None:
    result = _three_rows()
    np.testing.assert_array_equal(result.order_units[0], [48, 0, 0, 0])
    np.testing.assert_array_equal(result.skipped_week, [-1, -1, -1])


def test_at_exactly_the_ratio_the_order_is_suggested() -> None:
    # OUT 12, MOQ 48: 4 x 12 = 48, not more: ordered.
    result = suggest_orders([0], [[0, 0]], [[3, 3]], [6], [12], [1], [48], [1], max_moq_ratio=4.0)
    np.testing.assert_array_equal(result.order_units, [[48, 0]])
    np.testing.assert_array_equal(result.skipped_week, [-1])
