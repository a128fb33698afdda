"""Invariants of the reconciliation's target block, on random hierarchies (no database): class
targets add up to their department's to the cent in every month, whatever the sign of the
target or of last year's shares; divisions add up their departments and the company its
divisions; a division without published targets has none, and neither has the company."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.targets.reconcile import MONTHS, _targets_block, _Tree

cents = st.integers(-(10**8), 10**8)


@st.composite
def hierarchies(draw: st.DrawFn) -> tuple[_Tree, pd.DataFrame, np.ndarray, np.ndarray, set[int]]:
    divisions, departments, classes = [], [], []
    for d in range(draw(st.integers(1, 3))):
        divisions.append(SimpleNamespace(pk=100 + d))
        for p in range(draw(st.integers(1, 3))):
            department = SimpleNamespace(pk=1000 + 10 * d + p, division_id=100 + d)
            departments.append(department)
            classes += [
                SimpleNamespace(pk=10_000 + 100 * department.pk + c, department_id=department.pk)
                for c in range(draw(st.integers(0, 4)))
            ]
    tree = _Tree(divisions, departments, classes)  # type: ignore[arg-type]
    targeted = {division.pk for division in divisions if draw(st.booleans())}
    records = [
        {"department": department.pk, "month": month, "gross_margin": draw(cents) / 100}
        for department in departments
        if department.division_id in targeted
        for month in range(1, MONTHS + 1)
    ]
    frame = pd.DataFrame(records, columns=["department", "month", "gross_margin"])
    shares = np.array([[draw(cents) / 100 for _ in range(MONTHS)] for _ in range(tree.size)])
    fallback = np.abs(np.array([[draw(cents) / 100 for _ in range(MONTHS)] for _ in range(tree.size)]))
    return tree, frame, shares, fallback, targeted


@settings(max_examples=100, deadline=None)
@given(hierarchies())
def test_every_level_adds_up_to_the_cent(case: Any) -> None:
    tree, frame, shares, fallback, targeted = case
    block = _targets_block(tree, frame, "gross_margin", shares, fallback)
    parents = np.asarray(tree.parents)
    for department in tree.departments:
        row = tree.department_row[department.pk]
        children = np.flatnonzero(parents == row)
        if department.division_id not in targeted:
            assert np.isnan(block[row]).all()
            continue
        if children.size:
            assert (np.rint(block[children] * 100).sum(axis=0) == np.rint(block[row] * 100)).all()
    for division in tree.divisions:
        row = tree.division_row[division.pk]
        if division.pk in targeted:
            members = np.flatnonzero(parents == row)
            assert np.allclose(block[members].sum(axis=0), block[row])
        else:
            assert np.isnan(block[row]).all()
    company_known = all(division.pk in targeted for division in tree.divisions)
    assert np.isnan(block[0]).all() != company_known
