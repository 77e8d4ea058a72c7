"""One message per problem: open it when it is due, a recovery message when it clears, a daily digest.

:func:`evaluate` compares the problems found now with the ledger's
``AlertProblem`` rows. A new problem is recorded as *pending*; once it has
lasted ``due_after`` it is claimed (*open*) in a short transaction and the
alert is sent outside it, so two checkers at once (the app and the scheduled
``app.py check``) never send it twice. When a problem disappears an open one
gets a recovery message; a pending one clears silently. Every e-mail is
recorded as an ``AlertDelivery``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from adapter import ledger
from adapter.alerts.problems import Problem
from adapter.errors import AdapterError
from adapter.ledger import alerts as rows
from adapter.ledger.alerts import AlertProblem
from adapter.mail import send_mail

if TYPE_CHECKING:
    from adapter.config import Settings

log = logging.getLogger(__name__)

#: (recipients, subject, body) → None; raises AdapterError when it could not send
Sender = Callable[[Sequence[str], str, str], None]
SUBJECT_PREFIX = "[POHODA adaptér] "
#: after a failed delivery the same alert is tried again only after this long
RETRY_AFTER = timedelta(minutes=15)


@dataclass
class Outcome:
    """What one evaluation did."""

    opened: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    digest: bool = False


def mail_sender(settings: Settings) -> Sender:
    """Send through the ``[mail]`` settings."""

    def send(to: Sequence[str], subject: str, body: str) -> None:
        send_mail(settings.mail, to, subject, body)

    return send


def _link(settings: Settings, path: str) -> str:
    return settings.alerts.app_url.rstrip("/") + path


def _deliver(settings: Settings, send: Sender, kind: str, problem: AlertProblem | None, subject: str, body: str,
             now: datetime) -> bool:
    to = list(settings.alerts.to)
    error = ""
    try:
        send(to, subject, body)
    except AdapterError as exc:
        error = exc.message
        log.warning("alert %r not delivered: %s (%s)", subject, exc.message, exc.detail)
    rows.add_delivery(problem, kind, to, subject, body, error, now)
    return not error


def _alert_body(settings: Settings, problem: Problem) -> str:
    return (f"{problem.message}\n\nStránka, kde to opravíte: {_link(settings, problem.link)}\n\n"
            "Toto upozornění posílá POHODA adaptér jednou za problém; až se vyřeší, přijde zpráva o obnovení.\n")


def _record(problems: Sequence[Problem], now: datetime) -> dict[str, AlertProblem]:
    """Upsert the rows of the current problems; reopen cleared ones. Returns key → row."""
    return {p.key: rows.upsert_problem(p.key, p.kind, p.title, p.message, p.link, now) for p in problems}


def _failed_lately(row: AlertProblem, now: datetime) -> bool:
    """True when sending this problem's alert failed less than :data:`RETRY_AFTER` ago."""
    return rows.delivery_failed_since(row, now - RETRY_AFTER)


def _claim(key: str, state_from: str, state_to: str, now: datetime) -> bool:
    """Move one row between states if nobody else did; True when this caller won."""
    return rows.move_problem(key, state_from, state_to, now)


def evaluate(settings: Settings, problems: Sequence[Problem], now: datetime, send: Sender | None = None) -> Outcome:
    """Record the problems, send what is due and the recoveries; needs an open ledger connection."""
    sending = settings.alerts.enabled and bool(settings.alerts.to)
    send = send or mail_sender(settings)
    outcome = Outcome()
    with ledger.database.atomic("IMMEDIATE"):
        current = _record(problems, now)
        gone = rows.problems_gone(list(current))
    for p in problems:
        row = current[p.key]
        if not sending or row.state != "pending" or now - row.first_seen_at < p.due_after or _failed_lately(row, now):
            continue
        if not _claim(p.key, "pending", "open", now):
            continue
        if _deliver(settings, send, "alert", row, SUBJECT_PREFIX + p.title, _alert_body(settings, p), now):
            outcome.opened.append(p.key)
        else:  # try again at the next check
            rows.back_to_pending(p.key)
            outcome.failed.append(p.key)
    for row in gone:
        if row.state == "pending" or not sending:
            _claim(row.key, row.state, "cleared", now)
            continue
        if not _claim(row.key, "open", "cleared", now):
            continue
        body = (f"Problém „{row.title}“ je vyřešen ({now.astimezone():%d. %m. %Y %H:%M}).\n\n"
                f"Trval od {row.first_seen_at.astimezone():%d. %m. %Y %H:%M}. Přehled: {_link(settings, '/health')}\n")
        if _deliver(settings, send, "recovery", row, SUBJECT_PREFIX + "Vyřešeno: " + row.title, body, now):
            outcome.recovered.append(row.key)
        else:
            outcome.failed.append(row.key)
    if sending and settings.alerts.digest:
        outcome.digest = send_digest_if_due(settings, send, now)
    return outcome


def send_digest_if_due(settings: Settings, send: Sender, now: datetime) -> bool:
    """The daily summary, once per local day after ``digest_hour``; True when sent now."""
    local = now.astimezone()
    if local.hour < min(23, settings.alerts.digest_hour):
        return False
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    with ledger.database.atomic("IMMEDIATE"):
        claim = rows.claim_digest(settings.alerts.to, SUBJECT_PREFIX + "Denní souhrn", day_start, now)
    if claim is None:
        return False
    open_rows = rows.open_problems()
    recent = rows.deliveries_since(now - timedelta(days=1), ("alert", "recovery"))
    lines = [f"Souhrn POHODA adaptéru za {local:%d. %m. %Y}.", ""]
    lines.append("Otevřené problémy:" if open_rows else "Žádné otevřené problémy.")
    lines += [f"  • {r.title} (od {r.first_seen_at.astimezone():%d. %m. %H:%M}) — {_link(settings, r.link)}" for r in open_rows]
    lines += ["", "Upozornění za poslední den:" if recent else "Za poslední den nepřišlo žádné upozornění."]
    lines += [f"  • {d.at.astimezone():%d. %m. %H:%M} {d.subject.removeprefix(SUBJECT_PREFIX)}" for d in recent]
    lines += ["", f"Stav adaptéru: {_link(settings, '/health')}"]
    body, error = "\n".join(lines) + "\n", ""
    try:
        send(list(settings.alerts.to), claim.subject, body)
    except AdapterError as exc:
        error = exc.message
    rows.finish_delivery(claim, body, error)
    return not error
