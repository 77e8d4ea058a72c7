"""The ledger's tables: peewee models on one deferred SQLite database.

The database object is deferred (``SqliteDatabase(None)``) and initialised by
:func:`adapter.ledger.migrations.init_db`; connections are thread-local, so the
job threads and the web threads each use their own
(``database.connection_context()`` outside a request).

Tables:

* ``Run`` — one row per job run; the progress widget renders from it.
* ``Entry`` — one row per object that crosses (agenda + natural key): state,
  payload hash, POHODA id/number, POHODA's error, the XML sent and the answer.
* ``RunEvent`` — what one run did to each document (the run detail page).
* ``Checkpoint`` — the per-agenda watermark (``lastChanges``, shop cursor).
* ``Pairing`` — the last pairing of e-shop products with POHODA stock cards.
* ``User`` / ``Token`` — accounts for LAN access and bookmark-URL tokens.
* ``PohodaListRead`` / ``PohodaListValue`` — POHODA's formy úhrady and členění DPH as POHODA
  last listed them, for the mapping screens (created by their own migration, not in ``MODELS``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    Field,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)

database = SqliteDatabase(None, autoconnect=True)

RUN_STATES = ("running", "ok", "partial", "failed", "interrupted")
ENTRY_STATES = ("pending", "sending", "ok", "error", "held", "skipped")
TRIGGERS = ("button", "bookmark", "schedule", "cli", "pohoda", "retry", "upload")
#: a running run whose heartbeat is older than this and whose process is gone is stale
STALE_AFTER = timedelta(minutes=2)

_V = TypeVar("_V", datetime, datetime | None)


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


if TYPE_CHECKING:
    _GenericField = Field
else:

    class _GenericField(Field, Generic[_V]):
        """peewee's Field, subscriptable at run time as its stubs make it for the type checker."""


class UTCDateTimeField(_GenericField[_V]):
    """An aware datetime stored as an ISO 8601 string in UTC (sorts correctly).

    Declare it with its Python type: ``at: UTCDateTimeField[datetime] = UTCDateTimeField()``.
    """

    field_type = "TEXT"

    def db_value(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def python_value(self, value: str | None) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value)


def parse_json_dict(text: str) -> dict[str, Any]:
    """A JSON object stored in a text column; anything else gives ``{}``."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def parse_json_list(text: str) -> list[str]:
    """A JSON list of strings stored in a text column (a bare string is a one-item list)."""
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return [text]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


class BaseModel(Model):
    """Every ledger table: bound to :data:`database`, snake_case table names, an integer id."""

    id = AutoField()

    class Meta:
        database = database
        legacy_table_names = False


class Run(BaseModel):
    """One run of one agenda's job."""

    agenda = CharField(index=True)
    trigger = CharField(default="button")
    status = CharField(default="running", index=True)
    dry_run = BooleanField(default=False)
    full = BooleanField(default=False)  #: a full reconciliation rather than incremental
    started_at: UTCDateTimeField[datetime] = UTCDateTimeField()
    finished_at: UTCDateTimeField[datetime | None] = UTCDateTimeField(null=True)
    heartbeat_at: UTCDateTimeField[datetime | None] = UTCDateTimeField(null=True)
    phase = CharField(default="")  #: what it is doing now, in Czech
    total = IntegerField(default=0)
    done = IntegerField(default=0)
    ok_count = IntegerField(default=0)
    error_count = IntegerField(default=0)
    held_count = IntegerField(default=0)
    skipped_count = IntegerField(default=0)
    message = TextField(default="")
    cancel_requested = BooleanField(default=False)
    pid = IntegerField(null=True)
    options = TextField(default="{}")  #: JSON: what was asked (keys to retry, preview flags …)
    report = TextField(default="")  #: JSON: agenda-specific summary (e.g. the payments table)
    pohoda_requests = IntegerField(default=0)
    eshop_requests = IntegerField(default=0)

    @property
    def finished(self) -> bool:
        """True once the run has ended, however it ended."""
        return self.status != "running"

    @property
    def percent(self) -> int:
        """Progress 0–100 for the progress bar."""
        if self.status != "running":
            return 100
        if not self.total:
            return 0
        return max(0, min(100, int(self.done * 100 / self.total)))

    def options_dict(self) -> dict[str, Any]:
        """The parsed ``options`` JSON."""
        return parse_json_dict(self.options)

    def report_dict(self) -> dict[str, Any]:
        """The parsed ``report`` JSON."""
        return parse_json_dict(self.report)


class Entry(BaseModel):
    """The ledger row of one object crossing between the systems."""

    agenda = CharField()
    key = CharField()
    label = CharField(default="")  #: e.g. "Objednávka 1234"
    state = CharField(default="pending", index=True)
    payload_hash = CharField(default="")
    pohoda_id = IntegerField(null=True)
    pohoda_number = CharField(default="")
    shop_id = CharField(default="")
    pack_id = CharField(default="")
    item_id = CharField(default="")
    error = TextField(default="")
    warnings = TextField(default="")  #: JSON list of strings
    details = TextField(default="")  #: JSON: POHODA's rdc:details, held reasons, conflicts …
    sent_xml = TextField(null=True)
    answer_xml = TextField(null=True)
    eshop_data = TextField(null=True)  #: JSON snapshot of what the shop said
    attempts = IntegerField(default=0)
    run = ForeignKeyField(Run, null=True, on_delete="SET NULL", backref="entries")
    created_at: UTCDateTimeField[datetime] = UTCDateTimeField()
    updated_at: UTCDateTimeField[datetime] = UTCDateTimeField(index=True)

    class Meta:
        indexes = ((("agenda", "key"), True), (("agenda", "state"), False))

    def warnings_list(self) -> list[str]:
        """The parsed warnings."""
        return parse_json_list(self.warnings)

    def details_value(self) -> Any:
        """The parsed details JSON (or None)."""
        try:
            return json.loads(self.details) if self.details else None
        except ValueError:
            return None


