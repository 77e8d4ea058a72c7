"""Which class runs which agenda: one line per agenda, nothing discovered by magic.

Each value names ``module:Class`` — an :class:`~adapter.sync.base.AgendaJob` subclass in the
agenda's folder. Jobs are imported when first needed, so starting the app or the CLI does
not import every agenda.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from adapter.config import AGENDAS
from adapter.errors import AdapterError

if TYPE_CHECKING:
    from adapter.sync.base import AgendaJob
    from adapter.sync.context import JobContext

#: agenda → ``module:Class`` (or, while an agenda still has the old shape, the module with ``run``)
JOBS: dict[str, str] = {
    "orders": "adapter.sync.orders.job:OrdersJob",
    "invoices": "adapter.sync.invoices.job:InvoicesJob",
    "stock": "adapter.sync.stock.job:StockJob",
    "products": "adapter.sync.products.job:ProductsJob",
    "customers": "adapter.sync.customers.job:CustomersJob",
    "payments": "adapter.sync.payments.job:PaymentsJob",
    "states": "adapter.sync.states.job:StatesJob",
    "documents": "adapter.sync.invoice_pdfs.job:DocumentsJob",
    "refunds": "adapter.sync.refunds.job:RefundsJob",
}


def job_class(agenda: str) -> type[AgendaJob]:
    """The job class of ``agenda`` (raises a Czech error for an unknown agenda)."""
    spec = JOBS.get(agenda)
    if spec is None or agenda not in AGENDAS:
        raise AdapterError(f"Neznámá agenda „{agenda}“. Povolené: {', '.join(AGENDAS)}.")
    module_name, _, class_name = spec.partition(":")
    cls: type[AgendaJob] = getattr(importlib.import_module(module_name), class_name)
    return cls


def load_job(agenda: str) -> Callable[[JobContext], None]:
    """A callable that runs one run of ``agenda``'s job."""
    spec = JOBS.get(agenda, "")
    if spec and ":" not in spec and agenda in AGENDAS:  # an agenda not yet in the one shape
        fn: Callable[[JobContext], None] = importlib.import_module(spec).run
        return fn
    return job_class(agenda)().run
