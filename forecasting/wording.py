"""Engine words in a planner's terms, shared by the forecasting pages."""

from __future__ import annotations

from forecasting.engine import MODEL_LABELS


def planner_wording(text: str) -> str:
    """The engine pools seasonality per "parent"; here the parent is always the merchandise class."""
    return text.replace("Parent's", "Class").replace("parent's", "class").replace("parent", "class")


def model_label(name: str) -> str:
    return planner_wording(str(MODEL_LABELS.get(name, name.replace("_", " "))))
