"""statsforecast's ARIMA fitted by conditional sum of squares, with its forecasts repaired.

statsforecast 2.1 fits method="CSS" correctly but never runs the Kalman filter over the series
afterwards (R's `arima` does, in `arimaSS`), so the state stays at zero and every forecast is
0. The filter is one cheap pass in statsforecast's own C++ code; running it when the state is
still the untouched zero vector gives the forecasts R gives, and leaves a fixed release alone.
Fitting by CSS-ML instead costs twice the time.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from statsforecast.arima import arima_like, forecast_arima, forward_arima
from statsforecast.models import ARIMA


def _filter(model: dict[str, Any], y: np.ndarray[Any, Any]) -> None:
    """Run the Kalman filter over `y`, updating the fitted model's state in place."""
    state = model["model"]
    if np.any(state["a"]):
        return  # already filtered (a statsforecast release with the fix)
    with np.errstate(all="ignore"):
        arima_like(  # type: ignore[no-untyped-call]
            np.asarray(y, dtype=np.float64),
            state["phi"],
            state["theta"],
            state["delta"],
            state["a"],
            state["P"],
            state["Pn"],
            0,
            False,
        )


class CssArima(ARIMA):
    """ARIMA(order) by CSS whose `fit`, `forecast` and `forward` give the filtered forecasts."""

    def fit(self, y: np.ndarray[Any, Any], X: Any = None) -> CssArima:  # noqa: N803 (statsforecast's name)
        super().fit(y, X)
        _filter(self.model_, y)
        return self

    def forecast(
        self,
        y: np.ndarray[Any, Any],
        h: int,
        X: Any = None,  # noqa: N803
        X_future: Any = None,  # noqa: N803
        level: Any = None,
        fitted: bool = False,
    ) -> dict[str, Any]:
        model = copy.copy(self).fit(y)
        return {"mean": forecast_arima(model.model_, h=h)["mean"]}  # type: ignore[no-untyped-call]

    def forward(
        self,
        y: np.ndarray[Any, Any],
        h: int,
        X: Any = None,  # noqa: N803
        X_future: Any = None,  # noqa: N803
        level: Any = None,
        fitted: bool = False,
    ) -> dict[str, Any]:
        with np.errstate(invalid="ignore"):
            model = forward_arima(  # type: ignore[no-untyped-call]
                self.model_, y=np.asarray(y, dtype=np.float64), method=self.method
            )
        _filter(model, y)
        return {"mean": forecast_arima(model, h=h)["mean"]}  # type: ignore[no-untyped-call]
