"""Adresář ⇄ zákazníci e-shopu: the customers job, both directions.

* E-shop → POHODA (``[customers] to_pohoda``): registered customers (and,
  with ``guests_with_ico``, billing addresses of guest orders carrying an
  IČO) are upserted into the address book by extId (shop customer id, for
  guests ``ico:<IČO>``); a record POHODA already has (same IČO or e-mail) is
  updated by its POHODA id instead of duplicated. Invalid IČO / DIČ is an
  error with a Czech reason and is not sent.
* POHODA → e-shop (``to_eshop``): address book records with an e-mail
  (optionally only those of a POHODA user filter) become or update shop
  customers, matched by e-mail; never a duplicate, never a password.
* A customer changed on both sides since the last sync is a conflict: the
  master rule (``master``) decides, the losing change is not applied and the
  conflict is listed on the Adresář page, where a person can take the other
  side (a run with options ``{"keys": [...], "take": "eshop"|"pohoda"}``).

Ledger: ``customers_out`` (key = shop customer id or ``ico:<IČO>``) is the
link of a shop customer to its POHODA record (``pohoda_id``) and holds the
last agreed card of each side; ``customers_in`` (key = POHODA id) records
what the POHODA → e-shop direction did with each record; ``customers_conflict``
(key = shop key) holds conflicts until a person decides. Watermarks: the
Checkpoint ``customers_out`` (shop, UTC) and ``customers_in`` (POHODA
``lastChanges``, POHODA local time).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lxml import etree

from adapter import ledger
from adapter.errors import AdapterError, EshopRejected, PohodaError
from adapter.pohoda.addressbook import addressbook_item, list_addressbook_request, parse_list_addressbook
from adapter.pohoda.envelope import NS, PackItem, build_pack, sub
from adapter.records import AddressBookEntry, Customer, ItemResult
from adapter.sync import customers_mapping as cm
from adapter.sync.context import JobContext
from adapter.sync.state import next_pohoda_cursor, next_shop_cursor, pohoda_since, shop_since

log = logging.getLogger(__name__)

AGENDA_OUT = "customers_out"
AGENDA_IN = "customers_in"
AGENDA_CONFLICT = "customers_conflict"
#: incremental reads go back this far before the watermark (repeats are absorbed by the card hashes)
OVERLAP = timedelta(minutes=10)
PACK_SIZE = 50
PAGE_SIZE = 2000
IN_PREFIX = "adb:"
PREVIEW_LIMIT = 200_000


# --------------------------------------------------------------------------- the two sides


@dataclass
class ShopSide:
    """A shop customer (or a guest company) as read in this run."""

    key: str
    card: cm.CustomerCard
    customer: Customer | None = None  #: None for a guest
    modified: datetime | None = None
    changed: bool = True  #: read as changed since the watermark (False = looked up)

    @property
    def customer_id(self) -> int | None:
        """The shop's customer id (None for a guest)."""
        return self.customer.id if self.customer is not None else None


@dataclass
class PohodaSide:
    """An address book record as read in this run."""

    entry: AddressBookEntry
    card: cm.CustomerCard
    eligible: bool = True  #: passes the user filter (may go to the shop)
    changed: bool = True

    @property
    def id(self) -> int:
        """POHODA's record id."""
        return self.entry.id


@dataclass
class Pair:
    """A shop customer and its POHODA record (either may be missing) with their link."""

    key: str  #: shop key ("" until a POHODA record gets a shop customer)
    shop: ShopSide | None = None
    pohoda: PohodaSide | None = None
    link: ledger.Entry | None = None
    pohoda_id: int | None = None
    shop_id: int | None = None

    def agreed(self, side: str) -> cm.CustomerCard | None:
        """The card the side held after the last sync (from the link)."""
        details = self.link.details_value() if self.link is not None else None
        return cm.CustomerCard.from_dict(details.get(side)) if isinstance(details, dict) else None

    @property
    def event_key(self) -> str:
        """The run-event key: shop key, or ``adb:<id>`` for a POHODA record without a shop customer."""
        return self.key or f"{IN_PREFIX}{self.pohoda_id}"


@dataclass
class ToPohoda:
    """One upsert into the address book."""

    pair: Pair
    card: cm.CustomerCard  #: what to write
    shop_card: cm.CustomerCard  #: the shop's card that becomes agreed
    resolves: str = ""  #: "eshop" when this write carries a decided conflict


@dataclass
class ToEshop:
    """One create/update of a shop customer."""

    pair: Pair
    card: cm.CustomerCard  #: POHODA's card to write
    resolves: str = ""


@dataclass
class Plan:
    """What one run will do."""

    to_pohoda: list[ToPohoda] = field(default_factory=list)
    to_eshop: list[ToEshop] = field(default_factory=list)
    #: pairs whose data already agree: (pair, shop card, POHODA card) to remember as agreed
    agree: list[tuple[Pair, cm.CustomerCard, cm.CustomerCard]] = field(default_factory=list)


def _label_shop(key: str, card: cm.CustomerCard) -> str:
    if key.startswith("ico:"):
        return f"Host s IČO {key[4:]} – {card.title}"
    return f"Zákazník #{key} – {card.title}"


def _label_pohoda(pohoda_id: int | None, card: cm.CustomerCard) -> str:
    return f"Adresa POHODA #{pohoda_id} – {card.title}"


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --------------------------------------------------------------------------- the job


