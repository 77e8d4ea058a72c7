"""The customers job's I/O: POHODA's address book listed and upserted, shop customers written.

One :class:`Writer` per run, used by both the sync (:mod:`~adapter.sync.customers.sync`)
and a person's decision (:mod:`~adapter.sync.customers.take`). Every upsert
goes in packs of :data:`~adapter.sync.customers.sides.PACK_SIZE`, its ledger
row marked ``sending`` before the pack goes out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from adapter import ledger
from adapter.errors import EshopRejected, PohodaError
from adapter.pohoda.addressbook import addressbook_item, list_addressbook_request, parse_list_addressbook
from adapter.pohoda.envelope import PackItem, build_pack
from adapter.records import AddressBookEntry, Customer, ItemResult
from adapter.sync.customers import mapping as cm
from adapter.sync.customers.sides import (
    AGENDA_IN,
    AGENDA_OUT,
    IN_PREFIX,
    PACK_SIZE,
    PAGE_SIZE,
    PREVIEW_LIMIT,
    Pair,
    ToEshop,
    ToPohoda,
    chunks,
    label_pohoda,
    label_shop,
)

if TYPE_CHECKING:
    from adapter.sync.context import JobContext


@dataclass(frozen=True, slots=True)
class ShopWrite:
    """What the shop did with one customer: the stored customer, or the preview line, or its refusal."""

    result: Customer | None = None
    created: bool = False
    preview: str = ""
    refused: str = ""


class Writer:
    """The customers job's I/O, shared by the sync and by a person's decision (used by both, not inherited)."""

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
        for chunk in chunks(jobs, PACK_SIZE):
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
        return addressbook_item(cm.addressbook_doc(key, card, ext_system=ext_system), pohoda_id=pohoda_id)

    def _item(self, job: ToPohoda) -> PackItem:
        return self._item_for(job.pair.key, job.card, job.pair.pohoda_id, self.ext_system)

    def record_pohoda_result(self, job: ToPohoda, answer: ItemResult | None, item: PackItem,
                             rows: list[dict[str, Any]] | None = None) -> bool:
        """Ledger and events for one upsert; True when POHODA stored it.

        With ``rows`` the ledger row of a stored item is appended there for one
        batched write per pack (:func:`save_ok_rows`) instead of written now.
        """
        pair, ctx = job.pair, self.ctx
        label = label_shop(pair.key, job.shop_card)
        if answer is None:
            target = f"záznam #{pair.pohoda_id}" if pair.pohoda_id else "nový záznam"
            ctx.event(pair.key, "preview", f"Náhled: zapíše se do adresáře POHODY ({target}).", label=label)
            return False
        details = [{"state": d.state, "errno": d.errno, "note": d.note, "xpath": d.xpath} for d in answer.details]
        warnings = [*item.warnings, *(d.note for d in answer.warnings if d.note)]
        sent = item.text()
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
        return self.record_shop_write(job, self.shop_write(job))

    def shop_write(self, job: ToEshop) -> ShopWrite:
        """The shop's part of :meth:`write_to_shop`: look the customer up, create or update it (nothing in a
        preview). Touches neither the ledger nor the run's events, so many run at once in worker threads."""
        pair, ctx = job.pair, self.ctx
        try:
            current = self._current_customer(pair)
            if pair.shop_id and current is None:
                raise EshopRejected(f"zákazníka #{pair.shop_id} se v e-shopu nepodařilo dohledat (byl smazán nebo "
                                    "změnil e-mail). Spusťte úplnou kontrolu Adresáře.")
            account_email = current.email if current is not None else job.card.email
            if ctx.dry_run:
                what = (f"aktualizuje zákazník #{current.id}" if current is not None
                        else f"založí zákazník {account_email}")
                return ShopWrite(preview=f"Náhled: v e-shopu se {what}.")
            body = cm.shop_customer(job.card, account_email=account_email,
                                    first_name=current.first_name if current else "",
                                    last_name=current.last_name if current else "")
            shop = ctx.eshop()
            result = shop.update_customer(current.id, body) if current is not None else shop.create_customer(body)
            ctx.count_request("eshop")
        except EshopRejected as exc:
            return ShopWrite(refused=f"E-shop zákazníka nepřijal: {exc.message}")
        return ShopWrite(result=result, created=current is None)

    def record_shop_write(self, job: ToEshop, write: ShopWrite) -> Customer | None:
        """The ledger rows and the run's event of one :meth:`shop_write` (in the job's thread)."""
        pair, ctx = job.pair, self.ctx
        label = label_pohoda(pair.pohoda_id, job.card)
        key = f"{IN_PREFIX}{pair.pohoda_id}"
        if write.preview:
            ctx.event(key, "preview", write.preview, label=label)
            return None
        if write.result is None:
            ledger.save_entry(AGENDA_IN, str(pair.pohoda_id), label=label, state="error", error=write.refused,
                              run=ctx.run_id, shop_id=str(pair.shop_id or ""))
            ctx.error(key, write.refused, label=label)
            return None
        result = write.result
        shop_card = cm.card_from_customer(result)
        details = {"shop": shop_card.as_dict(), "pohoda": job.card.as_dict()}
        ledger.save_entry(AGENDA_IN, str(pair.pohoda_id), label=label, state="ok", error="", run=ctx.run_id,
                          shop_id=str(result.id), payload_hash=job.card.digest(), details=details,
                          eshop_data={"id": result.id, "email": result.email, **shop_card.as_dict()})
        ledger.save_entry(AGENDA_OUT, str(result.id), label=label_shop(str(result.id), shop_card), state="ok",
                          error="", run=ctx.run_id, pohoda_id=pair.pohoda_id, shop_id=str(result.id),
                          payload_hash=shop_card.digest(), details=details)
        verb = "založen" if write.created else "aktualizován"
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

