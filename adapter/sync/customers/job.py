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

from typing import TYPE_CHECKING, ClassVar

from adapter.errors import AdapterError
from adapter.sync.base import BOTH_WAYS, AgendaJob
from adapter.sync.customers.sides import AGENDA, AGENDA_CONFLICT, AGENDA_IN, AGENDA_OUT, PACK_SIZE
from adapter.sync.customers.sync import Sync
from adapter.sync.customers.take import Take

if TYPE_CHECKING:
    from adapter.sync.context import JobContext


class CustomersJob(AgendaJob):
    """The customers job: both directions per ``[customers]`` (:class:`Sync`), or a person's decision (:class:`Take`)."""

    agenda = AGENDA
    direction = BOTH_WAYS
    actions = ("sync", "preview", "full")
    ledger_agendas: ClassVar[dict[str, str]] = {
        AGENDA_OUT: "Adresář → POHODA",
        AGENDA_IN: "Adresář → e-shop",
        AGENDA_CONFLICT: "Adresář – konflikty",
    }
    watermark = AGENDA_OUT
    batch_size = PACK_SIZE

    def run(self, ctx: JobContext) -> None:
        """Apply a person's decision when the options carry one, else sync both directions."""
        take = str(ctx.options.get("take") or "")
        if take:
            if take not in ("eshop", "pohoda"):
                raise AdapterError("Neznámá volba strany: použijte „eshop“ nebo „pohoda“.")
            Take(ctx, [str(k) for k in ctx.options.get("keys") or []], take).run()
            return
        cs = ctx.settings.customers
        if not (cs.to_pohoda or cs.to_eshop):
            ctx.message = ("Oba směry Adresáře jsou vypnuté. Zapněte „Zákazníci do POHODY“ nebo „Adresář do e-shopu“ "
                           "v Nastavení › Adresář.")
            return
        Sync(ctx).run()
