"""Pure demand forecasting: pandas/numpy and statsforecast, no Django."""
