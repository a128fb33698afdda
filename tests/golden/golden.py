"""Golden scenarios: a plan in `<case>/input.csv`, every derived measure in `expected.csv`.

`python tests/golden/golden.py --regenerate` rewrites the expected files: do it only on
purpose, when a change of the math is intended, and say so in the commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from planning.engine import PlanInputs, recompute

HERE = Path(__file__).resolve().parent
CASES = sorted(path.parent.name for path in HERE.glob("*/input.csv"))
PER_PERIOD = ["sales", "markdowns", "shrink", "on_order", "target", "receipts"]
PER_LINE = ["method", "opening", "turn", "cost_complement"]


def load_inputs(case: str) -> PlanInputs:
    frame = pd.read_csv(HERE / case / "input.csv").sort_values(["line", "period"])
    wide = {
        name: frame.pivot_table(index="line", columns="period", values=name, aggfunc="first").to_numpy(float)
        for name in PER_PERIOD
    }
    lines = frame.groupby("line").first()
    return PlanInputs(
        sales=wide["sales"],
        method=lines["method"].tolist(),
        targets=wide["target"],
        turn=lines["turn"].to_numpy(float),
        receipts=wide["receipts"],
        markdowns=wide["markdowns"],
        shrink=wide["shrink"],
        on_order=wide["on_order"],
        opening=lines["opening"].to_numpy(float),
        cost_complement=lines["cost_complement"].to_numpy(float),
        exhaustion="wrap",
    )


def computed(case: str) -> pd.DataFrame:
    outputs = recompute(load_inputs(case)).measures()
    lines, periods = outputs["eop"].shape
    index = pd.MultiIndex.from_product([range(lines), range(periods)], names=["line", "period"])
    return pd.DataFrame({name: values.ravel() for name, values in outputs.items()}, index=index).reset_index()


def expected(case: str) -> pd.DataFrame:
    return pd.read_csv(HERE / case / "expected.csv")


def regenerate() -> None:
    for case in CASES:
        computed(case).round(6).to_csv(HERE / case / "expected.csv", index=False)
        print(f"rewrote {case}/expected.csv")


if __name__ == "__main__":
    if "--regenerate" not in sys.argv:
        sys.exit(
            "usage: python tests/golden/golden.py --regenerate   (only when the math is meant to change)"
        )
    np.set_printoptions(suppress=True)
    regenerate()