def run(ctx: JobContext) -> None:
    """The customers job: both directions per ``[customers]``, or a person's decision on conflicts."""
    take = str(ctx.options.get("take") or "")
    if take:
        if take not in ("eshop", "pohoda"):
            raise AdapterError("Neznámá volba strany: použijte „eshop“ nebo „pohoda“.")
        _Take(ctx, [str(k) for k in ctx.options.get("keys") or []], take).run()
        return
    cs = ctx.settings.customers
    if not (cs.to_pohoda or cs.to_eshop):
        ctx.message = ("Oba směry Adresáře jsou vypnuté. Zapněte „Zákazníci do POHODY“ nebo „Adresář do e-shopu“ "
                       "v Nastavení › Adresář.")
        return
    _Sync(ctx).run()


class _Base:
    """Shared I/O of the sync and of a person's decision."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.cs = ctx.settings.customers
        self.ext_system = cm.ext_system_for(ctx.settings.eshop.platform)
        self.preview: list[str] = []
        self._pack_no = 0

    # ------------------------------------------------------------------ POHODA

    def pohoda_list(self, **criteria: Any) -> tuple[list[AddressBookEntry], datetime | None]:
        """All records of one list request, paged by id; returns records and the first answer's stamp."""
        client = self.ctx.pohoda()
        records: list[AddressBookEntry] = []
        stamp: datetime | None = None
        id_from = 0
        while True:
            item = list_addressbook_request(ext_system=self.ext_system, id_from=id_from, count=PAGE_SIZE, **criteria)
            pack = build_pack([item], ico=self.ctx.settings.pohoda.ico, pack_id=item.id,
                              application=self.ctx.settings.pohoda.application)
            answer = client.post(pack.xml, write=False)
            self.ctx.count_request("pohoda")
            result = parse_list_addressbook(answer)
            if result.state == "error":
                hint = (" Zkontrolujte uživatelský filtr v Nastavení › Adresář." if criteria.get("user_filter")
                        else " Odstraňte příčinu uvedenou POHODOU a spusťte synchronizaci znovu.")
                note = (result.note or "bez udání důvodu").rstrip(". ")
                raise PohodaError(f"POHODA odmítla výpis adresáře: {note}.{hint}")
            stamp = stamp or result.timestamp
            records.extend(result.records)
            if len(result.records) < PAGE_SIZE:
                return records, stamp
            id_from = max(r.id for r in result.records) + 1

    def send_to_pohoda(self, jobs: Sequence[ToPohoda]) -> list[tuple[ToPohoda, ItemResult | None, PackItem]]:
        """Upsert the jobs in packs; returns (job, result or None in a preview, item) per job."""
        out: list[tuple[ToPohoda, ItemResult | None, PackItem]] = []
        settings = self.ctx.settings.pohoda
        for chunk in _chunks(jobs, PACK_SIZE):
            self.ctx.check_cancel()
            items = [self._item(job) for job in chunk]
            self._pack_no += 1
            pack = build_pack(items, ico=settings.ico, pack_id=f"adb-run{self.ctx.run_id}-{self._pack_no}",
                              application=settings.application, note="Adresář z e-shopu")
            if self.ctx.dry_run:
                self.preview.append(pack.xml.decode("cp1250"))
                out.extend((job, None, item) for job, item in zip(chunk, items, strict=True))
                continue
            # (ledger.save_entries cannot carry the ``run`` foreign key: its upsert names the column
            # ``excluded.run`` instead of ``run_id``; so rows first, then state and run in one update)
            keys = [job.pair.key for job in chunk]
            ledger.save_entries(AGENDA_OUT, [{"key": key, "state": "sending"} for key in keys])
            ledger.set_state(AGENDA_OUT, keys, "sending", run=self.ctx.run_id)
            result = self.ctx.pohoda().send(pack, write=True)
            self.ctx.count_request("pohoda")
            by_id = {r.item_id: r for r in result.items}
            for job, item in zip(chunk, items, strict=True):
                answer = by_id.get(item.id) or ItemResult(item.id, "error", "POHODA o položce nic nevrátila.")
                out.append((job, answer, item))
        return out

    @staticmethod
    def _item_for(key: str, card: cm.CustomerCard, pohoda_id: int | None, ext_system: str) -> PackItem:
        item = addressbook_item(cm.addressbook_doc(key, card, ext_system=ext_system))
        if pohoda_id:
            # A known record is updated by POHODA's own id (it may predate our extId:
            # the accountant typed it, or it was paired by IČO / e-mail).
            flt = item.element.find("adb:actionType/adb:add/ftr:filter", NS)
            if flt is not None:
                for child in list(flt):
                    flt.remove(child)
                sub(flt, "ftr:id", str(pohoda_id))
        return item

    def _item(self, job: ToPohoda) -> PackItem:
        return self._item_for(job.pair.key, job.card, job.pair.pohoda_id, self.ext_system)

    def record_pohoda_result(self, job: ToPohoda, answer: ItemResult | None, item: PackItem,
                             rows: list[dict[str, Any]] | None = None) -> bool:
        """Ledger and events for one upsert; True when POHODA stored it.

        With ``rows`` the ledger row of a stored item is appended there for one
        batched write per pack (:func:`save_ok_rows`) instead of written now.
        """
        pair, ctx = job.pair, self.ctx
        label = _label_shop(pair.key, job.shop_card)
        if answer is None:
            target = f"záznam #{pair.pohoda_id}" if pair.pohoda_id else "nový záznam"
            ctx.event(pair.key, "preview", f"Náhled: zapíše se do adresáře POHODY ({target}).", label=label)
            return False
        details = [{"state": d.state, "errno": d.errno, "note": d.note, "xpath": d.xpath} for d in answer.details]
        warnings = [*item.warnings, *(d.note for d in answer.warnings if d.note)]
        sent = etree.tostring(item.element, encoding="unicode")
        if not answer.ok:
            message = f"POHODA záznam nepřijala: {answer.note or 'bez udání důvodu'}"
            ledger.save_entry(AGENDA_OUT, pair.key, label=label, state="error", error=message, run=ctx.run_id,
                              shop_id=str(pair.shop_id or ""), sent_xml=sent, warnings=warnings,
                              details={**(pair.link.details_value() or {} if pair.link else {}), "details": details},
                              attempts=(pair.link.attempts if pair.link else 0) + 1)
            ctx.error(pair.key, message, label=label)
            return False
        produced = answer.produced.id if answer.produced and answer.produced.id else None
        duplicate = answer.duplicities[0].id if answer.duplicities else None
        pohoda_id = produced or duplicate or pair.pohoda_id
        previous = pair.pohoda.card if pair.pohoda is not None else pair.agreed("pohoda")
        agreed_pohoda = cm.after_upsert(previous, job.card)
        row = {
            "key": pair.key, "label": label, "state": "ok", "error": "", "pohoda_id": pohoda_id,
            "shop_id": str(pair.shop_id or ""), "payload_hash": job.shop_card.digest(), "sent_xml": sent,
            "warnings": json.dumps(warnings, ensure_ascii=False) if warnings else "",
            "details": json.dumps({"shop": job.shop_card.as_dict(), "pohoda": agreed_pohoda.as_dict(),
                                   "details": details}, ensure_ascii=False),
        }
        if rows is None:
            self.save_ok_rows([row])
        else:
            rows.append(row)
        action = "aktualizován" if pair.pohoda_id or (answer.produced and answer.produced.action_type == "update") \
            else "založen"
        note = f" Upozornění: {'; '.join(warnings)}" if warnings else ""
        ctx.ok(pair.key, f"Adresář POHODY: záznam #{pohoda_id} {action}.{note}", label=label)
        pair.pohoda_id = pohoda_id
        return True

    def save_ok_rows(self, rows: list[dict[str, Any]]) -> None:
        """Write the ledger rows of stored upserts in one statement (plus their run in one update)."""
        if rows:
            ledger.save_entries(AGENDA_OUT, rows)
            ledger.set_state(AGENDA_OUT, [r["key"] for r in rows], "ok", run=self.ctx.run_id)

    # ------------------------------------------------------------------ e-shop

    def write_to_shop(self, job: ToEshop) -> Customer | None:
        """Create or update one shop customer from POHODA's card; None in a preview or on a refusal."""
        pair, ctx = job.pair, self.ctx
        label = _label_pohoda(pair.pohoda_id, job.card)
        key = f"{IN_PREFIX}{pair.pohoda_id}"
        shop = ctx.eshop()
        created = False
        try:
            current = self._current_customer(pair)
            if pair.shop_id and current is None:
                raise EshopRejected(f"zákazníka #{pair.shop_id} se v e-shopu nepodařilo dohledat (byl smazán nebo "
                                    "změnil e-mail). Spusťte úplnou kontrolu Adresáře.")
            account_email = current.email if current is not None else job.card.email
            body = cm.shop_customer(job.card, account_email=account_email,
                                    first_name=current.first_name if current else "",
                                    last_name=current.last_name if current else "")
            if ctx.dry_run:
                what = (f"aktualizuje zákazník #{current.id}" if current is not None
                        else f"založí zákazník {account_email}")
                ctx.event(key, "preview", f"Náhled: v e-shopu se {what}.", label=label)
                return None
            if current is not None:
                result = shop.update_customer(current.id, body)
            else:
                result = shop.create_customer(body)
                created = True
            ctx.count_request("eshop")
        except EshopRejected as exc:
            message = f"E-shop zákazníka nepřijal: {exc.message}"
            ledger.save_entry(AGENDA_IN, str(pair.pohoda_id), label=label, state="error", error=message,
                              run=ctx.run_id, shop_id=str(pair.shop_id or ""))
            ctx.error(key, message, label=label)
            return None
        shop_card = cm.card_from_customer(result)
        details = {"shop": shop_card.as_dict(), "pohoda": job.card.as_dict()}
        ledger.save_entry(AGENDA_IN, str(pair.pohoda_id), label=label, state="ok", error="", run=ctx.run_id,
                          shop_id=str(result.id), payload_hash=job.card.digest(), details=details,
                          eshop_data={"id": result.id, "email": result.email, **shop_card.as_dict()})
        ledger.save_entry(AGENDA_OUT, str(result.id), label=_label_shop(str(result.id), shop_card), state="ok",
                          error="", run=ctx.run_id, pohoda_id=pair.pohoda_id, shop_id=str(result.id),
                          payload_hash=shop_card.digest(), details=details)
        verb = "založen" if created else "aktualizován"
        ctx.ok(key, f"Zákazník e-shopu #{result.id} ({result.email}) {verb}.", label=label)
        return result

    def _current_customer(self, pair: Pair) -> Customer | None:
        """The shop customer as it is now: read in this run, else looked up by its (last known) e-mail.

        A POHODA record without a shop customer was already looked up by its
        e-mail while pairing, so None is returned for it without asking again.
        """
        if pair.shop is not None and pair.shop.customer is not None:
            return pair.shop.customer
        if not pair.shop_id:
            return None
        agreed = pair.agreed("shop")
        emails = [e for e in (pair.shop.card.email if pair.shop else "", agreed.email if agreed else "") if e]
        for email in dict.fromkeys(emails):
            found = self.ctx.eshop().find_customer(email)
            self.ctx.count_request("eshop")
            if found is not None and found.id == pair.shop_id:
                return found
        return None

    def finish_preview(self) -> None:
        """Put the XML that would have been sent into the run's report."""
        if self.ctx.dry_run and self.preview:
            text = "\n\n".join(self.preview)
            if len(text) > PREVIEW_LIMIT:
                text = text[:PREVIEW_LIMIT] + "\n… (zkráceno)"
            self.ctx.report["XML pro POHODU (náhled)"] = text


