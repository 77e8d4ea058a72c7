"""What the pages show, computed without Flask: cards, labels, paging, pretty text.

Views stay thin (rule 4): they parse the request, call one function here or
a named query in :mod:`adapter.ledger`, and render.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from adapter import czech, ledger
from adapter.config import AGENDAS
from adapter.pohoda.answers import indent
from adapter.pohoda.readable import XmlView, readable_xml

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.sync.runner import JobRunner

T = TypeVar("T")

#: the first this many characters of a stored XML/JSON are shown; the rest is a download
SHOW_LIMIT = 200_000

RUN_STATES: dict[str, str] = czech.RUN_STATES
ENTRY_STATES: dict[str, str] = {
    "pending": "čeká na odeslání",
    "sending": "odesílá se",
    "ok": "v pořádku",
    "error": "chyba",
    "held": "čeká",
    "skipped": "vynecháno",
    "print_error": "nevytištěno",
    "printed": "PDF uloženo, k odeslání",
    "mailing": "odesílá se e-mail",
    "no_email": "bez e-mailu zákazníka",
}
EVENT_STATES: dict[str, str] = {
    **ENTRY_STATES,
    "warning": "varování",
    "duplicate": "duplicita",
    "preview": "náhled",
    "conflict": "konflikt",
    "changed": "změněno po přenosu",
}
#: every agenda key the ledger uses (jobs keep some sub-agendas of their own)
LEDGER_AGENDAS: dict[str, str] = {
    **AGENDAS,
    "customers_out": "Adresář → POHODA",
    "customers_in": "Adresář → e-shop",
    "customers_conflict": "Adresář – konflikty",
    "products_receipt": "Příjemky počátečních stavů",
    "cancels": "Zrušené objednávky",
}
TRIGGERS: dict[str, str] = {
    "button": "tlačítko",
    "bookmark": "záložka",
    "schedule": "plánovač",
    "cli": "příkazová řádka",
    "pohoda": "POHODA",
    "retry": "opakování chyb",
    "upload": "nahrání souboru",
}

#: agenda → (direction in words, actions offered on the dashboard)
AGENDA_INFO: dict[str, tuple[str, tuple[str, ...]]] = {
    "orders": ("E-shop → POHODA", ("sync", "preview", "full")),
    "invoices": ("E-shop → POHODA", ("sync", "preview")),
    "stock": ("POHODA → e-shop", ("sync", "preview", "full")),
    "products": ("E-shop → POHODA", ("sync", "preview")),
    "customers": ("E-shop ⇄ POHODA", ("sync", "preview", "full")),
    "payments": ("POHODA → e-shop", ("sync", "preview", "full")),
    "states": ("POHODA → e-shop", ("sync", "preview", "full")),
    "documents": ("POHODA → zákazník", ("sync", "preview", "full")),
    "refunds": ("E-shop → POHODA", ("sync", "preview", "full")),
}
ACTIONS: dict[str, tuple[str, str]] = {
    "sync": ("Synchronizovat", "Přenést změny"),
    "preview": ("Náhled", "Ukázat, co by se přeneslo, bez zápisu"),
    "full": ("Úplná kontrola", "Porovnat vše, nejen změny od posledního běhu"),
}


def state_label(state: str) -> str:
    """A run, entry or event state in Czech."""
    return RUN_STATES.get(state) or EVENT_STATES.get(state) or state


# --------------------------------------------------------------------------- dashboard


@dataclass
class AgendaCard:
    """One agenda on the dashboard."""

    agenda: str
    title: str
    direction: str
    enabled: bool
    actions: tuple[str, ...]
    run: ledger.Run | None  #: the running run, else the newest one
    counts: dict[str, int]
    next_due: datetime | None
    schedule_minutes: int

    @property
    def held(self) -> int:
        """How many documents wait for a person."""
        return self.counts.get("held", 0)

    @property
    def total(self) -> int:
        """How many documents the ledger knows for this agenda."""
        return sum(self.counts.values())


def agenda_card(agenda: str, settings: Settings, runner: JobRunner) -> AgendaCard:
    """Everything the dashboard shows about one agenda."""
    section = settings.agenda(agenda)
    direction, actions = AGENDA_INFO.get(agenda, ("", ("sync",)))
    # a preview is never the agenda's state: only a running run or the last real one
    run = ledger.running_run(agenda) or ledger.last_run(agenda, real=True)
    return AgendaCard(
        agenda=agenda,
        title=AGENDAS[agenda],
        direction=direction,
        enabled=section.enabled,
        actions=actions,
        run=run,
        counts=ledger.count_entries(agenda),
        next_due=runner.next_due(agenda, settings),
        schedule_minutes=section.schedule_minutes,
    )


def dashboard_cards(settings: Settings, runner: JobRunner) -> list[AgendaCard]:
    """Cards for every agenda, enabled ones first."""
    cards = [agenda_card(agenda, settings, runner) for agenda in AGENDAS]
    return sorted(cards, key=lambda c: not c.enabled)


# --------------------------------------------------------------------------- paging


@dataclass
class Page(Generic[T]):
    """One page of rows, found with the limit+1 trick (no COUNT needed)."""

    rows: list[T]
    number: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        """True after the first page."""
        return self.number > 1


def page_number(raw: str | None) -> int:
    """A page number from the query string (bad input = page 1)."""
    try:
        return max(1, min(100_000, int(raw or "1")))
    except ValueError:
        return 1


def make_page(rows: Sequence[T], number: int, per_page: int) -> Page[T]:
    """Trim a ``per_page + 1`` fetch to one page."""
    return Page(rows=list(rows[:per_page]), number=number, has_next=len(rows) > per_page)


# --------------------------------------------------------------------------- stored documents


@dataclass
class ShownText:
    """A stored XML/JSON made readable, capped at :data:`SHOW_LIMIT` characters."""

    text: str
    size: int
    truncated: bool


def pretty_xml(stored: str | bytes | None) -> ShownText | None:
    """Indent an XML document for reading; unparsable text is shown as is."""
    if not stored:
        return None
    raw = stored.encode("utf-8") if isinstance(stored, str) else stored
    text = raw.decode("utf-8", errors="replace") if isinstance(stored, bytes) else stored
    if len(raw) <= 5 * SHOW_LIMIT:
        text = indent(raw) or text
    return ShownText(text=text[:SHOW_LIMIT], size=len(raw), truncated=len(text) > SHOW_LIMIT)


def pretty_json(stored: str | None) -> ShownText | None:
    """Indent a JSON document for reading."""
    if not stored:
        return None
    try:
        text = json.dumps(json.loads(stored), ensure_ascii=False, indent=2)
    except ValueError:
        text = stored
    return ShownText(text=text[:SHOW_LIMIT], size=len(stored.encode("utf-8")), truncated=len(text) > SHOW_LIMIT)


# --------------------------------------------------------------------------- report JSON

#: XML documents shown at most on one run page (the rest stay in the report)
XML_SHOWN = 30
_PACKS_APART = re.compile(r"\n\s*\n(?=<\?xml|<dat:dataPack)")


@dataclass
class XmlRef:
    """A report cell that held an XML document: a link to where it is shown."""

    anchor: str
    label: str

    def __str__(self) -> str:
        return self.label


@dataclass
class ReportXml:
    """An XML document from a run's report, laid out for reading."""

    anchor: str
    title: str
    view: XmlView | None


