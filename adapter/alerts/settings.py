"""``[alerts]``: who is told about problems, and after how long."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AlertsSettings:
    """``[alerts]``: e-mail alerts about failed runs, an unreachable mServer, waiting orders, new values."""

    enabled: bool = False
    to: tuple[str, ...] = ()  #: addresses the alerts go to
    mserver_down_minutes: int = 15  #: mServer unreachable (or without a licence) this long → alert
    order_waiting_hours: int = 24  #: an order held or failing this long → alert
    digest: bool = False  #: also one summary e-mail a day
    digest_hour: int = 7  #: hour of the daily summary (local time)
    app_url: str = "http://127.0.0.1:8800"  #: address of the adapter in the links of the e-mails


#: (section, key) → (Czech label, Czech help) for the settings page
FIELD_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("alerts", "enabled"): ("Posílat upozornění e-mailem", "Při chybě běhu, nedostupném mServeru, čekající objednávce a nové hodnotě."),
    ("alerts", "to"): ("Komu", "E-mailové adresy oddělené čárkou."),
    ("alerts", "mserver_down_minutes"): (
        "mServer nedostupný (minuty)",
        "Upozornit, když mServer neodpovídá nebo nemá licenci déle než tolik minut.",
    ),
    ("alerts", "order_waiting_hours"): ("Objednávka čeká (hodiny)", "Upozornit, když objednávka čeká nebo končí chybou déle než tolik hodin."),
    ("alerts", "digest"): ("Denní souhrn", "Jednou denně poslat souhrn otevřených problémů a upozornění za poslední den."),
    ("alerts", "digest_hour"): ("Hodina denního souhrnu", "0 až 23 (místní čas)."),
    ("alerts", "app_url"): ("Adresa adaptéru v odkazech", "Odkazy v e-mailech vedou sem, např. http://127.0.0.1:8800."),
}
