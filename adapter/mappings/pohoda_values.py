"""POHODA's own values for the mapping screens, read over XML and kept in the ledger.

:func:`refresh` asks mServer for its formy úhrady and členění DPH
(:mod:`adapter.pohoda.lists_values`) and keeps them in the ledger
(:mod:`adapter.ledger.pohoda_values`), so a mapping screen opens without waiting for POHODA;
the screen reads them on first use and again when a person presses *Načíst z POHODY*.
Carriers are not listed by POHODA's XML, so they stay typed in.

Before the ledger kept them, they lived in ``pohoda_values.json`` in the data folder. The first
time the lists are read after the upgrade, :func:`import_old_file` moves such a file into the
ledger and renames it to ``pohoda_values.json.imported`` (kept, never read again). A file that
cannot be read is logged in Czech and left as it is; the lists then come from POHODA again.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapter.errors import AdapterError
from adapter.ledger import pohoda_values as kept
from adapter.ledger.models import PohodaListValue
from adapter.pohoda.lists_values import PaymentForm, PohodaValues, VatClassification, read_values

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.sync.context import Connections

#: where the lists were kept before the ledger (in the data folder)
FILE = "pohoda_values.json"
#: what the old file is renamed to once it is in the ledger
IMPORTED = FILE + ".imported"

log = logging.getLogger(__name__)
#: one import of the old file at a time (two screens opened at once must not both read it)
_import_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class StoredValues:
    """The kept lists and when POHODA gave them."""

    values: PohodaValues
    read_at: datetime


def _rows(values: PohodaValues) -> list[PohodaListValue]:
    forms = [PohodaListValue(kind=kept.PAYMENT, value=f.name, basic_type=f.payment_type, text=f.text,
                             pohoda_id=f.id) for f in values.payment_forms]
    classes = [PohodaListValue(kind=kept.CLASSIFICATION, value=c.code, name=c.name, basic_type=c.vat_type,
                               offer=c.offer, pohoda_id=c.id) for c in values.classifications]
    return forms + classes


def _values(stored: kept.StoredLists) -> PohodaValues:
    forms = tuple(PaymentForm(r.value, r.basic_type, r.text, r.pohoda_id) for r in stored.payment_forms)
    classes = tuple(VatClassification(r.value, r.name, r.basic_type, bool(r.offer), r.pohoda_id)
                    for r in stored.classifications)
    return PohodaValues(forms, classes, stored.notes)


def load(data_dir: Path) -> StoredValues | None:
    """The kept lists, or None when POHODA was never read (an old file of ``data_dir`` is imported first)."""
    import_old_file(data_dir)
    stored = kept.lists()
    return None if stored is None else StoredValues(_values(stored), stored.read_at)


def save(values: PohodaValues, now: datetime) -> StoredValues:
    """Keep the lists (the previous ones are replaced in one transaction)."""
    kept.replace(now, _rows(values), values.notes)
    return StoredValues(values, now)


def parse_old_file(text: str) -> StoredValues:
    """The lists of a ``pohoda_values.json`` (raises ValueError, naming what is wrong, when it is broken)."""
    try:
        raw: Any = json.loads(text)
        forms = tuple(PaymentForm(_str(f, "name"), _str(f, "payment_type"), _str(f, "text", ""), _id(f))
                      for f in raw["payment_forms"])
        classes = tuple(VatClassification(_str(c, "code"), _str(c, "name"), _str(c, "vat_type", ""),
                                          bool(c.get("offer", True)), _id(c)) for c in raw["classifications"])
        notes = raw.get("notes", [])
        if not isinstance(notes, list):
            raise TypeError("notes is not a list")
        return StoredValues(PohodaValues(forms, classes, tuple(str(n) for n in notes)),
                            datetime.fromisoformat(raw["read_at"]))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{type(exc).__name__}: {exc}") from exc


def _str(item: dict[str, Any], key: str, default: str | None = None) -> str:
    value = item[key] if default is None else item.get(key) or default
    if not isinstance(value, str):
        raise TypeError(f"{key} {value!r} is not a text")
    return value


def _id(item: dict[str, Any]) -> int | None:
    value = item.get("id")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError(f"id {value!r} is not a number")
    return value


def import_old_file(data_dir: Path) -> bool:
    """Move ``pohoda_values.json`` of ``data_dir`` into the ledger once; True when it was imported.

    The file is renamed to :data:`IMPORTED` after the ledger has committed the lists. When the ledger
    already holds lists (read from POHODA after the upgrade) they are newer and the file is not read.
    A broken file is logged (Czech, with what to do) and left in place.
    """
    path = data_dir / FILE
    if not path.exists():
        return False
    with _import_lock:
        if not path.exists() or kept.has_lists():
            return False
        try:
            stored = parse_old_file(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("Hodnoty POHODY ze souboru %s nelze převzít do evidence přenosů (%s); soubor zůstává "
                        "beze změny. Načtěte formy úhrady a členění DPH znovu tlačítkem Načíst z POHODY "
                        "na stránce Mapování.", path, exc)
            return False
        save(stored.values, stored.read_at)
        try:
            os.replace(path, data_dir / IMPORTED)
        except OSError as exc:
            log.warning("Hodnoty POHODY ze souboru %s jsou převzaté do evidence přenosů, soubor ale nejde "
                        "přejmenovat na %s (%s); přejmenujte nebo smažte jej ručně.", path, IMPORTED, exc)
            return True
    log.info("Hodnoty POHODY ze souboru %s převzaty do evidence přenosů; soubor přejmenován na %s.", path, IMPORTED)
    return True


def refresh(settings: Settings, connections: Connections, data_dir: Path, now: datetime) -> StoredValues:
    """Read both lists from POHODA and keep them (raises AdapterError with a Czech message)."""
    if not settings.pohoda_configured:
        raise AdapterError("Připojení k POHODĚ není nastavené; vyplňte je v Nastavení › Připojení.")
    import_old_file(data_dir)  # so the old file is not imported over this newer read later
    client = connections.pohoda(settings)
    try:
        values = read_values(client)
    finally:
        client.close()
    return save(values, now)


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
