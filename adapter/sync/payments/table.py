"""The payments table (Zaplacené objednávky) — pure: a plan as Czech rows and as text.

One shape serves every place the table appears: the upload preview, the run
detail page (the generic renderer of ``Run.report``), the dedicated payments
run view and the command line. :func:`plan_report` returns an ordered dict:

* ``"Zdroj"`` — where the facts came from (a scalar, shown under "Souhrn");
* ``"Počty"`` — section title → count (a dict of scalars, one small table);
* one list of row dicts per non-empty section, keyed by the section title,
  with Czech column names (empty sections are left out, because the generic
  renderer would show an empty list as a summary value).

Money is formatted with :func:`adapter.czech.money`, dates as
``D. M. YYYY``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from adapter.czech import money, shop_status
from adapter.sync.payments.csv import RowError
from adapter.sync.payments.matching import (
    PaymentMatch,
    PaymentPlan,
    PlanList,
    normalise_order_number,
)

#: plan list → section title (POHODA's and the shop's words)
SECTION_TITLES: dict[PlanList, str] = {
    "to_mark_paid": "K označení jako zaplacené",
    "partly_paid": "Částečně uhrazené (neoznačí se)",
    "unpaid": "Neuhrazené",
    "unknown": "Čísla, která e-shop nezná",
    "already_paid": "Už zaplacené",
    "held": "Pozastavené — zkontrolujte ručně",
}
ERRORS_TITLE = "Přeskočené řádky souboru"
NO_ORDER_TITLE = "Faktury bez čísla objednávky (přeskočeny)"
COUNTS_KEY = "Počty"
SOURCE_KEY = "Zdroj"
#: rows kept per section in a stored report (counts stay exact)
MAX_ROWS = 5000
SECTION_ORDER: tuple[PlanList, ...] = ("to_mark_paid", "held", "partly_paid", "unknown", "unpaid", "already_paid")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What applying the plan did with one order (the "Výsledek" column)."""

    state: str  #: ok, error, held, skipped, preview
    message: str


def czech_date(value: date | None) -> str:
    """``date(2025, 1, 5)`` → ``"5. 1. 2025"`` ("" for None)."""
    return "" if value is None else f"{value.day}. {value.month}. {value.year}"


def _money(value: Decimal | None) -> str:
    return "" if value is None else money(value)


def match_row(match: PaymentMatch, *, outcome: Outcome | None = None, reason: str = "") -> dict[str, str]:
    """One order as a row of Czech columns."""
    row = {
        "Objednávka": match.order_number,
        "Faktura": match.invoice_number,
        "Celkem": _money(match.total),
        "Uhrazeno": _money(match.paid),
        "K likvidaci": money(match.to_pay),
        "Datum": czech_date(match.date),
        "Datum úhrady": czech_date(match.paid_date),
        "Stav v e-shopu": shop_status(match.shop_status) if match.shop_status else "",
        "Důvod": reason or match.reason,
    }
    if match.lines:
        row["Řádek"] = ", ".join(str(n) for n in match.lines)
    if outcome is not None:
        row["Výsledek"] = outcome.message
    return row


def error_row(error: RowError) -> dict[str, str]:
    """One bad line of the file as a row."""
    return {"Řádek": str(error.line), "Chyba": error.message, "Obsah": error.raw}


def effective_lists(
    plan: PaymentPlan, marked: Mapping[str, str] | None = None
) -> dict[PlanList, list[tuple[PaymentMatch, str]]]:
    """The plan's lists, with orders the ledger shows as marked moved to "already paid".

    ``marked`` maps normalised order numbers to a Czech note ("Označeno
    adaptérem …"); each list item is (match, reason override or "").
    """
    marked = marked or {}
    lists: dict[PlanList, list[tuple[PaymentMatch, str]]] = {kind: [] for kind in SECTION_TITLES}
    for kind in SECTION_TITLES:
        for match in getattr(plan, kind):
            note = marked.get(normalise_order_number(match.order_number)) if kind == "to_mark_paid" else None
            if note is not None:
                lists["already_paid"].append((match, note))
            else:
                lists[kind].append((match, ""))
    return lists


