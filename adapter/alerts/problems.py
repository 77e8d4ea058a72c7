"""What counts as a problem worth telling a person about, found from the health report and the ledger.

Each :class:`Problem` has a stable ``key`` (one message per problem, not per
run), a Czech title and message saying what to do, the page that fixes it, and
how long it must last before anyone is told (``due_after``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from adapter import czech, ledger
from adapter.config import AGENDAS
from adapter.ledger import orders as order_rows
from adapter.ledger.alerts import open_unmapped
from adapter.mappings.unmapped import resolve_mapped

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.health import HealthReport

#: kind of an unmapped value → (Czech name, mapping page)
UNMAPPED_KINDS: dict[str, tuple[str, str]] = {
    "payment": ("Platební metoda", "/mapping/payment"),
    "carrier": ("Způsob dopravy", "/mapping/carrier"),
    "status": ("Stav objednávky", "/mapping/status"),
    "tax": ("Daňová sazba", "/mapping/tax"),
}
WAITING_STATES = ("held", "error", "pending")


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem as it stands now."""

    key: str
    kind: str  #: mserver_down, mserver_licence, eshop_down, run_failed, order_waiting, unmapped
    title: str
    message: str
    link: str
    due_after: timedelta = timedelta(0)


def _down(report: HealthReport, settings: Settings) -> list[Problem]:
    out = []
    wait = timedelta(minutes=settings.alerts.mserver_down_minutes)
    for key, kind, title in (("mserver", "mserver_down", "POHODA mServer je nedostupný"),
                             ("licence", "mserver_licence", "POHODA nemá volnou licenci, mServer nezpracuje XML"),
                             ("eshop", "eshop_down", "E-shop je nedostupný")):
        item = report.item(key)
        if item is not None and item.state == "down":
            out.append(Problem(kind, kind, title, f"{item.text}\n\nCo udělat: {item.fix}", item.link or "/health", wait))
    return out


def _runs() -> list[Problem]:
    out = []
    for agenda, title in AGENDAS.items():
        run = ledger.last_run(agenda, finished=True)
        if run is None or run.status not in ("failed", "partial", "interrupted"):
            continue
        if run.status == "partial":
            head, todo = f"{title}: běh skončil s chybami", "Opravte doklady s chybou a spusťte je znovu."
        else:
            head, todo = f"{title}: běh {czech.run_state(run.status)}", "Odstraňte příčinu a spusťte synchronizaci znovu."
        run_id = run.get_id()  # type: ignore[no-untyped-call]
        message = f"Běh #{run_id} ({czech.run_state(run.status)}): {run.message or 'bez zprávy'}\n\nCo udělat: {todo}"
        out.append(Problem(f"run:{agenda}", "run_failed", head, message, f"/runs/{run_id}"))
    return out


def _waiting(settings: Settings, now: datetime) -> list[Problem]:
    hours = settings.alerts.order_waiting_hours
    if not hours:
        return []
    limit = now - timedelta(hours=hours)
    rows, count = order_rows.waiting_since(WAITING_STATES, limit)
    if not rows:
        return []
    names = ", ".join(r.label or r.key for r in rows[:5]) + (" …" if count > 5 else "")
    waiting = czech.plural(count, "objednávka čeká", "objednávky čekají", "objednávek čeká")
    message = (f"{waiting} na přenos do POHODY déle než {hours} h: {names}.\n\n"
               "Co udělat: otevřete Objednávky, u každé je důvod (např. nenamapovaná platba, chybějící zásoba); "
               "opravte jej a objednávku odešlete znovu.")
    return [Problem("order_waiting", "order_waiting", f"Objednávky čekají déle než {hours} h", message, "/orders/")]


def _unmapped() -> list[Problem]:
    out = []
    for row in open_unmapped(newest_first=False):
        name, link = UNMAPPED_KINDS.get(row.kind, (row.kind, "/mapping/"))
        shown = f"„{row.label}“ ({row.value})" if row.label and row.label != row.value else f"„{row.value}“"
        if row.kind == "status":
            where = f"v objednávce {row.example}" if row.example else "v e-shopu"
            message = (f"{name} {shown} se objevil {where} a nastavení adaptéru jej nezná (obvykle jej přidal "
                       f"plugin e-shopu). Objednávek v něm: {row.orders}.\n\nCo udělat: na stránce Mapování › Stavy "
                       "objednávek jej zařaďte tam, kde jej adaptér má číst nebo zapisovat, nebo jej označte "
                       "„Nepoužívat, nehlásit“.")
        else:
            message = (f"{name} {shown} se objevila v objednávce {row.example or ''} a nemá přiřazenou hodnotu "
                       f"v POHODĚ. Objednávek s ní: {row.orders}.\n\nCo udělat: přiřaďte ji na stránce Mapování; "
                       "čekající objednávky pak odešlete znovu.")
        out.append(Problem(f"unmapped:{row.kind}:{row.value}", "unmapped", f"Nová hodnota: {name.lower()} {shown}",
                           message, link))
    return out


def detect(settings: Settings, report: HealthReport, now: datetime) -> list[Problem]:
    """Every problem that exists now (needs an open ledger connection)."""
    resolve_mapped(settings, now)
    return [*_down(report, settings), *_runs(), *_waiting(settings, now), *_unmapped()]
