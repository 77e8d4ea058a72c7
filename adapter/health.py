"""Health checks: is everything the adapter needs up, and what to do when it is not.

:func:`check_all` asks mServer and the e-shop who they are, reads the ledger
for the last successful and next scheduled run of each agenda, and looks at
the data folder (free space, ledger size, backup age). Every item is ``ok``,
``warn`` or ``down``; a red item carries a Czech sentence saying what to do.
The dashboard panel, ``app.py check`` and the alerts all use the same report.
No Flask here. Needs an open ledger connection.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from adapter import backup, conntest, ledger
from adapter.config import AGENDAS

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.conntest import ConnResult
    from adapter.sync.context import Connections

STATES = ("ok", "warn", "down")
#: state → CLI exit code (``app.py check``)
EXIT_CODES = {"ok": 0, "warn": 1, "down": 2}
STATE_LABELS = {"ok": "v pořádku", "warn": "pozor", "down": "nefunguje"}

FREE_SPACE_WARN = 1024**3  #: below 1 GB free: warn
FREE_SPACE_DOWN = 200 * 1024**2  #: below 200 MB free: down (SQLite and the XML logs need room)
BACKUP_WARN_AFTER = timedelta(hours=36)
VERSION_CACHE_SECONDS = 6 * 3600

#: mServer base URL → (monotonic time, POHODA version): asked at most every few hours
_versions: dict[str, tuple[float, str]] = {}
_versions_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class HealthItem:
    """One line of the health panel."""

    key: str  #: mserver, licence, eshop, run:<agenda>, disk, ledger, backup
    title: str
    state: str  #: ok, warn, down
    text: str = ""  #: what was found, in Czech
    fix: str = ""  #: what to do (for warn/down), in Czech
    link: str = ""  #: path of the page that fixes it
    facts: tuple[tuple[str, str], ...] = ()


@dataclass
class HealthReport:
    """Every item, and the worst state among them."""

    items: list[HealthItem] = field(default_factory=list)
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def state(self) -> str:
        """The worst item state (``ok`` when there are none)."""
        worst = max((STATES.index(i.state) for i in self.items), default=0)
        return STATES[worst]

    @property
    def exit_code(self) -> int:
        """0 all green, 1 warnings, 2 something down."""
        return EXIT_CODES[self.state]

    def item(self, key: str) -> HealthItem | None:
        """The item called ``key``, if checked."""
        return next((i for i in self.items if i.key == key), None)


def _size(n: int) -> str:
    for unit, step in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if n >= step:
            return f"{n / step:.1f} {unit}".replace(".", ",")
    return f"{n} B"


def _when(value: datetime | None) -> str:
    if value is None:
        return "nikdy"
    local = value.astimezone()
    return f"{local.day}. {local.month}. {local.year} {local:%H:%M}"


# --------------------------------------------------------------------------- the two systems


@dataclass(frozen=True, slots=True)
class Probe:
    """What one tiny XML read found."""

    version: str = ""  #: POHODA's ``programVersion`` ("" when unknown)
    refusal: str = ""  #: the note of a refusal naming the licence
    xml_ok: bool = False  #: POHODA processed the request


def probe_pohoda(settings: Settings, connections: Connections) -> Probe:
    """One tiny XML read: POHODA's version, or the licence refusal, or neither.

    ``/status`` answers even when POHODA has no free licence; only an XML request shows it.
    The version is kept for a few hours and returned when this read fails for another reason.
    """
    from adapter.errors import AdapterError
    from adapter.pohoda.envelope import build_pack
    from adapter.pohoda.licence import MServerNoLicence
    from adapter.pohoda.stock import list_stock_request

    key = settings.pohoda.base_url
    client = connections.pohoda(settings)
    try:
        pack = build_pack([list_stock_request(code="~health~", count=1)], ico=settings.pohoda.ico, pack_id="health")
        version = client.send(pack, write=False).program_version
    except MServerNoLicence as exc:
        return Probe(refusal=exc.note or exc.message)
    except AdapterError:
        with _versions_lock:
            cached = _versions.get(key)
        fresh = cached is not None and time.monotonic() - cached[0] < VERSION_CACHE_SECONDS
        return Probe(version=cached[1] if cached is not None and fresh else "")
    finally:
        client.close()
    with _versions_lock:
        _versions[key] = (time.monotonic(), version)
    return Probe(version=version, xml_ok=True)


def pohoda_version(settings: Settings, connections: Connections) -> str:
    """POHODA's ``programVersion`` as its responsePack states it ("" when it cannot be read)."""
    return probe_pohoda(settings, connections).version


