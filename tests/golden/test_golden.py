"""The golden plans still compute exactly what they computed when last reviewed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.golden.golden import CASES, computed, expected


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: str) -> None:
    got, want = computed(case), expected(case)
    assert list(got.columns) == list(want.columns)
    for column in want.columns:
        np.testing.assert_allclose(got[column], want[column], rtol=0, atol=1e-6, err_msg=column)


def test_there_is_at_least_one_case() -> None:
    assert CASES
    assert isinstance(expected(CASES[0]), pd.DataFrame)
