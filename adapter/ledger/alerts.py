"""Ledger tables of the alerts, their deliveries and the unmapped shop values.

* ``AlertProblem`` — one row per problem (``key``, e.g. ``mserver_down`` or
  ``run:orders``): when it was first seen, whether a person was told, when it
  cleared. One message per problem, a recovery message when it clears.
* ``AlertDelivery`` — every e-mail the alerts sent or tried to send.
* ``UnmappedValue`` — a payment method, carrier, status or tax value seen in
  an order but not mapped to POHODA (shown as *nová hodnota*).

The tables are created by the ledger migration that calls :func:`create_tables`.
"""

from __future__ import annotations

from datetime import datetime

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
    SqliteDatabase,
    TextField,
)

from adapter.ledger import BaseModel, UTCDateTimeField

PROBLEM_STATES = ("pending", "open", "cleared")


class AlertProblem(BaseModel):
    """One problem the alerts watch, from first sight to recovery."""

    id = AutoField()
    key = CharField(unique=True)
    kind = CharField()  #: mserver_down, eshop_down, run_failed, order_waiting, unmapped
    title = CharField(default="")  #: Czech one-liner (the e-mail subject)
    message = TextField(default="")  #: Czech: what happened and what to do
    link = CharField(default="")  #: path of the page that fixes it, e.g. /mapping/payment
    state = CharField(default="pending", index=True)  #: pending (seen, not yet due), open (told), cleared
    first_seen_at: UTCDateTimeField[datetime] = UTCDateTimeField()
    last_seen_at: UTCDateTimeField[datetime] = UTCDateTimeField()
    notified_at: UTCDateTimeField[datetime | None] = UTCDateTimeField(null=True)
    cleared_at: UTCDateTimeField[datetime | None] = UTCDateTimeField(null=True)


class AlertDelivery(BaseModel):
    """One e-mail the alerts sent (or failed to send)."""

    id = AutoField()
    problem = ForeignKeyField(AlertProblem, null=True, on_delete="SET NULL", backref="deliveries")
    kind = CharField()  #: alert, recovery, digest, test
    recipients = TextField(default="")
    subject = CharField(default="")
    body = TextField(default="")
    ok = BooleanField(default=False)
    error = TextField(default="")
    at: UTCDateTimeField[datetime] = UTCDateTimeField(index=True)


class UnmappedValue(BaseModel):
    """A shop value an order used that the mapping does not know."""

    id = AutoField()
    kind = CharField()  #: payment, carrier, status, tax
    value = CharField()
    label = CharField(default="")  #: the shop's own title, e.g. "Dobírka"
    orders = IntegerField(default=0)  #: how many orders carried it
    example = CharField(default="")  #: an order number that carried it
    first_seen_at: UTCDateTimeField[datetime] = UTCDateTimeField()
    last_seen_at: UTCDateTimeField[datetime] = UTCDateTimeField()
    resolved_at: UTCDateTimeField[datetime | None] = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("kind", "value"), True),)


MODELS = (AlertProblem, AlertDelivery, UnmappedValue)


def create_tables(db: SqliteDatabase) -> None:
    """Create the tables (safe to call again)."""
    db.create_tables(MODELS, safe=True)