def check_licence(probe: Probe) -> HealthItem | None:
    """POHODA answering but refusing XML for lack of a licence: its own red item (None when unknown)."""
    from adapter.pohoda.licence import LICENCE_FIX

    title = "Licence POHODY"
    if probe.refusal:
        return HealthItem("licence", title, "down",
                          f"mServer odpovídá, ale POHODA nemá volnou licenci: {probe.refusal}",
                          LICENCE_FIX, "/health", (("Odpověď POHODY", probe.refusal),))
    if probe.xml_ok:
        return HealthItem("licence", title, "ok", "POHODA zpracovává XML (licence je k dispozici).")
    return None


@dataclass(frozen=True, slots=True)
class SystemCheck:
    """One of the two systems the adapter talks to: how to reach it and what each outcome says, in Czech."""

    key: str  #: the item's key (mserver, eshop)
    title: str
    configured: Callable[[Settings], bool]
    reach: Callable[[Settings, Connections], ConnResult]  #: the settings page's connection test
    missing: str  #: what was found when the connection is not filled in
    missing_fix: str
    down_fix: str  #: what to do when it cannot be reached (the error itself is the test's)
    answers: str  #: the green text


MSERVER = SystemCheck(
    key="mserver", title="POHODA (mServer)", configured=lambda s: s.pohoda_configured, reach=conntest.check_pohoda,
    missing="Připojení k POHODĚ není nastavené.",
    missing_fix="Vyplňte adresu mServeru, uživatele a IČO v Nastavení › Připojení.",
    down_fix="Spusťte mServer v POHODĚ (Databáze › POHODA mServer), ověřte, že má POHODA volnou licenci, "
             "a zkontrolujte adresu v Nastavení › Připojení.",
    answers="mServer odpovídá.")
# the shop's connection test proves write permission with a harmless empty batch (its facts say so)
ESHOP = SystemCheck(
    key="eshop", title="E-shop (WooCommerce)", configured=lambda s: s.eshop_configured, reach=conntest.check_eshop,
    missing="Připojení k e-shopu není nastavené.",
    missing_fix="Vyplňte adresu e-shopu a klíče API v Nastavení › Připojení.",
    down_fix="Ověřte, že e-shop běží, a zkontrolujte adresu a klíče API (oprávnění Číst/Zapisovat) "
             "v Nastavení › Připojení.",
    answers="E-shop odpovídá.")


def check_system(system: SystemCheck, settings: Settings, connections: Connections) -> tuple[HealthItem, bool]:
    """(the system's item, whether it answered): amber when not set up or answering with warnings, red when
    it cannot be reached (the connection test's error and what to do), green with the test's facts."""
    link = "/settings/connections"
    if not system.configured(settings):
        return HealthItem(system.key, system.title, "warn", system.missing, system.missing_fix, link), False
    result = system.reach(settings, connections)
    if not result.ok:
        return HealthItem(system.key, system.title, "down", result.error, system.down_fix, link), False
    warnings = " ".join(result.warnings)
    state = "warn" if result.warnings else "ok"
    return HealthItem(system.key, system.title, state, warnings if result.warnings else system.answers, warnings,
                      link, tuple(result.facts)), True


def check_mserver(settings: Settings, connections: Connections) -> list[HealthItem]:
    """mServer reachable (the company, IČO and year it serves) and, when it is, POHODA's version and licence."""
    item, answered = check_system(MSERVER, settings, connections)
    if not answered:
        return [item]
    probe = probe_pohoda(settings, connections)
    item = replace(item, facts=(*item.facts, ("Verze POHODY", probe.version or "nezjištěna")))
    licence = check_licence(probe)
    return [item] if licence is None else [item, licence]


def check_eshop(settings: Settings, connections: Connections) -> HealthItem:
    """The shop reachable with the configured keys: its name, WooCommerce version, key permissions."""
    return check_system(ESHOP, settings, connections)[0]


# --------------------------------------------------------------------------- runs


