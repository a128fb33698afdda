"""Reads for open-to-buy: the OTB table by department x fiscal month (`otb.open_to_buy`, the
one read path)."""

from __future__ import annotations

from otb.open_to_buy import OTBRow, otb_rows, otb_table

__all__ = ["OTBRow", "otb_rows", "otb_table"]
