"""Exports are opened in spreadsheets: a cell a user wrote never becomes a formula."""

from __future__ import annotations

import csv
import io

import pytest

from bot.spreadsheet import write_csv


@pytest.mark.parametrize(
    "cell",
    ['=HYPERLINK("http://127.0.0.1/x","klik")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_a_cell_that_starts_like_a_formula_is_written_as_text(cell):
    out = io.StringIO()
    write_csv(out, ["subject", "n"], [[cell, 3]])
    [header, row] = list(csv.reader(io.StringIO(out.getvalue())))
    assert row == ["'" + cell, "3"]


def test_ordinary_cells_are_left_alone():
    out = io.StringIO()
    write_csv(out, ["subject"], [["pjece om rygestop"], ["RM-2026-0042"], [""]])
    assert list(csv.reader(io.StringIO(out.getvalue())))[1:] == [
        ["pjece om rygestop"],
        ["RM-2026-0042"],
        [""],
    ]