class _Sync(_Base):
    """One incremental (or full, or retry) run of both directions."""

    def __init__(self, ctx: JobContext) -> None:
        super().__init__(ctx)
        self.keys = {str(k) for k in ctx.options.get("keys") or []}
        #: read everything: a full check, or a retry of a few keys (no id filter exists in POHODA)
        self.read_all = ctx.full or bool(self.keys)
        self.signpost = ctx.now()
        self.shop_max_seen: datetime | None = None
        self.shop_failed_at: datetime | None = None
        self.pohoda_stamp: datetime | None = None
        self.pohoda_failed = False
        self.pohoda_complete = False  #: the whole address book was read (no look-ups needed)
        self.open_conflicts: set[str] = set()
        self.shop_sides: dict[str, ShopSide] = {}
        #: every registered customer by e-mail (only when POHODA records may become customers)
        self.shop_by_email: dict[str, Customer] | None = None
        self.pohoda_sides: dict[int, PohodaSide] = {}
        self.stats = {"zákazníci e-shopu": 0, "adresy POHODY": 0, "konflikty": 0, "bez e-mailu": 0,
                      "duplicitní e-maily": 0, "neplatné IČO/DIČ": 0}

    def run(self) -> None:
        ctx = self.ctx
        ctx.progress(0, 0, "Čtu zákazníky e-shopu")
        self.read_shop()
        ctx.progress(phase="Čtu adresář POHODY")
        self.read_pohoda()
        ctx.progress(phase="Porovnávám")
        pairs = self.pair_up()
        plan = self.decide(pairs)
        total = len(plan.to_pohoda) + len(plan.to_eshop)
        ctx.progress(0, total, "Zapisuji do POHODY")
        self.open_conflicts = {e.key for e in ledger.Entry.select(ledger.Entry.key).where(
            (ledger.Entry.agenda == AGENDA_CONFLICT) & (ledger.Entry.state == "held"))}
        for chunk in _chunks(plan.to_pohoda, PACK_SIZE):
            results = self.send_to_pohoda(chunk)
            rows: list[dict[str, Any]] = []
            with ledger.database.atomic():  # one transaction per pack, not per customer
                for job, answer, item in results:
                    stored = self.record_pohoda_result(job, answer, item, rows)
                    if stored:
                        self.after_write(job.pair, job.resolves)
                    elif answer is not None and job.pair.shop is not None:
                        moment = job.pair.shop.modified
                        if moment is not None and (self.shop_failed_at is None or moment < self.shop_failed_at):
                            self.shop_failed_at = moment
                    ctx.advance()
                self.save_ok_rows(rows)
        ctx.progress(phase="Zapisuji do e-shopu")
        for job in plan.to_eshop:
            ctx.check_cancel()
            result = self.write_to_shop(job)
            if result is not None:
                self.after_write(job.pair, job.resolves)
            elif not ctx.dry_run:
                self.pohoda_failed = True
            ctx.advance()
        self.save_agreements(plan.agree)
        self.finish_preview()
        self.save_checkpoints()
        ctx.report.update({k: v for k, v in self.stats.items() if v})

    # ------------------------------------------------------------------ reading

    def read_shop(self) -> None:
        """Registered customers (and guest companies) changed since the shop watermark."""
        ctx = self.ctx
        checkpoint = ledger.get_checkpoint(AGENDA_OUT)
        since = None if self.read_all or checkpoint is None else shop_since(checkpoint.cursor, OVERLAP)
        shop = ctx.eshop()
        # Records coming from POHODA are paired by e-mail. WooCommerce cannot filter customers by
        # modification date on the server (the connector pages through all of them anyway), so one
        # full read gives the e-mail index for free instead of one look-up request per record.
        index = self.cs.to_eshop
        if index:
            self.shop_by_email = {}
        for customer in shop.iter_customers(since=None if index else since):
            if self.shop_by_email is not None and customer.email:
                self.shop_by_email.setdefault(cm.normalise_email(customer.email), customer)
            if index and since is not None and customer.modified is not None and customer.modified < since:
                continue
            self._seen(customer.modified)
            side = ShopSide(str(customer.id), cm.card_from_customer(customer), customer, customer.modified)
            self.shop_sides[side.key] = side
        ctx.count_request("eshop")
        if self.cs.to_pohoda and self.cs.guests_with_ico:
            for order in shop.iter_orders_for_transfer(since=since):
                self._seen(order.modified)
                if order.customer_id or not order.billing.ico.strip():
                    continue
                card = cm.card_from_billing(order.billing)
                key = f"ico:{card.ico}"
                known = self.shop_sides.get(key)
                if known is None or (known.modified or order.modified) <= order.modified:
                    self.shop_sides[key] = ShopSide(key, card, None, order.modified)
            ctx.count_request("eshop")
        self.stats["zákazníci e-shopu"] = len(self.shop_sides)

    def _seen(self, moment: datetime | None) -> None:
        if moment is not None and (self.shop_max_seen is None or moment > self.shop_max_seen):
            self.shop_max_seen = moment

    def read_pohoda(self) -> None:
        """Address book records changed since the POHODA watermark (and which of them the user filter lets out)."""
        checkpoint = ledger.get_checkpoint(AGENDA_IN)
        since = None if self.read_all or checkpoint is None else pohoda_since(checkpoint.cursor, OVERLAP)
        records, self.pohoda_stamp = self.pohoda_list(last_changes=since)
        self.pohoda_complete = since is None
        eligible: set[int] | None = None
        if self.cs.to_eshop and self.cs.user_filter:
            filtered, _ = self.pohoda_list(last_changes=since, user_filter=self.cs.user_filter)
            eligible = {r.id for r in filtered}
        for entry in records:
            ok = self.cs.to_eshop and (eligible is None or entry.id in eligible)
            self.pohoda_sides[entry.id] = PohodaSide(entry, cm.card_from_entry(entry), eligible=ok)
        self.stats["adresy POHODY"] = len(self.pohoda_sides)

    # ------------------------------------------------------------------ pairing

    def pair_up(self) -> list[Pair]:
        """Pair what was read with the links in the ledger and with each other (IČO, e-mail)."""
        links = ledger.entries_for(AGENDA_OUT, self.shop_sides)
        by_pohoda = _links_by_pohoda_id(self.pohoda_sides)
        for entry in by_pohoda:
            links.setdefault(entry.key, entry)
        pairs: dict[str, Pair] = {}
        claimed: set[int] = set()
        for key, link in links.items():
            pohoda = self.pohoda_sides.get(link.pohoda_id) if link.pohoda_id else None
            shop_id = int(link.shop_id) if link.shop_id.isdigit() else (int(key) if key.isdigit() else None)
            pairs[key] = Pair(key, self.shop_sides.get(key), pohoda, link, link.pohoda_id, shop_id)
            if pohoda is not None:
                claimed.add(pohoda.id)
        by_ico: dict[str, PohodaSide] = {}
        by_email: dict[str, PohodaSide] = {}
        by_ext: dict[str, PohodaSide] = {}
        for side in sorted(self.pohoda_sides.values(), key=lambda s: -s.id):
            if side.card.ico:
                by_ico[side.card.ico] = side
            if side.card.email:
                by_email[side.card.email] = side
            if side.entry.ext_id:
                by_ext[side.entry.ext_id] = side
        for key, shop in self.shop_sides.items():
            if key in pairs:
                continue
            pohoda = by_ext.get(key) or (by_ico.get(shop.card.ico) if shop.card.ico else None) or (
                by_email.get(shop.card.email) if shop.customer is not None and shop.card.email else None)
            if (pohoda is None and self.cs.to_pohoda and not self.pohoda_complete and shop.card.ico
                    and not cm.ico_problem(shop.card.ico)):
                pohoda = self.lookup_ico(shop.card.ico)
            pairs[key] = Pair(key, shop, pohoda, None, pohoda.id if pohoda else None, shop.customer_id)
            if pohoda is not None:
                claimed.add(pohoda.id)
        unlinked = [s for s in self.pohoda_sides.values() if s.id not in claimed and s.eligible]
        for pair in self.pair_pohoda_records(unlinked, pairs):
            pairs[pair.event_key] = pair
        chosen = list(pairs.values())
        if self.keys:
            chosen = [p for p in chosen if p.key in self.keys or f"{IN_PREFIX}{p.pohoda_id}" in self.keys]
        return chosen

    def lookup_ico(self, ico: str) -> PohodaSide | None:
        """A POHODA record with this IČO not read in this run (it did not change), or None."""
        found, _ = self.pohoda_list(ico=ico)
        if not found:
            return None
        entry = min(found, key=lambda e: e.id)
        side = PohodaSide(entry, cm.card_from_entry(entry), eligible=False, changed=False)
        return side

    def pair_pohoda_records(self, records: list[PohodaSide], pairs: dict[str, Pair]) -> list[Pair]:
        """POHODA records no shop customer is linked to: pair by e-mail, report the ones that cannot go."""
        ctx = self.ctx
        ready: list[PohodaSide] = []
        for side in records:
            problem = cm.email_problem(side.card.email)
            if problem:
                self.skip_record(side, problem)
                continue
            ready.append(side)
        kept, duplicates = cm.dedupe_by_email([s.entry for s in ready])
        for dup in duplicates:
            self.hold_duplicate(self.pohoda_sides[dup.entry.id], dup.kept_id)
        out: list[Pair] = []
        shop_by_email = {s.card.email: s for s in self.shop_sides.values() if s.customer is not None}
        for entry in kept:
            side = self.pohoda_sides[entry.id]
            ctx.check_cancel()
            shop = shop_by_email.get(side.card.email)
            if shop is None:
                if self.shop_by_email is not None:
                    found = self.shop_by_email.get(side.card.email)
                else:
                    found = ctx.eshop().find_customer(side.card.email)
                    ctx.count_request("eshop")
                if found is not None:
                    shop = ShopSide(str(found.id), cm.card_from_customer(found), found, found.modified, changed=False)
            if shop is not None:
                existing = pairs.get(shop.key)
                if existing is not None and existing.pohoda_id and existing.pohoda_id != side.id:
                    self.hold_duplicate(side, existing.pohoda_id)
                    continue
                link = existing.link if existing is not None else ledger.get_entry(AGENDA_OUT, shop.key)
                if link is not None and link.pohoda_id and link.pohoda_id != side.id:
                    self.hold_duplicate(side, link.pohoda_id)
                    continue
                pairs.pop(shop.key, None)
                out.append(Pair(shop.key, shop, side, link, side.id, shop.customer_id))
            else:
                out.append(Pair("", None, side, None, side.id, None))
        return out

    def skip_record(self, side: PohodaSide, reason: str) -> None:
        """A record that cannot become a shop customer (no or invalid e-mail): listed, not sent."""
        label = _label_pohoda(side.id, side.card)
        message = f"Nepřeneseno do e-shopu: {reason}."
        self.stats["bez e-mailu"] += 1
        self.ctx.skipped(f"{IN_PREFIX}{side.id}", message, label=label, record=True)
        if not self.ctx.dry_run:
            ledger.save_entry(AGENDA_IN, str(side.id), label=label, state="skipped", error=message,
                              run=self.ctx.run_id, details={"pohoda": side.card.as_dict()})

    def hold_duplicate(self, side: PohodaSide, kept_id: int) -> None:
        """A second POHODA record with an e-mail that already has its shop customer: a person decides."""
        label = _label_pohoda(side.id, side.card)
        message = (f"E-mail {side.card.email} má v adresáři POHODY i záznam #{kept_id}; do e-shopu jde jen ten. "
                   "Sjednoťte záznamy v POHODĚ (nebo jednomu e-mail změňte).")
        self.stats["duplicitní e-maily"] += 1
        self.ctx.held(f"{IN_PREFIX}{side.id}", message, label=label)
        if not self.ctx.dry_run:
            ledger.save_entry(AGENDA_IN, str(side.id), label=label, state="held", error=message,
                              run=self.ctx.run_id, details={"pohoda": side.card.as_dict(), "kept_id": kept_id,
                                                            "kind": "duplicate_email"})

    # ------------------------------------------------------------------ deciding

    def decide(self, pairs: Iterable[Pair]) -> Plan:
        """Classify every pair and turn it into writes, agreements and conflicts."""
        plan = Plan()
        for pair in pairs:
            shop_now = pair.shop.card if pair.shop is not None else None
            pohoda_now = pair.pohoda.card if pair.pohoda is not None else None
            agreed_shop, agreed_pohoda = pair.agreed("shop"), pair.agreed("pohoda")
            # a side looked up (not read as changed) counts as unchanged: its card is the agreed one
            if pair.shop is not None and not pair.shop.changed and agreed_shop is None:
                agreed_shop = shop_now
            if pair.pohoda is not None and not pair.pohoda.changed and agreed_pohoda is None:
                agreed_pohoda = pohoda_now
            action = cm.classify(shop_now, pohoda_now, agreed_shop, agreed_pohoda)
            if action == "same":
                shop_card, pohoda_card = shop_now or agreed_shop, pohoda_now or agreed_pohoda
                if pair.key and shop_card is not None and pohoda_card is not None and (
                        pair.link is None or agreed_shop != shop_card or agreed_pohoda != pohoda_card):
                    plan.agree.append((pair, shop_card, pohoda_card))
                else:
                    self.ctx.skipped(pair.event_key)
            elif action == "to_pohoda":
                self.plan_to_pohoda(plan, pair)
            elif action == "to_eshop":
                self.plan_to_eshop(plan, pair)
            else:
                self.conflict(plan, pair)
        return plan

    def plan_to_pohoda(self, plan: Plan, pair: Pair, resolves: str = "") -> bool:
        """Queue an upsert of the shop's card, unless the direction is off or the card is invalid."""
        assert pair.shop is not None
        if not self.cs.to_pohoda:
            return False
        problems = cm.card_problems(pair.shop.card)
        if problems:
            self.invalid(pair, problems)
            return False
        plan.to_pohoda.append(ToPohoda(pair, pair.shop.card, pair.shop.card, resolves))
        return True

    def plan_to_eshop(self, plan: Plan, pair: Pair, resolves: str = "") -> bool:
        """Queue a shop write of POHODA's card, if allowed (direction, user filter, registered customer)."""
        assert pair.pohoda is not None
        if not self.cs.to_eshop or not pair.pohoda.eligible or pair.key.startswith("ico:"):
            return False
        if pair.shop_id is None and cm.email_problem(pair.pohoda.card.email):
            self.skip_record(pair.pohoda, cm.email_problem(pair.pohoda.card.email) or "")
            return False
        plan.to_eshop.append(ToEshop(pair, pair.pohoda.card, resolves))
        return True

    def invalid(self, pair: Pair, problems: list[str]) -> None:
        """A shop customer whose IČO / DIČ is invalid: an error with the reason, nothing sent."""
        assert pair.shop is not None
        label = _label_shop(pair.key, pair.shop.card)
        message = "Nezapsáno do POHODY: " + "; ".join(problems) + ". Opravte údaj v e-shopu."
        self.stats["neplatné IČO/DIČ"] += 1
        self.ctx.error(pair.key, message, label=label)
        if not self.ctx.dry_run:
            ledger.save_entry(AGENDA_OUT, pair.key, label=label, state="error", error=message, run=self.ctx.run_id,
                              shop_id=str(pair.shop_id or ""),
                              details={**(pair.link.details_value() or {} if pair.link else {}),
                                       "invalid": problems, "card": pair.shop.card.as_dict()})

    def conflict(self, plan: Plan, pair: Pair) -> None:
        """Both sides changed differently: the master rule decides, a person sees it and may overrule."""
        assert pair.shop is not None and pair.pohoda is not None
        decision = cm.winner(self.cs.master)
        if decision == "pohoda" and pair.key.startswith("ico:"):
            # a guest has no shop record to overwrite: POHODA simply keeps its version
            plan.agree.append((pair, pair.shop.card, pair.pohoda.card))
            applied = True
        elif decision == "pohoda":
            applied = self.plan_to_eshop(plan, pair, resolves="pohoda")
        else:
            applied = self.plan_to_pohoda(plan, pair, resolves="eshop")
        kind = "first_pairing" if pair.link is None else "both_changed"
        record = cm.conflict_record(key=pair.key, shop_card=pair.shop.card, pohoda_card=pair.pohoda.card,
                                    master=self.cs.master, applied=applied, shop_id=pair.shop_id,
                                    pohoda_id=pair.pohoda_id, kind=kind)
        message = cm.conflict_message(decision, applied, record["fields"], kind)  # type: ignore[arg-type]
        self.stats["konflikty"] += 1
        label = _label_shop(pair.key, pair.shop.card)
        if applied:  # the master's write follows as its own event; this one says why
            self.ctx.event(pair.key, "warning", message, label=label)
        else:
            self.ctx.held(pair.key, message, label=label)
        if not self.ctx.dry_run:
            ledger.save_entry(AGENDA_CONFLICT, pair.key, label=label, state="held", error=message,
                              run=self.ctx.run_id, pohoda_id=pair.pohoda_id, shop_id=str(pair.shop_id or ""),
                              details=record)

    # ------------------------------------------------------------------ after writing

    def after_write(self, pair: Pair, resolves: str) -> None:
        """A normal write supersedes an older open conflict of the same customer."""
        if resolves or not pair.key or self.ctx.dry_run or pair.key not in self.open_conflicts:
            return
        open_conflict = ledger.get_entry(AGENDA_CONFLICT, pair.key)
        if open_conflict is not None and open_conflict.state == "held":
            details = open_conflict.details_value() or {}
            ledger.save_entry(AGENDA_CONFLICT, pair.key, state="ok", run=self.ctx.run_id,
                              details={**details, "resolved": "superseded"},
                              error="Vyřešeno novější změnou, která prošla bez konfliktu.")

    def save_agreements(self, agreed: Sequence[tuple[Pair, cm.CustomerCard, cm.CustomerCard]]) -> None:
        """Pairs whose data already agree: remember the link and both cards, send nothing."""
        for pair, shop_card, pohoda_card in agreed:
            label = _label_shop(pair.key, shop_card)
            first = pair.link is None or not pair.link.pohoda_id
            if self.ctx.dry_run:
                if first:
                    self.ctx.event(pair.key, "preview", "Náhled: údaje se shodují, záznamy se jen propojí.",
                                   label=label)
                continue
            ledger.save_entry(AGENDA_OUT, pair.key, label=label, state="ok", error="", run=self.ctx.run_id,
                              pohoda_id=pair.pohoda_id, shop_id=str(pair.shop_id or ""),
                              payload_hash=shop_card.digest(),
                              details={"shop": shop_card.as_dict(), "pohoda": pohoda_card.as_dict()})
            if first:
                self.ctx.skipped(pair.key, f"Údaje se shodují; propojeno se záznamem POHODY #{pair.pohoda_id}.",
                                 label=label, record=True)
            else:
                self.ctx.skipped(pair.key)

    def save_checkpoints(self) -> None:
        """Advance both watermarks (not in a preview or a retry of a few keys)."""
        if self.ctx.dry_run or self.keys:
            return
        shop_prev = ledger.get_checkpoint(AGENDA_OUT)
        seen = self.shop_max_seen
        if self.shop_failed_at is not None and (seen is None or self.shop_failed_at < seen):
            seen = self.shop_failed_at  # failed customers are read again next time
        cursor = next_shop_cursor(shop_prev.cursor if shop_prev else "", seen, self.signpost)
        if cursor:
            ledger.set_checkpoint(AGENDA_OUT, cursor, now=self.ctx.now())
        if not self.pohoda_failed:
            prev = ledger.get_checkpoint(AGENDA_IN)
            local = self.signpost.astimezone().replace(tzinfo=None)
            ledger.set_checkpoint(AGENDA_IN, next_pohoda_cursor(prev.cursor if prev else "", self.pohoda_stamp, local),
                                  now=self.ctx.now())


