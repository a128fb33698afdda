"""Pure weekly demand forecasting on statsforecast: pandas/numpy, no Django.

`run_forecast` back-tests candidate models per series, keeps the best, and explains the choice;
`forecast` returns its forecasts only. Seasonality comes from profiles pooled per parent
(`seasonal_profile`), young items follow their parent's launch-and-life curve (`age_curves`),
slow sellers get intermittent-demand models (`demand_patterns`), sizes get shares of their
style-color (`size_curves`, `split_to_sizes`). Names here are the stable API.
"""

from forecasting.engine import metrics
from forecasting.engine.candidates import CANDIDATE_MODELS, FALLBACK_MODELS, MODEL_LABELS, MODEL_NAMES
from forecasting.engine.lifecycle import age_curves
from forecasting.engine.metrics import accuracy, bias, mape, mase, tracking_signal, wmape
from forecasting.engine.patterns import PATTERNS, demand_patterns
from forecasting.engine.profile import seasonal_profile
from forecasting.engine.run import ForecastResult, forecast, run_forecast
from forecasting.engine.sizes import size_curves, split_to_sizes

__all__ = [
    "CANDIDATE_MODELS",
    "FALLBACK_MODELS",
    "MODEL_LABELS",
    "MODEL_NAMES",
    "PATTERNS",
    "ForecastResult",
    "accuracy",
    "age_curves",
    "bias",
    "demand_patterns",
    "forecast",
    "mape",
    "mase",
    "metrics",
    "run_forecast",
    "seasonal_profile",
    "size_curves",
    "split_to_sizes",
    "tracking_signal",
    "wmape",
]
