"""POHODA's answers in words: XPaths of offending elements and known errnos.

POHODA points at a problem with a path into the request we sent, e.g.
``dat:dataPack/dat:dataPackItem[1]/ord:order/ord:orderHeader/ord:date``; the
user should read "Objednávka › hlavička › datum".
"""

from __future__ import annotations

import re

from adapter.czech import POHODA_WORDS

#: local element names (without prefix) → Czech words (kept in adapter.czech, shared with the XML text warnings)
ELEMENT_WORDS: dict[str, str] = POHODA_WORDS

#: envelope steps that say nothing to the user
_SKIP = {"dataPack", "dataPackItem"}

#: errno → meaning (codes seen in the wild; POHODA publishes no official list)
ERRNOS: dict[int, str] = {
    103: "doklad spadá do již uzavřeného období DPH",
    603: "hodnota musela být upravena",
    606: "datum není v účetním období",
}

_STEP = re.compile(r"^(?:[\w.-]+:)?(?P<name>[\w.-]+)(?:\[(?P<index>\d+)\])?$")


def explain_xpath(xpath: str) -> str:
    """``…/ord:order/ord:orderHeader/ord:date`` → ``Objednávka › hlavička › datum``."""
    words = []
    for step in xpath.strip().strip("/").split("/"):
        match = _STEP.match(step.strip())
        if not match:
            words.append(step)
            continue
        name, index = match["name"], match["index"]
        if name in _SKIP:
            continue
        word = ELEMENT_WORDS.get(name, name)
        if index and name not in ("order", "invoice", "stock", "addressbook", "prijemka"):
            word = f"{word} {index}"
        words.append(word)
    return " › ".join(words)


def explain_errno(errno: int | str | None) -> str:
    """A known errno in words, else ``kód N``."""
    if errno in (None, ""):
        return ""
    try:
        number = int(errno)
    except (TypeError, ValueError):
        return f"kód {errno}"
    meaning = ERRNOS.get(number)
    return f"kód {number}: {meaning}" if meaning else f"kód {number}"


def explain_detail(detail: dict[str, object]) -> str:
    """One ``rdc:detail`` (as stored in the ledger) as one Czech sentence."""
    parts = []
    where = str(detail.get("xpath") or detail.get("XPath") or "")
    if where:
        parts.append(explain_xpath(where))
    note = str(detail.get("note") or "")
    if note:
        parts.append(note)
    errno = detail.get("errno")
    if errno not in (None, ""):
        parts.append(f"({explain_errno(errno)})")  # type: ignore[arg-type]
    requested, produced = detail.get("value_requested"), detail.get("value_produced")
    if requested or produced:
        parts.append(f"poslali jsme „{requested or ''}“, POHODA uložila „{produced or ''}“")
    return ": ".join(parts[:2]) + (" " + " ".join(parts[2:]) if len(parts) > 2 else "")
