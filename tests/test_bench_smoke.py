"""Smoke test of the benchmark aggregator: ``python -m bench --quick --only csv,peer`` prints one table."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_bench_prints_one_table_with_numbers() -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--only", "csv,peer"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header[:6] == ["benchmark", "time (s)", "peak RSS (MB)", "requests POHODA / shop", "ratio", "target"]
    rows = {c[0]: c for c in ([x.strip() for x in line.strip("|").split("|")] for line in lines[2:])}
    assert len(rows) == 5, proc.stdout

    def row(pattern: str) -> list[str]:
        found = [cells for name, cells in rows.items() if re.search(pattern, name)]
        assert len(found) == 1, (pattern, list(rows))
        return found[0]

    csv = row(r"^CSV [\d,]+ rows read \+ match")
    ours_stock = row(r"^XML [\d,]+ stock cards: ours")
    peer_stock = row(r"^XML [\d,]+ stock cards: pohoda \(PyPI\)")
    ours_orders = row(r"^XML [\d,]+ orders × 5 lines: ours")
    row(r"^XML [\d,]+ orders × 5 lines: pohoda \(PyPI\)")
    for cells in (csv, ours_stock, peer_stock, ours_orders):
        assert float(cells[1]) > 0, cells  # time
        assert float(cells[2]) > 10, cells  # peak RSS of a real Python process
    assert csv[6] == "✓", csv  # 10,000 rows are far below the 3 s target
    for cells in (ours_stock, ours_orders):
        assert re.fullmatch(r"\d+\.\d\d× pohoda \(PyPI\)", cells[4]), cells
    # our XML is valid against data.xsd: the note of each "ours" row says so
    notes = dict(re.findall(r"^\[(\d+)\] (.*)$", proc.stdout, flags=re.M))
    for cells in (ours_stock, ours_orders):
        number = re.search(r"\[(\d+)\]$", cells[0]).group(1)  # type: ignore[union-attr]
        assert "XSD ✓" in notes[number], notes
