"""The customers sync: both directions of one incremental (or full, or retry) run.

Reads what changed on each side since its watermark, pairs the records with
the ledger's links and with each other (extId, IČO, e-mail), classifies each
pair (:func:`~adapter.sync.customers.mapping.classify`) and writes through a
:class:`~adapter.sync.customers.send.Writer`. Counters go to ``ctx.tally``
under the Czech names the run report shows (:data:`REPORT_COUNTS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from adapter import ledger
from adapter.ledger.customers import customer_links_to, open_conflict_keys
from adapter.records import Customer
from adapter.sync.customers import mapping as cm
from adapter.sync.customers.send import ShopWrite, Writer
from adapter.sync.customers.sides import (
    AGENDA_CONFLICT,
    AGENDA_IN,
    AGENDA_OUT,
    IN_PREFIX,
    OVERLAP,
    PACK_SIZE,
    Pair,
    Plan,
    PohodaSide,
    ShopSide,
    ToEshop,
    ToPohoda,
    chunks,
    label_pohoda,
    label_shop,
)
from adapter.sync.state import next_pohoda_cursor, next_shop_cursor, pohoda_since, shop_since

if TYPE_CHECKING:
    from datetime import datetime

    from adapter.sync.context import JobContext

#: the run report's counters, in the order it lists them (zeros are left out)
REPORT_COUNTS = ("zákazníci e-shopu", "adresy POHODY", "konflikty", "bez e-mailu", "duplicitní e-maily",
                 "neplatné IČO/DIČ")


class Sync:
    """One incremental (or full, or retry) run of both directions; writes through a :class:`Writer`."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.cs = ctx.settings.customers
        self.io = Writer(ctx)
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

    def run(self) -> None:
        """Read both sides, pair, decide, write to POHODA then to the shop, advance the watermarks."""
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
        self.open_conflicts = open_conflict_keys()
        for chunk in chunks(plan.to_pohoda, PACK_SIZE):
            results = self.io.send_to_pohoda(chunk)
            rows: list[dict[str, Any]] = []
            with ledger.database.atomic():  # one transaction per pack, not per customer
                for job, answer, item in results:
                    stored = self.io.record_pohoda_result(job, answer, item, rows)
                    if stored:
                        self.after_write(job.pair, job.resolves)
                    elif answer is not None and job.pair.shop is not None:
                        moment = job.pair.shop.modified
                        if moment is not None and (self.shop_failed_at is None or moment < self.shop_failed_at):
                            self.shop_failed_at = moment
                    ctx.advance()
                self.io.save_ok_rows(rows)
        ctx.progress(phase="Zapisuji do e-shopu")
        self.write_to_shop(plan.to_eshop)
        self.save_agreements(plan.agree)
        self.io.finish_preview()
        self.save_checkpoints()
        ctx.report.update({k: ctx.tally[k] for k in REPORT_COUNTS if ctx.tally[k]})

    def write_to_shop(self, writes: Sequence[ToEshop]) -> None:
        """Create or update the shop customers, up to ``[eshop] parallel_requests`` at once (each customer is
        its own request); the ledger and the run's events are written here, in order. When the shop fails
        (down, keys refused) the customers it stored before are recorded, then the failure is raised."""
        ctx = self.ctx
        parallel = 1 if ctx.dry_run else max(1, ctx.settings.eshop.parallel_requests)
        pool = ThreadPoolExecutor(parallel, thread_name_prefix="customers-to-shop") if parallel > 1 else None
        try:
            for chunk in chunks(list(writes), 1 if pool is None else parallel * 4):
                ctx.check_cancel()
                if pool is None:
                    self._record_to_shop(chunk[0], self.io.shop_write(chunk[0]))
                    continue
                ctx.eshop()  # made here once, not by several workers at once
                futures = [pool.submit(self.io.shop_write, write) for write in chunk]
                failure: BaseException | None = None
                for write, future in zip(chunk, futures, strict=True):
                    if future.exception() is not None:
                        failure = failure or future.exception()
                        continue
                    self._record_to_shop(write, future.result())
                if failure is not None:
                    raise failure
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def _record_to_shop(self, write: ToEshop, outcome: ShopWrite) -> None:
        if self.io.record_shop_write(write, outcome) is not None:
            self.after_write(write.pair, write.resolves)
        elif not self.ctx.dry_run:
            self.pohoda_failed = True
        self.ctx.advance()

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
        self.ctx.tally["zákazníci e-shopu"] = len(self.shop_sides)

    def _seen(self, moment: datetime | None) -> None:
        if moment is not None and (self.shop_max_seen is None or moment > self.shop_max_seen):
            self.shop_max_seen = moment

    def read_pohoda(self) -> None:
        """Address book records changed since the POHODA watermark (and which of them the user filter lets out)."""
        checkpoint = ledger.get_checkpoint(AGENDA_IN)
        since = None if self.read_all or checkpoint is None else pohoda_since(checkpoint.cursor, OVERLAP)
        records, self.pohoda_stamp = self.io.pohoda_list(last_changes=since)
        self.pohoda_complete = since is None
        eligible: set[int] | None = None
        if self.cs.to_eshop and self.cs.user_filter:
            filtered, _ = self.io.pohoda_list(last_changes=since, user_filter=self.cs.user_filter)
            eligible = {r.id for r in filtered}
        for entry in records:
            ok = self.cs.to_eshop and (eligible is None or entry.id in eligible)
            self.pohoda_sides[entry.id] = PohodaSide(entry, cm.card_from_entry(entry), eligible=ok)
        self.ctx.tally["adresy POHODY"] = len(self.pohoda_sides)

    # ------------------------------------------------------------------ pairing

    def pair_up(self) -> list[Pair]:
        """Pair what was read with the links in the ledger and with each other (IČO, e-mail)."""
        links = ledger.entries_for(AGENDA_OUT, self.shop_sides)
        by_pohoda = customer_links_to(self.pohoda_sides)
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
        found, _ = self.io.pohoda_list(ico=ico)
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
        label = label_pohoda(side.id, side.card)
        message = f"Nepřeneseno do e-shopu: {reason}."
        self.ctx.tally["bez e-mailu"] += 1
        self.ctx.skipped(f"{IN_PREFIX}{side.id}", message, label=label, record=True)
        if not self.ctx.dry_run:
            ledger.save_entry(AGENDA_IN, str(side.id), label=label, state="skipped", error=message,
                              run=self.ctx.run_id, details={"pohoda": side.card.as_dict()})

    def hold_duplicate(self, side: PohodaSide, kept_id: int) -> None:
        """A second POHODA record with an e-mail that already has its shop customer: a person decides."""
        label = label_pohoda(side.id, side.card)
        message = (f"E-mail {side.card.email} má v adresáři POHODY i záznam #{kept_id}; do e-shopu jde jen ten. "
                   "Sjednoťte záznamy v POHODĚ (nebo jednomu e-mail změňte).")
        self.ctx.tally["duplicitní e-maily"] += 1
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
        label = label_shop(pair.key, pair.shop.card)
        message = "Nezapsáno do POHODY: " + "; ".join(problems) + ". Opravte údaj v e-shopu."
        self.ctx.tally["neplatné IČO/DIČ"] += 1
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
        self.ctx.tally["konflikty"] += 1
        label = label_shop(pair.key, pair.shop.card)
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
            label = label_shop(pair.key, shop_card)
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
