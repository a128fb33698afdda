"""REST endpoints for forecasting: runs and their snapshots (forecasts, size splits, model
fits), planner overrides with their audit trail, look-back accuracy and exceptions.

Thin views over the same services and look-back functions as the pages: reads are scoped to
the user's visible departments, override writes to the editable ones. Refusals answer
{"detail": ...}: bad input or a forecasting rule 400, not allowed 403, changed by someone else
409. Units are decimal strings with two places; accuracy ratios are fractions (0.25 is 25 %),
null where undefined.
"""

from forecasting.apis.accuracy import ForecastAccuracy, ForecastExceptionList
from forecasting.apis.overrides import (
    ForecastOverrideChangeList,
    ForecastOverrideDetail,
    ForecastOverrideList,
)
from forecasting.apis.runs import ForecastRunDetail, ForecastRunForecasts, ForecastRunList, SeriesFitList

__all__ = [
    "ForecastAccuracy",
    "ForecastExceptionList",
    "ForecastOverrideChangeList",
    "ForecastOverrideDetail",
    "ForecastOverrideList",
    "ForecastRunDetail",
    "ForecastRunForecasts",
    "ForecastRunList",
    "SeriesFitList",
]
