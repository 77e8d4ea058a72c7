"""The WooCommerce companion plugin shipped with the adapter: its installable zip and its detection.

The plugin's source lives in ``shop-plugins/woocommerce/pohoda-adapter/``
next to ``templates/`` and ``static/`` (found from the project root the same
way). :func:`build_zip` packs it in memory — files in a stable order under a
``pohoda-adapter/`` folder, fixed timestamps, and every ``languages/*.po``
compiled to its ``.mo`` here (:func:`compile_po`), so the zip carries the
translations without a gettext tool on the machine.

The plugin answers ``GET /wp-json/wc-pohoda-adapter/v1/status`` (WooCommerce
API keys work there); :func:`parse_status` reads that answer and
:func:`detect` asks a connector that can call it (``plugin_status``).
"""

from __future__ import annotations

import ast
import io
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from adapter.errors import EshopError
from adapter.records import Order

ROOT = Path(__file__).resolve().parent.parent
SLUG = "pohoda-adapter"
PLUGIN_DIR = ROOT / "shop-plugins" / "woocommerce" / SLUG
MAIN_FILE = f"{SLUG}.php"
STATUS_PATH = "/wp-json/wc-pohoda-adapter/v1/status"
#: the meta key the plugin sets on orders marked for transfer (``[orders] transfer_meta_key``)
TRANSFER_META_KEY = "_pohoda_transfer"
#: zip entries carry this time, so the same sources give the same bytes
ZIP_TIME = (2025, 1, 1, 0, 0, 0)
_SKIPPED = re.compile(r"(^|/)(\.|__pycache__/)|\.mo$|~$")


class PluginError(Exception):
    """The plugin's sources are missing or broken (a packaging problem, not the user's)."""


def plugin_version(folder: Path = PLUGIN_DIR) -> str:
    """The ``Version:`` of the plugin's header."""
    try:
        text = (folder / MAIN_FILE).read_text(encoding="utf-8")
    except OSError as exc:
        raise PluginError(f"Zdroj doplňku pro WooCommerce chybí ({folder.name}/{MAIN_FILE}).") from exc
    match = re.search(r"^\s*\*\s*Version:\s*(\S+)", text, re.MULTILINE)
    if match is None:
        raise PluginError(f"Hlavička doplňku {MAIN_FILE} nemá řádek Version.")
    return match.group(1)


def zip_name(folder: Path = PLUGIN_DIR) -> str:
    """The download's file name, e.g. ``pohoda-adapter-1.0.0.zip``."""
    return f"{SLUG}-{plugin_version(folder)}.zip"


