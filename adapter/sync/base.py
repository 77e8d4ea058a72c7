"""The one shape of a sync job: :class:`AgendaJob`.

An agenda states its facts as class attributes and implements :meth:`AgendaJob.run`;
the runner (:mod:`adapter.sync.runner`) owns everything around a run — the ledger's Run
row, progress, cancel, the final status — and the job context
(:class:`~adapter.sync.context.JobContext`) owns the per-run counters, so no agenda keeps
counters of its own. Modelled on Singer SDK's ``Stream`` (facts as attributes, one method
that does the work, the base owns the bookkeeping) and fava's extension base class (a few
hooks, nothing clever).

A new agenda is one folder under ``adapter/sync/`` with a ``job.py`` holding one subclass,
registered by one line in :mod:`adapter.sync.registry`::

    class RefundsJob(AgendaJob):
        agenda = "refunds"
        direction = "E-shop → POHODA"
        actions = ("sync", "preview", "full")
        ledger_agendas = ("refunds",)
        watermark = "refunds"
        batch_size = 50

        def run(self, ctx: JobContext) -> None:
            ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.sync.context import JobContext

#: directions in words, as the dashboard shows them
TO_POHODA = "E-shop → POHODA"
TO_SHOP = "POHODA → e-shop"
BOTH_WAYS = "E-shop ⇄ POHODA"


class AgendaJob:
    """One agenda's sync job; subclasses state the facts and implement :meth:`run`."""

    #: the agenda key (``[orders]`` in settings, ``sync orders`` on the CLI, the ledger's Run.agenda)
    agenda: ClassVar[str]
    #: which way documents go, in words (:data:`TO_POHODA`, :data:`TO_SHOP`, :data:`BOTH_WAYS`)
    direction: ClassVar[str]
    #: the dashboard's buttons: ``sync`` (changes), ``preview`` (dry run), ``full`` (everything again)
    actions: ClassVar[tuple[str, ...]] = ("sync", "preview")
    #: the ledger agendas (``Entry.agenda``) the job records documents under, with their Czech titles;
    #: the agenda's own key is implied
    ledger_agendas: ClassVar[dict[str, str]] = {}
    #: the ledger checkpoint (``Checkpoint.agenda``) the job advances, or None for no watermark
    watermark: ClassVar[str | None] = None
    #: documents per POHODA pack or shop batch (0: the agenda has no batches)
    batch_size: ClassVar[int] = 0

    def sides(self, ctx: JobContext) -> tuple[str, ...]:
        """The sides (``pohoda``, ``eshop``) a run must reach to end green; both by default.

        The runner contacts any of them the run did not reach by itself
        (:mod:`adapter.sync.reach`), so a run with nothing to do is never green for a dead side.
        """
        return ("pohoda", "eshop")

    def run(self, ctx: JobContext) -> None:
        """Do one run: read, decide, send, record; count through ``ctx``.

        A failure on one document is recorded through ``ctx.error``/``ctx.held``, not raised;
        an :class:`~adapter.errors.AdapterError` raised out of here ends the run as failed
        with its Czech message; ``ctx.check_cancel()`` at safe points.
        """
        raise NotImplementedError

    # ------------------------------------------------------------------ page hooks

    def card(self, settings: Settings) -> dict[str, Any]:
        """Extra facts for the agenda's dashboard card (e.g. orders waiting); none by default."""
        return {}

    def report_lines(self, report: dict[str, Any]) -> list[str]:
        """The run report (``ctx.report``) as Czech lines for the run detail page; none by default."""
        return []
