"""Pure replenishment math, vectorised over SKU x location (numpy/scipy only, no Django)."""
