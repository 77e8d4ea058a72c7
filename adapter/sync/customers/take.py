"""A person's decision on customer conflicts: one side's version written to both systems.

Started from the Adresář page as a customers run with options
``{"keys": [...], "take": "eshop"|"pohoda"}``; POHODA is written first (by its
own record id), then the shop, then the conflict is closed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapter import ledger
from adapter.records import AddressBookEntry
from adapter.sync.customers import mapping as cm
from adapter.sync.customers.send import Writer
from adapter.sync.customers.sides import (
    AGENDA_CONFLICT,
    AGENDA_OUT,
    Pair,
    PohodaSide,
    ShopSide,
    ToEshop,
    ToPohoda,
)

if TYPE_CHECKING:
    from adapter.sync.context import JobContext


class Take:
    """Apply one side's version of listed conflicts to both systems (the buttons on the Adresář page)."""

    def __init__(self, ctx: JobContext, keys: list[str], side: str) -> None:
        self.ctx = ctx
        self.io = Writer(ctx)
        self.keys = keys
        self.side = side

    def run(self) -> None:
        """Apply the chosen side to every listed conflict still open."""
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
        self.io.finish_preview()

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
        results = self.io.send_to_pohoda([job])
        if ctx.dry_run:
            self.io.record_pohoda_result(job, None, results[0][2])
        else:
            _job, answer, item = results[0]
            if not self.io.record_pohoda_result(job, answer, item):
                return
        customer = None
        if pair.shop_id:
            pair.pohoda = PohodaSide(AddressBookEntry(pair.pohoda_id or 0, chosen.to_address()), chosen)
            customer = self.io.write_to_shop(ToEshop(pair, chosen, resolves=self.side))
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