@dataclass
class Table:
    """A generic table made from a piece of a run's report JSON."""

    title: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str | XmlRef]] = field(default_factory=list)


@dataclass
class ReportView:
    """A run's report as tables, with every XML it holds lifted out, indented and checked against the schema."""

    tables: list[Table] = field(default_factory=list)
    xmls: list[ReportXml] = field(default_factory=list)
    xml_left_out: int = 0  #: XML documents beyond :data:`XML_SHOWN`

    def lift(self, text: str, title: str) -> XmlRef:
        """Keep ``text`` (one or more packs) as shown documents; the cell becomes a link to the first."""
        anchor = ""
        for part in _PACKS_APART.split(text.strip()):
            if len(self.xmls) >= XML_SHOWN:
                self.xml_left_out += 1
                continue
            number = len(self.xmls) + 1
            anchor = anchor or f"xml-{number}"
            self.xmls.append(ReportXml(f"xml-{number}", f"XML {number}: {title}", readable_xml(part, "data")))
        return XmlRef(anchor, "XML níže" if anchor else "XML (nezobrazeno)")


def _is_xml(value: Any) -> bool:
    if not isinstance(value, str) or not value.lstrip().startswith("<"):
        return False
    head = value.lstrip()[:400]
    return head.startswith("<?xml") or ":dataPack" in head or ":responsePack" in head


def _cell(value: Any, view: ReportView | None = None, title: str = "") -> str | XmlRef:
    if view is not None and _is_xml(value):
        return view.lift(value, title)
    if isinstance(value, bool):
        return "ano" if value else "ne"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _row_title(table: str, row: dict[str, Any]) -> str:
    first = next((f"{k} {v}" for k, v in row.items() if not _is_xml(v) and v not in (None, "")), "")
    return first or table


def _row(row: dict[str, Any], columns: list[str], view: ReportView, table: str) -> list[str | XmlRef]:
    if not any(_is_xml(v) for v in row.values()):
        return [_cell(row.get(c)) for c in columns]
    title = _row_title(table, row)
    return [_cell(row.get(c), view, title) for c in columns]


def report_view(report: dict[str, Any], *, max_rows: int = 1000) -> ReportView:
    """Turn any report JSON into tables (scalars as one key/value table, lists of objects as tables) and XML views."""
    view = ReportView()
    summary = Table(title="Souhrn", columns=["Položka", "Hodnota"])
    for key, value in report.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            columns: list[str] = []
            for row in value:
                columns.extend(k for k in row if k not in columns)
            rows = [_row(row, columns, view, str(key)) for row in value[:max_rows]]
            view.tables.append(Table(title=str(key), columns=columns, rows=rows))
        elif isinstance(value, dict) and value and all(not isinstance(v, dict | list) for v in value.values()):
            view.tables.append(Table(title=str(key), columns=["Položka", "Hodnota"],
                                     rows=[[str(k), _cell(v, view, str(k))] for k, v in value.items()]))
        else:
            summary.rows.append([str(key), _cell(value, view, str(key))])
    view.tables[:0] = [summary] if summary.rows else []
    return view


def report_tables(report: dict[str, Any], *, max_rows: int = 1000) -> list[Table]:
    """The report's tables (see :func:`report_view`)."""
    return report_view(report, max_rows=max_rows).tables


def details_list(value: Any) -> list[dict[str, Any]]:
    """An entry's details JSON as a list of dicts (for the XPath/errno explainer)."""
    if isinstance(value, dict):
        inner = value.get("details")
        if isinstance(inner, list):
            return [d for d in inner if isinstance(d, dict)]
        return [value]
    if isinstance(value, list):
        return [d for d in value if isinstance(d, dict)]
    return []
