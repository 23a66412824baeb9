"""CSV exports that a spreadsheet cannot turn into formulas (OWASP "CSV injection"): every
export of every app goes through ``csv_text``."""

from __future__ import annotations

from typing import Any

import tablib

# A cell starting with one of these is a formula (or a DDE call) in Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The cell as text that cannot be evaluated: a leading apostrophe before a formula
    character (spreadsheets show the rest as typed); numbers and empty cells as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(dataset: tablib.Dataset) -> str:
    safe = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        safe.append([neutralise(cell) for cell in row])
    return safe.csv
