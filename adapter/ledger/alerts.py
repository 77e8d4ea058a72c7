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

from collections.abc import Sequence
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
    kind = CharField()  #: mserver_down, mserver_licence, eshop_down, run_failed, order_waiting, unmapped
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


#: one statement per value, prepared once: the orders run notes every order's unmapped values
_NOTE_UNMAPPED = (
    "INSERT INTO unmapped_value (kind, value, label, orders, example, first_seen_at, last_seen_at, resolved_at) "
    "VALUES (?, ?, ?, 1, ?, ?, ?, NULL) "
    "ON CONFLICT (kind, value) DO UPDATE SET orders = orders + (example != excluded.example), "
    "example = excluded.example, label = CASE WHEN excluded.label != '' THEN excluded.label ELSE label END, "
    "last_seen_at = excluded.last_seen_at, resolved_at = NULL"
)


def note_unmapped(values: Sequence[tuple[str, str, str]], example: str, now: datetime) -> None:
    """Record (or re-open) unmapped (kind, value, label) triples seen in the order ``example``.

    A value seen again in another order counts one more order; seen again in the same order, it only
    moves ``last_seen_at``. Needs an open connection.
    """
    stamp = UnmappedValue.last_seen_at.db_value(now)
    db = UnmappedValue._meta.database
    for kind, value, label in values:
        db.execute_sql(_NOTE_UNMAPPED, (kind, value, label, example, stamp, stamp))


_NOTE_SHOP_VALUE = (
    "INSERT INTO unmapped_value (kind, value, label, orders, example, first_seen_at, last_seen_at, resolved_at) "
    "VALUES (?, ?, ?, ?, '', ?, ?, NULL) "
    "ON CONFLICT (kind, value) DO UPDATE SET orders = max(orders, excluded.orders), "
    "label = CASE WHEN excluded.label != '' THEN excluded.label ELSE label END, "
    "last_seen_at = excluded.last_seen_at, resolved_at = NULL"
)


def note_shop_value(kind: str, value: str, label: str, orders: int, now: datetime) -> None:
    """Record (or re-open) an unmapped value the shop itself reports ``orders`` orders in (no example order)."""
    stamp = UnmappedValue.last_seen_at.db_value(now)
    UnmappedValue._meta.database.execute_sql(_NOTE_SHOP_VALUE, (kind, value, label, orders, stamp, stamp))


def recent_problems(limit: int = 100) -> list[AlertProblem]:
    """Open problems first, then the recently cleared ones."""
    return list(AlertProblem.select().order_by(AlertProblem.state.desc(), AlertProblem.last_seen_at.desc()).limit(limit))


def recent_deliveries(limit: int = 100) -> list[AlertDelivery]:
    """The last e-mails sent (or tried), newest first."""
    return list(AlertDelivery.select().order_by(AlertDelivery.at.desc()).limit(limit))


def record_test_delivery(recipients: Sequence[str], subject: str, error: str, at: datetime) -> None:
    """Record a test e-mail and whether it went."""
    AlertDelivery.create(kind="test", recipients=", ".join(recipients), subject=subject, ok=not error, error=error, at=at)


def open_unmapped(kind: str | None = None, *, newest_first: bool = True) -> list[UnmappedValue]:
    """Unresolved unmapped values (of one kind), newest or oldest first."""
    query = UnmappedValue.select().where(UnmappedValue.resolved_at.is_null())
    if kind:
        query = query.where(UnmappedValue.kind == kind)
    order = UnmappedValue.last_seen_at.desc() if newest_first else UnmappedValue.first_seen_at
    return list(query.order_by(order))


def resolve_unmapped(rows: Sequence[UnmappedValue], now: datetime) -> None:
    """Mark these unmapped values resolved (mapped now)."""
    ids = [row.id for row in rows]
    if ids:
        UnmappedValue.update(resolved_at=now).where(UnmappedValue.id.in_(ids)).execute()


# --------------------------------------------------------------------------- the alert engine's rows


def add_delivery(problem: AlertProblem | None, kind: str, recipients: Sequence[str], subject: str, body: str,
                 error: str, at: datetime) -> AlertDelivery:
    """Record one e-mail sent (or tried) about ``problem``."""
    row: AlertDelivery = AlertDelivery.create(problem=problem, kind=kind, recipients=", ".join(recipients),
                                              subject=subject, body=body, ok=not error, error=error, at=at)
    return row


def upsert_problem(key: str, kind: str, title: str, message: str, link: str, now: datetime) -> AlertProblem:
    """The row of a problem seen now: created, reopened when it was cleared, refreshed otherwise."""
    row: AlertProblem | None = AlertProblem.get_or_none(AlertProblem.key == key)
    if row is None:
        row = AlertProblem(key=key, first_seen_at=now, state="pending")
    elif row.state == "cleared":
        row.state, row.first_seen_at, row.notified_at, row.cleared_at = "pending", now, None, None
    row.kind, row.title, row.message, row.link, row.last_seen_at = kind, title, message, link, now
    row.save()
    return row


def delivery_failed_since(row: AlertProblem, since: datetime) -> bool:
    """True when an e-mail about this problem failed after ``since``."""
    return bool(AlertDelivery.select().where((AlertDelivery.problem == row) & (AlertDelivery.ok == False)  # noqa: E712
                                             & (AlertDelivery.at > since)).exists())


def move_problem(key: str, state_from: str, state_to: str, now: datetime) -> bool:
    """Move one problem between states if nobody else did; True when this caller won."""
    changes = {"state": state_to, "notified_at": now} if state_to == "open" else {"state": state_to, "cleared_at": now}
    return bool(AlertProblem.update(**changes).where((AlertProblem.key == key) & (AlertProblem.state == state_from))
                .execute())


def back_to_pending(key: str) -> None:
    """An alert that could not be delivered: the problem waits for the next check."""
    AlertProblem.update(state="pending", notified_at=None).where(AlertProblem.key == key).execute()


def problems_gone(current: Sequence[str]) -> list[AlertProblem]:
    """Pending or open problems whose key is not among the ``current`` ones."""
    return list(AlertProblem.select().where(AlertProblem.state.in_(("pending", "open"))
                                            & AlertProblem.key.not_in(list(current) or [""])))


def claim_digest(recipients: Sequence[str], subject: str, day_start: datetime, now: datetime) -> AlertDelivery | None:
    """The day's digest row, created by the first caller after ``day_start``; None when one exists already."""
    if AlertDelivery.select().where((AlertDelivery.kind == "digest") & (AlertDelivery.at >= day_start)).exists():
        return None
    row: AlertDelivery = AlertDelivery.create(kind="digest", recipients=", ".join(recipients), subject=subject, at=now)
    return row


def open_problems() -> list[AlertProblem]:
    """Problems alerted and not yet cleared, oldest first."""
    return list(AlertProblem.select().where(AlertProblem.state == "open").order_by(AlertProblem.first_seen_at))


def deliveries_since(since: datetime, kinds: Sequence[str]) -> list[AlertDelivery]:
    """E-mails of these kinds sent after ``since``, oldest first."""
    return list(AlertDelivery.select().where((AlertDelivery.at >= since) & (AlertDelivery.kind.in_(list(kinds))))
                .order_by(AlertDelivery.at))


def finish_delivery(row: AlertDelivery, body: str, error: str) -> None:
    """Write what a claimed delivery (the digest) sent and whether it went."""
    row.body, row.ok, row.error = body, not error, error
    row.save()