def check_agenda(settings: Settings, agenda: str, next_due: Callable[[str], datetime | None],
                 now: datetime) -> HealthItem:
    """Last successful run and next scheduled run of one enabled agenda."""
    title = AGENDAS[agenda]
    last_ok = ledger.last_ok_run(agenda)
    last = ledger.last_run(agenda, finished=True)
    due = next_due(agenda)
    facts = (("Poslední úspěšný běh", _when(last_ok.finished_at if last_ok else None)),
             ("Další plánovaný běh", _when(due) if due else "neplánuje se"))
    link = f"/runs/?agenda={agenda}"
    if last is not None and last.status in ("failed", "interrupted"):
        return HealthItem(f"run:{agenda}", title, "down", f"Poslední běh skončil chybou: {last.message}",
                          "Otevřete detail běhu, odstraňte příčinu a spusťte synchronizaci znovu.", link, facts)
    if last is not None and last.status == "partial":
        return HealthItem(f"run:{agenda}", title, "warn", f"Poslední běh skončil s chybami: {last.message}",
                          "Otevřete detail běhu, opravte doklady s chybou a spusťte je znovu.", link, facts)
    schedule = settings.agenda(agenda).schedule_minutes
    if schedule and last_ok is not None and last_ok.finished_at is not None \
            and now - last_ok.finished_at > timedelta(minutes=3 * schedule + 10):
        return HealthItem(f"run:{agenda}", title, "warn", "Plánované běhy delší dobu neproběhly.",
                          "Zkontrolujte, že adaptér běží (nebo že Plánovač úloh spouští app.py), a spusťte běh ručně.",
                          link, facts)
    return HealthItem(f"run:{agenda}", title, "ok", "V pořádku." if last_ok else "Zatím neproběhl žádný běh.",
                      "", link, facts)


# --------------------------------------------------------------------------- the data folder


def check_disk(data_dir: Path) -> HealthItem:
    """Free space in the data folder."""
    data_dir.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(data_dir).free
    facts = (("Volné místo", _size(free)), ("Datová složka", str(data_dir)))
    if free < FREE_SPACE_DOWN:
        return HealthItem("disk", "Místo na disku", "down", f"Na disku zbývá jen {_size(free)}.",
                          "Uvolněte místo na disku s datovou složkou, jinak adaptér nemůže zapisovat evidenci.", "", facts)
    if free < FREE_SPACE_WARN:
        return HealthItem("disk", "Místo na disku", "warn", f"Na disku zbývá {_size(free)}.",
                          "Uvolněte místo na disku s datovou složkou.", "", facts)
    return HealthItem("disk", "Místo na disku", "ok", f"Volno {_size(free)}.", "", "", facts)


def check_ledger_size(data_dir: Path) -> HealthItem:
    """How big the ledger is (with its WAL)."""
    path = data_dir / backup.LEDGER_FILE
    total = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    return HealthItem("ledger", "Evidence přenosů", "ok", f"Velikost {_size(total)}.", "", "",
                      (("Soubor", str(path)), ("Velikost", _size(total))))


def check_backup(settings: Settings, data_dir: Path, now: datetime) -> HealthItem:
    """How old the newest ledger backup is."""
    title = "Záloha evidence"
    if not settings.backup.enabled:
        return HealthItem("backup", title, "warn", "Denní záloha evidence je vypnutá.",
                          "Zapněte ji v Nastavení › Upozornění a e-mail.", "/settings/alerts")
    last = backup.latest_backup(data_dir)
    if last is None:
        return HealthItem("backup", title, "warn", "Zatím neexistuje žádná záloha.",
                          "Záloha vznikne při startu adaptéru a pak jednou denně; nechte adaptér běžet nebo spusťte app.py check.",
                          "", (("Složka", str(backup.backup_dir(data_dir))),))
    facts = (("Poslední záloha", _when(last.taken_at)), ("Složka", str(last.path.parent)))
    if now - last.taken_at > BACKUP_WARN_AFTER:
        return HealthItem("backup", title, "warn", f"Poslední záloha je z {_when(last.taken_at)}.",
                          "Záloha se dělá jednou denně, když adaptér běží. Spusťte adaptér nebo app.py check.", "", facts)
    return HealthItem("backup", title, "ok", f"Poslední záloha {_when(last.taken_at)}.", "", "", facts)


def check_all(settings: Settings, connections: Connections, *, data_dir: Path,
              next_due: Callable[[str], datetime | None] | None = None, now: datetime | None = None) -> HealthReport:
    """Every check, in the panel's order."""
    now = now or datetime.now(UTC)
    report = HealthReport(checked_at=now)
    report.items.extend(check_mserver(settings, connections))
    report.items.append(check_eshop(settings, connections))
    due = next_due or (lambda _agenda: None)
    for agenda in AGENDAS:
        if settings.agenda(agenda).enabled:
            report.items.append(check_agenda(settings, agenda, due, now))
    report.items.append(check_disk(data_dir))
    report.items.append(check_ledger_size(data_dir))
    report.items.append(check_backup(settings, data_dir, now))
    return report