def plan_counts(plan: PaymentPlan, marked: Mapping[str, str] | None = None) -> dict[str, int]:
    """Section title → number of orders (and bad lines, invoices without an order number)."""
    lists = effective_lists(plan, marked)
    counts = {SECTION_TITLES[kind]: len(lists[kind]) for kind in SECTION_ORDER}
    counts[ERRORS_TITLE] = len(plan.errors)
    counts[NO_ORDER_TITLE] = plan.no_order
    return counts


def plan_report(
    plan: PaymentPlan,
    *,
    source: str,
    marked: Mapping[str, str] | None = None,
    outcomes: Mapping[str, Outcome] | None = None,
    max_rows: int = MAX_ROWS,
) -> dict[str, Any]:
    """The whole table as an ordered dict (see the module docstring)."""
    lists = effective_lists(plan, marked)
    outcomes = outcomes or {}
    report: dict[str, Any] = {SOURCE_KEY: source, COUNTS_KEY: plan_counts(plan, marked)}
    for kind in SECTION_ORDER:
        items = lists[kind]
        if not items:
            continue
        rows = []
        for match, reason in items[:max_rows]:
            outcome = outcomes.get(normalise_order_number(match.order_number)) if kind == "to_mark_paid" else None
            rows.append(match_row(match, outcome=outcome, reason=reason))
        report[SECTION_TITLES[kind]] = rows
    if plan.errors:
        report[ERRORS_TITLE] = [error_row(e) for e in plan.errors[:max_rows]]
    return report


def report_sections(report: Mapping[str, Any]) -> tuple[str, dict[str, int], list[tuple[str, list[str], list[dict[str, str]]]]]:
    """Split a stored report back into (source, counts, [(title, columns, rows)]) for the templates."""
    source = str(report.get(SOURCE_KEY, ""))
    raw_counts = report.get(COUNTS_KEY)
    counts = {str(k): int(v) for k, v in raw_counts.items()} if isinstance(raw_counts, dict) else {}
    sections: list[tuple[str, list[str], list[dict[str, str]]]] = []
    for key, value in report.items():
        if key in (SOURCE_KEY, COUNTS_KEY) or not isinstance(value, list):
            continue
        rows = [r for r in value if isinstance(r, dict)]
        columns: list[str] = []
        for row in rows:
            columns.extend(c for c in row if c not in columns)
        sections.append((str(key), columns, rows))
    return source, counts, sections


# --------------------------------------------------------------------------- text (command line)

_TEXT_COLUMNS = ("Objednávka", "Faktura", "K likvidaci", "Datum", "Stav v e-shopu", "Výsledek", "Důvod")


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def text_table(rows: Sequence[Mapping[str, str]], columns: Sequence[str], *, max_width: int = 60) -> list[str]:
    """Rows as aligned plain-text lines (columns cut to ``max_width`` characters)."""
    cols = [c for c in columns if any(row.get(c) for row in rows)]
    if not cols:
        return []
    widths = {c: min(max_width, max(len(c), *(len(str(row.get(c, ""))) for row in rows))) for c in cols}
    lines = ["  ".join(c.ljust(widths[c]) for c in cols).rstrip()]
    lines.append("  ".join("-" * widths[c] for c in cols))
    for row in rows:
        lines.append("  ".join(_fit(str(row.get(c, "")), widths[c]).ljust(widths[c]) for c in cols).rstrip())
    return lines


def report_text(report: Mapping[str, Any], *, max_rows: int = 200) -> str:
    """The table for the terminal: source, counts, then every section."""
    source, counts, sections = report_sections(report)
    out = [source, ""] if source else []
    width = max((len(k) for k in counts), default=0)
    out.extend(f"  {k.ljust(width)}  {v:>6}" for k, v in counts.items())
    for title, columns, rows in sections:
        out.extend(["", f"{title} ({len(rows)})"])
        shown = rows[:max_rows]
        if title == ERRORS_TITLE:
            out.extend("  " + line for line in text_table(shown, ("Řádek", "Chyba", "Obsah"), max_width=90))
        else:
            wanted = [c for c in _TEXT_COLUMNS if c in columns]
            out.extend("  " + line for line in text_table(shown, wanted))
        if len(rows) > max_rows:
            out.append(f"  … a dalších {len(rows) - max_rows}")
    return "\n".join(out) + "\n"
