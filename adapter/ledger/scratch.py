"""Temporary tables a run works in (``temp.*`` of the ledger's connection): created on enter, dropped on exit.

The stock full run and the streamed pairing keep their working sets here instead of in memory; each set of
tables is a subclass in the ledger that names its tables, their ``CREATE`` statements and any ``PRAGMA`` it
needs, gets the same lifetime, and holds every statement run on them
(:class:`~adapter.ledger.pairing_scratch.PairingScratch`, :class:`~adapter.ledger.stock_plan.StockPlanTables`).
"""

from __future__ import annotations

from typing import Generic, Self, TypeVar

from adapter.ledger.models import database


class TempTables:
    """A context manager owning a set of ``temp`` tables (any left from a crashed run are dropped first)."""

    TABLES: tuple[str, ...] = ()  #: the temp tables' names, dropped on close
    SCHEMA: tuple[str, ...] = ()  #: their CREATE statements (and indexes), run on enter
    PRAGMAS: tuple[str, ...] = ()  #: run on enter, before the schema

    def __enter__(self) -> Self:
        self.close()
        for sql in (*self.PRAGMAS, *self.SCHEMA):
            database.execute_sql(sql)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the temporary tables."""
        for table in self.TABLES:
            database.execute_sql(f"DROP TABLE IF EXISTS temp.{table}")


T = TypeVar("T", bound=TempTables)


class InTempTables(Generic[T]):
    """A run's working object over a :class:`TempTables` set (``self._tables``): its ``with`` creates the
    tables and drops them at the end (:class:`~adapter.sync.pairing.stream.ScratchPairing`,
    :class:`~adapter.sync.stock.full.PlanTable`)."""

    _tables: T

    def __enter__(self) -> Self:
        self._tables.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the temporary tables."""
        self._tables.close()