def _links_by_pohoda_id(sides: dict[int, PohodaSide]) -> list[ledger.Entry]:
    """``customers_out`` links pointing at any of these POHODA records."""
    ids = list(sides)
    found: list[ledger.Entry] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        found.extend(ledger.Entry.select().where((ledger.Entry.agenda == AGENDA_OUT)
                                                 & (ledger.Entry.pohoda_id.in_(chunk))))
    return found


# --------------------------------------------------------------------------- a person's decision


class _Take(_Base):
    """Apply one side's version of listed conflicts to both systems (the buttons on the Adresář page)."""

    def __init__(self, ctx: JobContext, keys: list[str], side: str) -> None:
        super().__init__(ctx)
        self.keys = keys
        self.side = side

    def run(self) -> None:
        ctx = self.ctx
        conflicts = ledger.entries_for(AGENDA_CONFLICT, self.keys)
        ctx.progress(0, len(self.keys), "Použiji vybranou verzi")
        for key in self.keys:
            ctx.check_cancel()
            entry = conflicts.get(key)
            details = entry.details_value() if entry is not None else None
            if not isinstance(details, dict) or entry is None or entry.state != "held":
                ctx.skipped(key, "Konflikt už není otevřený (vyřešen jinak nebo neexistuje).", record=True)
                ctx.advance()
                continue
            self.apply(key, entry, details)
            ctx.advance()
        self.finish_preview()

    def apply(self, key: str, entry: ledger.Entry, details: dict[str, Any]) -> None:
        """Write the chosen card to POHODA and the shop, then close the conflict."""
        ctx = self.ctx
        chosen = cm.CustomerCard.from_dict(details.get(self.side)) or cm.CustomerCard()
        shop_card = cm.CustomerCard.from_dict(details.get("eshop")) or chosen
        pohoda_id = details.get("pohoda_id")
        shop_id = details.get("shop_id")
        link = ledger.get_entry(AGENDA_OUT, key)
        pair = Pair(key, ShopSide(key, shop_card, None, None), None, link,
                    int(pohoda_id) if pohoda_id else None, int(shop_id) if shop_id else None)
        agreed_pohoda = cm.after_upsert(pair.agreed("pohoda"), chosen)
        problems = cm.card_problems(chosen)
        if problems:
            ctx.error(key, "Verzi nelze zapsat do POHODY: " + "; ".join(problems) + ".", label=entry.label)
            return
        # POHODA first: the address book gets the chosen version by its own id
        job = ToPohoda(pair, chosen, chosen, resolves=self.side)
        results = self.send_to_pohoda([job])
        if ctx.dry_run:
            self.record_pohoda_result(job, None, results[0][2])
        else:
            _job, answer, item = results[0]
            if not self.record_pohoda_result(job, answer, item):
                return
        customer = None
        if pair.shop_id:
            pair.pohoda = PohodaSide(AddressBookEntry(pair.pohoda_id or 0, chosen.to_address()), chosen)
            customer = self.write_to_shop(ToEshop(pair, chosen, resolves=self.side))
            if customer is None and not ctx.dry_run:
                return
        if ctx.dry_run:
            return
        agreed_shop = cm.card_from_customer(customer) if customer is not None else chosen
        ledger.save_entry(AGENDA_OUT, key, payload_hash=agreed_shop.digest(), state="ok",
                          details={"shop": agreed_shop.as_dict(), "pohoda": agreed_pohoda.as_dict()})
        side_name = "e-shopu" if self.side == "eshop" else "POHODY"
        ledger.save_entry(AGENDA_CONFLICT, key, state="ok", run=ctx.run_id,
                          error=f"Rozhodnuto ručně: použita verze {side_name}.",
                          details={**details, "resolved": self.side})


