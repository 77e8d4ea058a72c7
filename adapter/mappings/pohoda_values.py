"""POHODA's own values for the mapping screens, read over XML and kept in the data folder.

:func:`refresh` asks mServer for its formy úhrady and členění DPH
(:mod:`adapter.pohoda.lists_values`) and keeps them in ``pohoda_values.json``, so a
mapping screen opens without waiting for POHODA; the screen reads them on first use
and again when a person presses *Načíst z POHODY*. Carriers are not listed by POHODA's
XML, so they stay typed in.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from adapter.errors import AdapterError
from adapter.pohoda.lists_values import PaymentForm, PohodaValues, VatClassification, read_values

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.sync.context import Connections

FILE = "pohoda_values.json"


@dataclass(frozen=True, slots=True)
class StoredValues:
    """The kept lists and when POHODA gave them."""

    values: PohodaValues
    read_at: datetime


def load(data_dir: Path) -> StoredValues | None:
    """The kept lists, or None when never read (or the file is unreadable)."""
    try:
        raw = json.loads((data_dir / FILE).read_text(encoding="utf-8"))
        forms = tuple(PaymentForm(f["name"], f["payment_type"], f.get("text", ""), f.get("id"))
                      for f in raw["payment_forms"])
        classes = tuple(VatClassification(c["code"], c["name"], c.get("vat_type", ""), bool(c.get("offer", True)),
                                          c.get("id")) for c in raw["classifications"])
        return StoredValues(PohodaValues(forms, classes, tuple(raw.get("notes", ()))),
                            datetime.fromisoformat(raw["read_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(data_dir: Path, values: PohodaValues, now: datetime) -> StoredValues:
    """Keep the lists (written whole, then renamed)."""
    data = {
        "read_at": now.isoformat(),
        "payment_forms": [{"name": f.name, "payment_type": f.payment_type, "text": f.text, "id": f.id}
                          for f in values.payment_forms],
        "classifications": [{"code": c.code, "name": c.name, "vat_type": c.vat_type, "offer": c.offer, "id": c.id}
                            for c in values.classifications],
        "notes": list(values.notes),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / (FILE + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, data_dir / FILE)
    return StoredValues(values, now)


def refresh(settings: Settings, connections: Connections, data_dir: Path, now: datetime) -> StoredValues:
    """Read both lists from POHODA and keep them (raises AdapterError with a Czech message)."""
    if not settings.pohoda_configured:
        raise AdapterError("Připojení k POHODĚ není nastavené; vyplňte je v Nastavení › Připojení.")
    client = connections.pohoda(settings)
    try:
        values = read_values(client)
    finally:
        client.close()
    return save(data_dir, values, now)


def current(settings: Settings, connections: Connections, data_dir: Path,
            now: datetime) -> tuple[StoredValues | None, str]:
    """The kept lists, read from POHODA first when never read; (values, Czech error or "")."""
    stored = load(data_dir)
    if stored is not None or not settings.pohoda_configured:
        return stored, ""
    try:
        return refresh(settings, connections, data_dir, now), ""
    except AdapterError as exc:
        return None, f"Hodnoty POHODY nelze načíst: {exc.message}"
