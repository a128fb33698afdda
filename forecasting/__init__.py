"""Forecasting: weekly style-color(-size) demand forecasts, accuracy and look-back.

Its tables and engine arrive with the forecasting issue; sales history it reads lives in
`planning` (SalesHistory, StockPosition)."""
