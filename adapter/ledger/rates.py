"""The ledger's cache of ČNB rates: one row per (requested day, currency), so each day is fetched once.

The table comes with its own migration (:func:`create_table`, appended to
:data:`adapter.ledger.migrations.MIGRATIONS`); it is self-contained.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from peewee import CharField, CompositeKey, DateField, IntegerField, SqliteDatabase

from adapter.ledger.models import BaseModel


class CurrencyRate(BaseModel):
    """A ČNB rate valid on ``day`` (the file's own date is ``source_day``)."""

    day = DateField()
    code = CharField(max_length=3)
    amount = IntegerField(default=1)
    rate = CharField()  #: Decimal as text
    source_day = DateField()

    class Meta:
        table_name = "currency_rate"
        primary_key = CompositeKey("day", "code")


def create_table(db: SqliteDatabase) -> None:
    """The migration: create ``currency_rate``."""
    db.create_tables([CurrencyRate], safe=True)


def cached(day: date, code: str) -> tuple[Decimal, int] | None:
    """(rate, amount) cached for ``day`` and ``code``, or None."""
    row = CurrencyRate.get_or_none((CurrencyRate.day == day) & (CurrencyRate.code == code.upper()))
    return None if row is None else (Decimal(row.rate), int(row.amount))


def day_cached(day: date) -> bool:
    """True when the file for ``day`` has been stored (whatever currencies it had)."""
    return CurrencyRate.select().where(CurrencyRate.day == day).exists()


def store(day: date, source_day: date, rates: dict[str, tuple[Decimal, int]]) -> None:
    """Keep every currency of the file fetched for ``day``."""
    with CurrencyRate._meta.database.atomic():
        for code, (rate, amount) in rates.items():
            CurrencyRate.insert(day=day, code=code.upper(), amount=amount, rate=str(rate),
                                source_day=source_day).on_conflict_replace().execute()
