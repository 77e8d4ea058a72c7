"""Computing and storing the pairing, and the look-ups the jobs use.

:func:`compute_pairing` runs the pure :func:`adapter.sync.pairing.match.pair`
on a listing in memory (a few cards, or the cards POHODA pushed);
:func:`store_pairing` replaces the ledger ``Pairing`` table in one transaction.
A whole catalogue is paired on disk (:mod:`adapter.sync.pairing.stream`) and
stored by :func:`store_streamed`. The stock job finds product ids in the
stored pairing, so a large catalogue is never re-listed: an incremental run
looks up only the codes and products it needs (:func:`targets_for_codes`,
:func:`targets_for_products`), the POHODA push reads :func:`pairing_targets`.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from adapter import ledger
from adapter.ledger import pairing as pairing_queries
from adapter.ledger.stock import LinkRow, links_by_codes, links_by_products, stored_codes
from adapter.records import Product, StockCard
from adapter.sync.pairing.match import PairingResult, PairRow, normalise, pair
from adapter.sync.pairing.stream import ScratchPairing

if TYPE_CHECKING:
    from adapter.config import Settings

#: Checkpoint row holding facts about the last pairing refresh (when, counts, multi-card codes)
PAIRING_CHECKPOINT = "pairing"


@dataclass
class RefreshResult:
    """What a pairing refresh found."""

    result: PairingResult
    counts: dict[str, int]
    multi_codes: set[str] = field(default_factory=set)  #: normalised codes held by several cards


def multi_card_codes(cards: Iterable[StockCard], *, case_sensitive: bool) -> set[str]:
    """Normalised codes that more than one stock card carries (several warehouses)."""
    seen = Counter(normalise(c.code, case_sensitive=case_sensitive) for c in cards if c.code.strip())
    return {code for code, n in seen.items() if n > 1}


def compute_pairing(cards: Sequence[StockCard], products: Iterable[Product], settings: Settings) -> RefreshResult:
    """Pair listed cards and products with the ``[pairing]`` options (pure; a whole catalogue pairs on disk,
    :mod:`adapter.sync.pairing.stream`)."""
    opts = settings.pairing
    result = pair(cards, products, case_sensitive=opts.case_sensitive, ean_fallback=opts.ean_fallback)
    return RefreshResult(result, result.counts(), multi_card_codes(cards, case_sensitive=opts.case_sensitive))


def _row(r: PairRow, now: datetime) -> tuple[Any, ...]:
    """One Pairing row's values in :data:`adapter.ledger.pairing.PAIRING_COLUMNS` order."""
    p, c = r.product, r.card
    return (
        r.status,
        p.sku.strip() if p else "",
        p.id if p else None,
        p.parent_id if p else None,
        p.name[:255] if p else "",
        p.ean.strip() if p else "",
        r.code or (c.code if c else ""),
        c.id if c else None,
        c.name[:255] if c else "",
        c.ean if c else "",
        ",".join(c.stores) if c else "",
        bool(c.is_internet) if c else False,
        r.matched_by,
        r.conflict,
        now,
    )


def _rows(result: PairingResult, now: datetime) -> Iterator[tuple[Any, ...]]:
    for r in result.rows:
        yield _row(r, now)


def store_pairing(result: PairingResult, *, multi_codes: set[str], now: datetime) -> dict[str, int]:
    """Replace the ledger Pairing table with ``result`` in one transaction; returns the counts."""
    counts = result.counts()
    extra = {"counts": counts, "multi": sorted(multi_codes), "case_sensitive": result.case_sensitive}
    pairing_queries.replace_pairing(_rows(result, now), checkpoint=PAIRING_CHECKPOINT, extra=extra, now=now)
    return counts


def store_streamed(scratch: ScratchPairing, rows: Iterable[PairRow], *, now: datetime, store: bool = True) -> None:
    """Walk the rows of a pairing computed on disk and (unless ``store`` is false: a preview) store them.

    The rows are staged while they are computed and swapped into the Pairing
    table in one short transaction at the end.
    """
    if not store:
        deque(rows, maxlen=0)  # computed, not kept
        return
    with pairing_queries.PairingStage() as stage:
        stage.write(_row(r, now) for r in rows)
        extra = {"counts": dict(scratch.counts), "multi": sorted(scratch.multi_codes),
                 "case_sensitive": scratch.case_sensitive}
        stage.swap(checkpoint=PAIRING_CHECKPOINT, extra=extra, now=now)


# --------------------------------------------------------------------------- lookups for the jobs


@dataclass(frozen=True, slots=True)
class Target:
    """A shop product (or variation) that takes its stock from one POHODA code."""

    product_id: int
    parent_id: int | None
    sku: str
    code: str
    card_id: int | None = None


def pairing_targets() -> dict[str, list[Target]]:
    """Normalised POHODA code → the shop products paired to it (paired and resolvable conflict rows)."""
    case_sensitive = bool(pairing_info().get("case_sensitive", False))
    return _grouped(pairing_queries.pairing_links(), None, case_sensitive=case_sensitive)


def _grouped(rows: Iterable[LinkRow], keys: set[str] | None, *, case_sensitive: bool) -> dict[str, list[Target]]:
    """Targets per normalised code (only the ``keys`` asked for, or all)."""
    out: dict[str, list[Target]] = {}
    for product_id, parent_id, sku, code, card_id in rows:
        key = normalise(code, case_sensitive=case_sensitive)
        if keys is None or key in keys:
            out.setdefault(key, []).append(Target(product_id, parent_id, sku, code, card_id))
    return out


def targets_for_codes(codes: Mapping[str, Iterable[str]]) -> dict[str, list[Target]]:
    """:func:`pairing_targets` of just these normalised codes (key → the codes as the cards carry them).

    The stored code is looked up by its index in the forms a card may carry (as listed, the key, lower
    case). A code the pairing does not hold in any of them (its case changed in POHODA since the pairing,
    or a card new since then) is looked up once more ignoring the case of ASCII letters (a scan); a code
    stored unlinked (only in POHODA) needs no second look. Only rows whose normalised code is asked for
    are kept.
    """
    case_sensitive = bool(pairing_info().get("case_sensitive", False))
    keys = set(codes)
    forms = set(keys)
    for key, raw in codes.items():
        forms.update(code.strip() for code in raw)
        if not case_sensitive:
            forms.add(key.lower())
    out = _grouped(links_by_codes(forms), keys, case_sensitive=case_sensitive)
    missing = keys - out.keys()
    if missing and not case_sensitive:
        missing -= {normalise(code) for code in stored_codes(forms)}
    if missing and not case_sensitive:
        out.update(_grouped(links_by_codes(missing, ascii_nocase=True), missing, case_sensitive=False))
    return out


def targets_for_products(product_ids: Iterable[int]) -> dict[str, list[Target]]:
    """The codes these shop products are paired to, each with all its targets (other products of the code too)."""
    case_sensitive = bool(pairing_info().get("case_sensitive", False))
    codes: dict[str, list[str]] = {}
    for _pid, _parent, _sku, code, _card in links_by_products(product_ids):
        codes.setdefault(normalise(code, case_sensitive=case_sensitive), []).append(code)
    return targets_for_codes(codes) if codes else {}


def pairing_info() -> dict[str, Any]:
    """Facts of the last refresh: ``at`` (ISO), ``counts``, ``multi`` codes, ``case_sensitive``."""
    cp = ledger.get_checkpoint(PAIRING_CHECKPOINT)
    if cp is None:
        return {}
    return {**cp.extra_dict(), "at": cp.updated_at}
