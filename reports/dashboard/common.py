"""What the home page's reads share: the ORM path from a SKU row to its department."""

from __future__ import annotations

DEPARTMENT = "sku__style_color__style__subclass__merch_class__department_id"
