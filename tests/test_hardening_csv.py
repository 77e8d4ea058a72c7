"""Hardening: no cell of a CSV the app writes can run as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapter import ledger
from adapter.csv_safe import safe_cell, safe_row
from adapter.sync.pairing.queries import ReportFilter, iter_csv

EVIL = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
        "\t=1+1", "\r=1+1", "\uff1d1+1"]


@pytest.mark.parametrize("value", EVIL)
def test_formula_cells_get_an_apostrophe(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["ABC-1", "Triko", "", "-5", "-12,50", "+3.5", "a=b", 7, None])
def test_ordinary_cells_and_numbers_are_kept(value: object) -> None:
    assert safe_cell(value) == value


def test_safe_row() -> None:
    assert safe_row(["=1", "x", 3]) == ["'=1", "x", 3]


def test_pairing_export_neutralises_shop_names_and_skus(tmp_path: Path) -> None:
    ledger.init_db(tmp_path / "ledger.db")
    try:
        with ledger.database.connection_context():
            now = datetime.now(UTC)
            for i, evil in enumerate(EVIL):
                ledger.Pairing.create(status="eshop_only", sku=evil, product_id=i + 1, shop_name=evil,
                                      shop_ean="@" + str(i), updated_at=now)
            text = "".join(iter_csv(ReportFilter()))
    finally:
        ledger.database.close()
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == len(EVIL) + 1
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\uff1d")), row
    assert any(cell == "'" + EVIL[0] for row in rows for cell in row)
