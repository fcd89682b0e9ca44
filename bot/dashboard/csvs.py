"""CSV downloads that a spreadsheet opens as data, never as formulas (OWASP's advice:
a cell that starts with =, +, -, @, a tab or a carriage return gets a leading ')."""

from __future__ import annotations

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def rows_to_csv(rows: list[dict]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({key: neutral(value) for key, value in row.items()} for row in rows)
    return out.getvalue()
