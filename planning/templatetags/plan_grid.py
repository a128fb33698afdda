"""Renders the grid's cells in Python: a 200-line plan has tens of thousands of cells, and
the template language spends ~20 us on each of their lookups. Numbers arrive formatted from
`planning.plans.grid`; this only writes escaped HTML."""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def grid_cells(row: Any, block: Any, error: dict[str, str] | None = None) -> SafeString:
    error = error or {}
    has_error = error.get("line") == str(block.line_id) and error.get("measure") == row.measure
    measure = escape(row.measure)
    # Calculated cells of every column (totals too) and of the plan total explain themselves.
    derived = row.css == "derived"
    parts = []
    for cell in row.cells:
        text, css = escape(cell.text), escape(cell.css)
        # A warning's tooltip; the cell's text stays the number (a CSS mark shows the warning).
        note = f' title="{escape(cell.note)}"' if cell.note else ""
        if cell.is_editable:
            cell_id = f"cell-{block.line_id}-{cell.key}-{measure}"
            flagged = has_error and error.get("week_key") == cell.key
            message = (
                f'<span class="cell-error" role="alert">{escape(error["message"])}</span>' if flagged else ""
            )
            version = f' data-version="{cell.row_version}"' if cell.row_version is not None else ""
            parts.append(
                f'<td id="{cell_id}" class="in {css}{" error" if flagged else ""}" tabindex="0" '
                f'data-line="{block.line_id}" data-period="{escape(cell.key)}" data-measure="{measure}"'
                f'{version} data-raw="{escape(cell.raw)}"{note}>{text}{message}</td>'
            )
        elif derived:
            parts.append(
                f'<td id="cell-{block.line_id}-{cell.key}-{measure}" class="out {css}" tabindex="-1" '
                f'data-line="{block.line_id}" data-period="{escape(cell.key)}" '
                f'data-measure="{measure}"{note}>{text}</td>'
            )
        elif row.css == "purchased":  # on order, received: from purchase orders, read-only
            parts.append(
                f'<td id="cell-{block.line_id}-{cell.key}-{measure}" class="{css}" '
                f'title="From purchase orders and receipts: not typed">{text}</td>'
            )
        elif "actual" in cell.css.split():  # a closed week: this year's actual, read-only
            parts.append(
                f'<td id="cell-{block.line_id}-{cell.key}-{measure}" class="{css}" '
                f'title="Closed week: this year\'s actual">{text}</td>'
            )
        else:
            parts.append(f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>")
    # Every value above went through escape(); S308 (mark_safe) is off in this project.
    return mark_safe("".join(parts))


@register.simple_tag
def summary_cells(block: Any) -> SafeString:
    """A collapsed line's cells: text only (no ids, no data), so 200 lines stay small; the
    month, quarter and season totals keep their column class for the shading."""
    if not block.rows:
        return mark_safe("")
    parts = []
    for cell in block.rows[0].cells:
        css = escape(cell.css)
        parts.append(
            f'<td class="{css}">{escape(cell.text)}</td>' if css else f"<td>{escape(cell.text)}</td>"
        )
    return mark_safe("".join(parts))


@register.simple_tag
def detail_cells(row: Any, is_editable: bool) -> SafeString:
    """A detail row's cells: entered (typed into, spread to the leaf-weeks) where the version
    can be edited, addressed by subclass, channel, column and measure."""
    parts = []
    for cell in row.cells:
        text, css = escape(cell.text), escape(cell.css)
        if is_editable:
            parts.append(
                f'<td class="in {css}" tabindex="0" data-node="{escape(row.node)}" '
                f'data-location="{escape(row.location)}" data-period="{escape(cell.key)}" '
                f'data-measure="{escape(row.measure)}" data-raw="{escape(cell.raw)}">{text}</td>'
            )
        else:
            parts.append(f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>")
    return mark_safe("".join(parts))
