"""POHODA pushes its stock export (*Odeslat na internet*) to ``/pohoda/stock``.

The body is checked, kept in a file and applied by a stock run with trigger
``pohoda`` (``options["push_file"]``); the answer POHODA gets back is built by
:func:`adapter.pohoda.stock.push_answer`.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapter.errors import PackError, ResponseParseError
from adapter.pohoda.stock import iter_stock, push_answer

AGENDA = "stock"
PUSH_DIR = "pohoda_push"


@dataclass(frozen=True)
class PushOutcome:
    """What the push endpoint answers POHODA."""

    ok: bool
    note: str
    run_id: int | None = None
    cards: int = 0

    def answer(self, *, pack_id: str = "") -> bytes:
        """The responsePack POHODA gets back (Windows-1250, valid against response.xsd)."""
        pack_id = pack_id or (f"run-{self.run_id}" if self.run_id else "adapter")
        return push_answer(ok=self.ok, note=self.note, pack_id=pack_id)


def receive_push(
    body: bytes,
    *,
    data_dir: Path,
    start: Callable[..., tuple[int, bool]],
    running: Callable[[], Any] | None = None,
) -> PushOutcome:
    """Check POHODA's stock export, keep it in a file and start a run (trigger ``pohoda``) to apply it.

    ``start(agenda, trigger, options=…)`` is the job runner's start; the
    answer says how many cards came and which run applies them, or — in
    Czech — why nothing was done.
    """
    if not body.strip():
        return PushOutcome(False, "Požadavek neobsahuje žádná data. V POHODĚ odešlete zásoby znovu.")
    try:
        count = sum(1 for _ in iter_stock(body))
    except PackError as exc:
        return PushOutcome(False, f"Export zásob z POHODY hlásí chybu: {exc.note or 'bez udání důvodu'}.")
    except ResponseParseError as exc:
        return PushOutcome(False, f"Data nelze přečíst jako export zásob POHODY ({exc.detail or exc.message}). "
                                  "Zkontrolujte v POHODĚ adresu exportu Zásoby (má končit /pohoda/stock).")
    if count == 0 and b"listStock" not in body[:65536]:
        return PushOutcome(False, "Data neobsahují seznam zásob (lStk:listStock). Zkontrolujte v POHODĚ, že adresa "
                                  "/pohoda/stock je nastavená u exportu Zásoby.")
    if running is not None and running() is not None:
        return PushOutcome(False, "Adaptér právě synchronizuje zásoby. Odešlete zásoby z POHODY znovu za několik minut.")
    folder = data_dir / PUSH_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = folder / f"zasoby-{stamp}-{uuid.uuid4().hex[:8]}.xml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(body)
    os.replace(tmp, path)
    run_id, created = start(AGENDA, "pohoda", options={"push_file": str(path)})
    if not created:
        path.unlink(missing_ok=True)
        return PushOutcome(False, "Adaptér právě synchronizuje zásoby. Odešlete zásoby z POHODY znovu za několik minut.",
                           run_id)
    return PushOutcome(True, f"Přijato {count} zásob; adaptér je zapisuje do e-shopu (běh #{run_id}).", run_id, count)