# --------------------------------------------------------------------------- for the Adresář page


@dataclass
class ConflictView:
    """One conflict as the Adresář page shows it."""

    key: str
    label: str
    kind: str
    eshop: dict[str, str]
    pohoda: dict[str, str]
    fields: list[str]
    decision: str
    applied: bool
    message: str
    updated_at: datetime | None
    state: str
    resolved: str = ""


@dataclass
class Overview:
    """Everything the Adresář page lists."""

    conflicts: list[ConflictView]
    resolved: list[ConflictView]
    duplicates: list[ledger.Entry]
    skipped: list[ledger.Entry]
    invalid: list[ledger.Entry]
    counts: dict[str, int]
    master: str = "pohoda"


def _conflict_view(entry: ledger.Entry) -> ConflictView:
    details = entry.details_value() or {}
    return ConflictView(
        key=entry.key, label=entry.label, kind=str(details.get("kind", "")),
        eshop=dict(details.get("eshop") or {}), pohoda=dict(details.get("pohoda") or {}),
        fields=list(details.get("fields") or []), decision=str(details.get("decision", "")),
        applied=bool(details.get("applied")), message=entry.error, updated_at=entry.updated_at,
        state=entry.state, resolved=str(details.get("resolved", "")),
    )


def summary_counts() -> dict[str, int]:
    """Counts for the dashboard card: open conflicts, duplicates, skipped records, invalid IČO/DIČ."""
    conflicts = ledger.count_entries(AGENDA_CONFLICT)
    incoming = ledger.count_entries(AGENDA_IN)
    outgoing = ledger.count_entries(AGENDA_OUT)
    return {
        "conflicts": conflicts.get("held", 0),
        "duplicates": incoming.get("held", 0),
        "skipped": incoming.get("skipped", 0),
        "invalid": outgoing.get("error", 0),
        "linked": outgoing.get("ok", 0),
    }


