"""What the payments page reads: recent uploads and recent runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapter import ledger
from adapter.sync.payments.send import AGENDA
from adapter.sync.payments.store import list_uploads


def overview(data_dir: Path, *, uploads: int = 10, runs: int = 10) -> dict[str, Any]:
    """What the payments page lists: recent uploads and recent runs."""
    return {
        "uploads": list_uploads(data_dir, limit=uploads),
        "runs": ledger.runs(agenda=AGENDA, limit=runs),
        "last_run": ledger.running_run(AGENDA) or ledger.last_run(AGENDA, real=True),  # a preview is no state
    }
