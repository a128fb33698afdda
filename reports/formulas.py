"""How each figure of the weekly report is calculated, said once: the page's header tooltips, the
exports' definitions (the workbook's Definitions sheet, the PDF's last section) and the README's
"Formulas" section say the same. `planning.engine.kpis` computes them, for the plan grid too.
"""

from __future__ import annotations

SELLING_STOCK = (
    "Stock at selling locations = units on hand at the stores and the web shop at the week's end x the"
    " retail price in effect that week (a markdown effective later does not revalue a closed week);"
    " plans count this stock"
)
OWNED_STOCK = (
    "Total owned stock = the stock at selling locations + the DCs' stock + what is in transit, at the"
    " retail price in effect that week"
)
STOCK_BASIS = (
    "Weeks of supply, turn, GMROI and sell-through use the stock at selling locations, not the total"
    " owned stock"
)
GROSS_MARGIN = "GM $ = sales - cost of the goods sold (a plan's: (1 - IMU %) x (sales + markdowns + shrink))"
GM_PERCENT = "GM % = GM $ / sales $"
MARKDOWNS = "Markdowns $: price reductions given on the sales, at retail"
MARKDOWN_PERCENT = "Markdown % = markdowns $ / sales $"
WEEKS_OF_SUPPLY = (
    "Weeks of supply = stock at selling locations / average weekly sales $ of the last 4 weeks"
    " (the plan's: its EOP / its average weekly sales of the same weeks)"
)
TURN = (
    "Turn, year to date = sales $ / average stock at selling locations at retail x 52 / weeks;"
    " average stock = (the opening stock + the EOP of each week) / (weeks + 1)"
)
GMROI = (
    "GMROI, year to date = GM $ / average stock at selling locations at cost x 52 / weeks (a plan's"
    " stock at cost: its retail stock x (1 - IMU %))"
)
SELL_THROUGH = (
    "Sell-through of available, season to date, $ at retail = sales / (BOP + receipts); for actual stock"
    " (no receipts recorded) = sales / (EOP + sales + markdowns)"
)
ITEM_STOCK = "Units on hand at the selling locations at the week's end"
ITEM_WEEKS_OF_SUPPLY = "Stock units / average weekly units sold in the last 4 weeks"
ITEM_SELL_THROUGH = (
    "Sell-through of available in units, season to date = units sold / (units sold + units on hand)"
)
ROUNDING = (
    "Money rounds half up (1,234.50 shows 1,235), once; a percent or ratio is calculated from the unrounded"
    " amounts and rounded half up to its places"
)

# The exports' list: (figure, how it is calculated).
DEFINITIONS: list[tuple[str, str]] = [
    ("Stock at selling locations", SELLING_STOCK),
    ("Total owned stock", OWNED_STOCK),
    ("Stock in the ratios", STOCK_BASIS),
    ("Gross margin $", GROSS_MARGIN),
    ("GM %", GM_PERCENT),
    ("Markdowns $", MARKDOWNS),
    ("Markdown %", MARKDOWN_PERCENT),
    ("Weeks of supply", WEEKS_OF_SUPPLY),
    ("Turn", TURN),
    ("GMROI", GMROI),
    ("Sell-through $ of available", SELL_THROUGH),
    ("Sell-through units (item lists)", ITEM_SELL_THROUGH),
    ("Weeks of supply (item lists)", ITEM_WEEKS_OF_SUPPLY),
    ("Rounding", ROUNDING),
]