def overview(*, master: str = "pohoda", limit: int = 200) -> Overview:
    """The Adresář page: open conflicts (both versions), recent decisions, duplicates, skipped, invalid."""
    open_ = ledger.entries(agenda=AGENDA_CONFLICT, state="held", limit=limit)
    done = ledger.entries(agenda=AGENDA_CONFLICT, state="ok", limit=20)
    return Overview(
        conflicts=[_conflict_view(e) for e in open_],
        resolved=[_conflict_view(e) for e in done],
        duplicates=ledger.entries(agenda=AGENDA_IN, state="held", limit=limit),
        skipped=ledger.entries(agenda=AGENDA_IN, state="skipped", limit=limit),
        invalid=ledger.entries(agenda=AGENDA_OUT, state="error", limit=limit),
        counts=summary_counts(),
        master=master,
    )


def dismiss_conflicts(keys: Sequence[str]) -> int:
    """Keep the master rule's decision for these conflicts (close them without writing); returns how many."""
    count = 0
    for key, entry in ledger.entries_for(AGENDA_CONFLICT, keys).items():
        if entry.state != "held":
            continue
        details = entry.details_value() or {}
        ledger.save_entry(AGENDA_CONFLICT, key, state="ok", error="Rozhodnutí podle pravidla přednosti potvrzeno.",
                          details={**details, "resolved": "kept"})
        count += 1
    return count
