"""Where Stormware's XSD set lives, and validation against it.

Stormware's schema set ships inside the package (``adapter/pohoda/xsd/``,
origin in its ``SOURCE.md``), so previews, the mServer emulator and the tests
validate on any PC. ``$POHODA_XSD_DIR`` overrides it (a newer set from
Stormware); a folder the caller names is the last resort. Parsing never
touches the network and never resolves entities.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGED_XSD = Path(__file__).resolve().parent / "xsd"
_lock = threading.Lock()


def find_xsd_dir(extra: Path | None = None) -> Path | None:
    """The folder holding ``data.xsd`` and ``response.xsd``, or None."""
    candidates = []
    env = os.environ.get("POHODA_XSD_DIR")
    if env:
        candidates.append(Path(env))
    candidates.append(PACKAGED_XSD)
    if extra is not None:
        candidates.append(extra)
    for c in candidates:
        if (c / "data.xsd").is_file() and (c / "response.xsd").is_file():
            return c
    return None


def safe_parser(**kwargs: Any) -> etree.XMLParser:
    """An lxml parser that never resolves entities or reaches the network."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, **kwargs
    )


@cache
def _schema(folder: str, name: str) -> etree.XMLSchema:
    doc = etree.parse(str(Path(folder) / name), safe_parser())
    return etree.XMLSchema(doc)


def schema(kind: str, folder: Path | None = None) -> etree.XMLSchema | None:
    """The compiled ``data`` (requests) or ``response`` schema, or None if absent."""
    folder = folder or find_xsd_dir()
    if folder is None:
        return None
    with _lock:  # lxml schema compilation is not re-entrant friendly; compile once
        return _schema(str(folder), f"{kind}.xsd")


def validate(xml: bytes, kind: str = "data", folder: Path | None = None) -> list[str] | None:
    """Validate ``xml`` against the ``data`` or ``response`` schema.

    Returns the list of error messages (empty when valid), or None when the
    schema folder is not available.
    """
    sch = schema(kind, folder)
    if sch is None:
        return None
    try:
        doc = etree.fromstring(xml, safe_parser())
    except etree.XMLSyntaxError as exc:
        return [f"XML není dobře utvořené: {exc}"]
    with _lock:  # XMLSchema objects are not safe to share across threads
        ok = sch.validate(doc)
        log: Iterable[Any] = sch.error_log  # type: ignore[assignment]  # iterable; lxml-stubs omit __iter__
        errors = [] if ok else [f"řádek {e.line}: {e.message}" for e in log]
    return errors


_TYPE_NS = "http://www.stormware.cz/schema/version_2/type.xsd"
_XS = "{http://www.w3.org/2001/XMLSchema}"


@cache
def _type_lengths(folder: str) -> dict[str, int]:
    doc = etree.parse(str(Path(folder) / "type.xsd"), safe_parser())
    lengths: dict[str, int] = {}
    for simple in doc.getroot().iter(f"{_XS}simpleType"):
        name = simple.get("name")
        facet = simple.find(f"{_XS}restriction/{_XS}maxLength")
        if name and facet is not None:
            lengths[name] = int(facet.get("value", "0"))
    return lengths


def max_length(type_name: str, folder: Path | None = None) -> int | None:
    """The ``maxLength`` facet of a named simple type in ``type.xsd`` (e.g. ``string90``), or None."""
    folder = folder or find_xsd_dir()
    if folder is None or not (folder / "type.xsd").is_file():
        return None
    with _lock:
        return _type_lengths(str(folder)).get(type_name.removeprefix("typ:"))