def source_files(folder: Path = PLUGIN_DIR) -> list[str]:
    """The plugin's files (relative POSIX paths, sorted); hidden files, caches and built ``.mo`` left out."""
    names = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    return sorted(n for n in names if not _SKIPPED.search(n))


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(f"{SLUG}/{name}", date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3  # Unix, so the permissions above are read
    return info


def build_zip(folder: Path = PLUGIN_DIR) -> bytes:
    """The installable zip: ``pohoda-adapter/…`` with the sources and the compiled ``.mo`` files."""
    plugin_version(folder)  # a folder without the main file is no plugin
    entries: list[tuple[str, bytes]] = []
    for name in source_files(folder):
        data = (folder / name).read_bytes()
        entries.append((name, data))
        if name.endswith(".po"):
            entries.append((name[:-3] + ".mo", compile_po(data.decode("utf-8"), where=name)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sorted(entries):
            archive.writestr(_entry(name), data)
    return buffer.getvalue()


# --------------------------------------------------------------------------- .po → .mo


@dataclass
class _Message:
    msgid: str = ""
    plural: str | None = None
    forms: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False


def _unquote(line: str, where: str) -> str:
    text = line.strip()
    if not (len(text) >= 2 and text[0] == text[-1] == '"'):
        raise PluginError(f"{where}: „{text}“ není řetězec v uvozovkách.")
    value = ast.literal_eval(text)
    assert isinstance(value, str)
    return value


def _message(block: str, where: str) -> _Message | None:
    """One PO entry (a block between blank lines); None for a block of comments only."""
    msg, target, seen = _Message(), "", False
    for line in (raw.strip() for raw in block.splitlines()):
        if line.startswith("#"):
            msg.fuzzy = msg.fuzzy or (line.startswith("#,") and "fuzzy" in line)
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = target, line
        elif not re.fullmatch(r"msgid|msgid_plural|msgstr(\[\d+\])?", keyword):
            raise PluginError(f"{where}: neznámé klíčové slovo „{keyword}“.")
        value = _unquote(rest, where)
        if keyword == "msgid":
            msg.msgid += value
            seen = True
        elif keyword == "msgid_plural":
            msg.plural = (msg.plural or "") + value
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            msg.forms[index] = msg.forms.get(index, "") + value
        else:
            raise PluginError(f"{where}: pokračování řetězce bez klíčového slova.")
        target = keyword
    if not seen:
        return None
    if not msg.forms:
        raise PluginError(f"{where}: položka „{msg.msgid[:40]}“ nemá msgstr.")
    return msg


def _messages(text: str, where: str) -> Iterator[_Message]:
    """The entries of a PO file whose entries are separated by blank lines (as gettext writes them)."""
    for number, block in enumerate(re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")), 1):
        msg = _message(block, f"{where} (položka {number})")
        if msg is not None:
            yield msg


def compile_po(text: str, *, where: str = "po") -> bytes:
    """A GNU ``.mo`` catalogue (little-endian, no hash table) of a PO file's translated, non-fuzzy messages."""
    catalogue: dict[bytes, bytes] = {}
    for msg in _messages(text, where):
        forms = [msg.forms[i] for i in sorted(msg.forms)]
        if (msg.fuzzy and msg.msgid) or not any(forms):
            continue
        key = msg.msgid if msg.plural is None else f"{msg.msgid}\0{msg.plural}"
        catalogue[key.encode("utf-8")] = "\0".join(forms).encode("utf-8")
    keys = sorted(catalogue)
    count = len(keys)
    originals_at = 7 * 4
    translations_at = originals_at + count * 8
    data_at = translations_at + count * 8
    tables: list[int] = []
    blob = bytearray()
    for strings in (keys, [catalogue[k] for k in keys]):
        for value in strings:
            tables += [len(value), data_at + len(blob)]
            blob += value + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, count, originals_at, translations_at, 0, data_at)
    return header + struct.pack(f"<{len(tables)}I", *tables) + bytes(blob)


# --------------------------------------------------------------------------- detection


@dataclass(frozen=True)
class PluginStatus:
    """What the plugin's status endpoint says."""

    version: str
    transfer_meta_key: str
    storage: str = ""
    meta_keys: dict[str, str] = field(default_factory=dict)


def parse_status(data: object) -> PluginStatus | None:
    """The plugin's answer, or None when ``data`` is not one."""
    if not isinstance(data, dict) or data.get("plugin") != SLUG:
        return None
    keys = data.get("meta_keys")
    meta_keys = {str(k): str(v) for k, v in keys.items()} if isinstance(keys, dict) else {}
    return PluginStatus(
        version=str(data.get("version") or ""),
        transfer_meta_key=str(data.get("transfer_meta_key") or TRANSFER_META_KEY),
        storage=str(data.get("storage") or ""),
        meta_keys=meta_keys,
    )


@runtime_checkable
class PluginAware(Protocol):
    """A connector that can call the plugin's status endpoint (WooCommerce)."""

    def plugin_status(self) -> object:
        """The endpoint's decoded JSON, or None when the shop has no such route."""
        ...


@dataclass(frozen=True)
class Detection:
    """The plugin's state for the settings page: found (with its status), or why not."""

    status: PluginStatus | None
    problem: str = ""

    @property
    def found(self) -> bool:
        """Whether the plugin answered."""
        return self.status is not None


def detect(shop: object) -> Detection:
    """Ask the shop whether the plugin is installed and active; never raises for shop trouble."""
    if not isinstance(shop, PluginAware):
        return Detection(None, "Tento e-shop doplněk POHODA adaptér nepodporuje.")
    try:
        status = parse_status(shop.plugin_status())
    except EshopError as exc:
        return Detection(None, f"Stav doplňku nelze zjistit: {exc.message}")
    if status is None:
        return Detection(None, "Doplněk POHODA adaptér v e-shopu není nainstalován nebo aktivován.")
    return Detection(status)


# --------------------------------------------------------------------------- order meta the plugin shows

#: POHODA's number of a transferred order (written by the marking's batch update)
NUMBER_KEY = "_pohoda_number"
STATUS_KEY = "_pohoda_status"
HELD_REASON_KEY = "_pohoda_held_reason"
ERROR_KEY = "_pohoda_error"
TRANSFERRED_KEY = "_pohoda_transferred"
#: longest text written to one meta value (POHODA's error details can be long)
MAX_TEXT = 2000


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def wanted(state: str, text: str = "") -> dict[str, str]:
    """The meta of an order in ``state`` ("held", "error", "transferred" or "" = not marked)."""
    return {
        STATUS_KEY: state,
        HELD_REASON_KEY: _clip(text) if state == "held" else "",
        ERROR_KEY: _clip(text) if state == "error" else "",
    }


def changes(order: Order | None, meta: dict[str, str]) -> dict[str, str]:
    """The part of ``meta`` the order does not carry yet (a missing key counts as "")."""
    if order is None:
        return dict(meta)
    return {k: v for k, v in meta.items() if (order.meta_value(k) or "") != v}


def transferred_meta(order: Order | None, *, now: datetime | None = None) -> list[dict[str, str]]:
    """``meta_data`` items to send with POHODA's number: state, the time now, cleared reason/error."""
    meta = changes(order, wanted("transferred"))
    meta[TRANSFERRED_KEY] = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    return [{"key": k, "value": v} for k, v in meta.items()]