class RunEvent(BaseModel):
    """What one run did with one document."""

    run = ForeignKeyField(Run, on_delete="CASCADE", backref="events")
    agenda = CharField()
    key = CharField()
    label = CharField(default="")
    state = CharField()  #: ok, error, held, skipped, warning, duplicate, preview …
    message = TextField(default="")
    at: UTCDateTimeField[datetime] = UTCDateTimeField()

    class Meta:
        indexes = ((("run", "state"), False), (("agenda", "key"), False))


class Checkpoint(BaseModel):
    """A per-agenda watermark, advanced only after the rows it covers are committed."""

    agenda = CharField(unique=True)
    cursor = TextField(default="")
    extra = TextField(default="{}")
    updated_at: UTCDateTimeField[datetime] = UTCDateTimeField()

    def extra_dict(self) -> dict[str, Any]:
        """The parsed ``extra`` JSON."""
        return parse_json_dict(self.extra)


class Pairing(BaseModel):
    """One row of the last pairing of shop products and POHODA stock cards."""

    status = CharField(index=True)  #: paired, eshop_only, pohoda_only, conflict
    sku = CharField(default="", index=True)  #: shop SKU as the shop has it
    product_id = IntegerField(null=True)
    parent_id = IntegerField(null=True)
    shop_name = CharField(default="")
    shop_ean = CharField(default="")
    pohoda_code = CharField(default="", index=True)
    pohoda_id = IntegerField(null=True)
    pohoda_name = CharField(default="")
    pohoda_ean = CharField(default="")
    stores = CharField(default="")  #: comma-separated warehouse codes
    is_internet = BooleanField(default=False)
    matched_by = CharField(default="")  #: sku, ean
    conflict = TextField(default="")  #: Czech reason for a conflict row
    updated_at: UTCDateTimeField[datetime] = UTCDateTimeField()


class User(BaseModel):
    """A person who may use the app over the LAN."""

    username = CharField(unique=True)
    password_hash = CharField()
    role = CharField(default="staff")  #: admin or staff
    active = BooleanField(default=True)
    #: bumped on a password change and on logout: every older session cookie stops working
    session_gen = IntegerField(default=0)
    created_at: UTCDateTimeField[datetime] = UTCDateTimeField()
    last_login_at: UTCDateTimeField[datetime | None] = UTCDateTimeField(null=True)


class Token(BaseModel):
    """A secret for bookmark sync URLs; only its hash is stored."""

    name = CharField()
    token_hash = CharField(unique=True)
    prefix = CharField()  #: first characters, to recognise it in the list
    agendas = CharField(default="*")  #: comma-separated agendas or "*"
    created_at: UTCDateTimeField[datetime] = UTCDateTimeField()
    created_by = CharField(default="")
    revoked_at: UTCDateTimeField[datetime | None] = UTCDateTimeField(null=True)
    last_used_at: UTCDateTimeField[datetime | None] = UTCDateTimeField(null=True)


MODELS: tuple[type[BaseModel], ...] = (Run, Entry, RunEvent, Checkpoint, Pairing, User, Token)


class PohodaListRead(BaseModel):
    """When POHODA last listed its values for the mapping screens (one row, replaced by each read)."""

    read_at: UTCDateTimeField[datetime] = UTCDateTimeField()
    notes = TextField(default="")  #: JSON list of Czech notes: a list POHODA refused to give

    class Meta:
        table_name = "pohoda_list_read"

    def notes_list(self) -> list[str]:
        """The parsed notes."""
        return parse_json_list(self.notes)


class PohodaListValue(BaseModel):
    """One value of POHODA's lists: a forma úhrady (``kind`` payment) or a členění DPH (classification)."""

    kind = CharField()  #: payment, classification
    position = IntegerField()  #: the order POHODA listed them in
    value = CharField()  #: what documents carry: ``pay:name`` or ``vat:code``
    name = CharField(default="")  #: ``vat:name`` (a forma úhrady has its name in ``value``)
    basic_type = CharField(default="")  #: ``pay:paymentType`` or ``vat:VATType``
    text = TextField(default="")  #: ``pay:text``
    offer = BooleanField(default=True)  #: ``vat:offer``: offered in POHODA's pick list
    pohoda_id = IntegerField(null=True)

    class Meta:
        table_name = "pohoda_list_value"
        indexes = ((("kind", "position"), True),)


#: the tables of POHODA's lists (their migration creates them on an existing ledger)
POHODA_LIST_MODELS: tuple[type[BaseModel], ...] = (PohodaListRead, PohodaListValue)
