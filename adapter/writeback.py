"""Rules and texts of the two agendas that write POHODA's news back to the shop: ``states`` and ``documents``.

Kept apart from :mod:`adapter.config` (which holds their settings dataclasses) and free of any
adapter import, so the settings loader, the POHODA parsers and the jobs share one definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from adapter.czech import shop_status

#: POHODA's states of a received order, lowest first (``[states] status_map`` keys)
STATE_KEYS = ("invoiced", "executed", "delivered")
STATE_TITLES = {"invoiced": "vyfakturováno", "executed": "vyřízeno", "delivered": "dodáno"}
#: tracking fields that are plain header elements (``[states] tracking_field``)
HEADER_FIELDS = ("note", "intNote", "text")
PARAM_PREFIX = "param:"

DEFAULT_SUBJECT = "Faktura {invoice} k objednávce {order}"
DEFAULT_BODY = ("Dobrý den,\n\nv příloze posíláme fakturu {invoice} k Vaší objednávce {order}.\n\n"
                "Děkujeme za nákup.\n")
#: placeholders the e-mail templates may use
TEMPLATE_KEYS = ("invoice", "order", "name")


def tracking_field_problem(value: str) -> str:
    """A Czech message when ``value`` is not a tracking field we can read, else ""."""
    if not value or value in HEADER_FIELDS:
        return ""
    if value.startswith(PARAM_PREFIX) and 0 < len(value[len(PARAM_PREFIX):]) <= 16:
        return ""
    return ("pole se sledovacím číslem musí být note, intNote, text nebo param:NÁZEV "
            "(uživatelské pole POHODY, nejvýš 16 znaků)")


def status_map_problem(status_map: Mapping[str, str]) -> str:
    """A Czech message for unknown POHODA states in ``status_map``, else ""."""
    unknown = sorted(k for k in status_map if k not in STATE_KEYS)
    if unknown:
        return (f"neznámý stav POHODY: {', '.join(unknown)}; povolené: {', '.join(STATE_KEYS)} "
                "(vyfakturováno, vyřízeno, dodáno)")
    return ""


def loop_problem(status_map: Mapping[str, str], *, transfer_statuses: Sequence[str], transfer_meta_key: str,
                 orders_enabled: bool) -> str:
    """A Czech explanation when a status written back would make the order eligible for transfer again."""
    if not orders_enabled or transfer_meta_key:
        return ""
    looping = sorted({status for status in status_map.values() if status in transfer_statuses})
    if not looping:
        return ""
    return (f"Stav „{', '.join(shop_status(s) for s in looping)}“ zapsaný podle POHODY je zároveň stav, ve kterém se "
            "objednávky přenášejí do POHODY (Nastavení › Přijaté objednávky › Stavy objednávek k přenosu). "
            "Objednávka by se tak k přenosu nabídla znovu. "
            "Zvolte v tabulce stavů jiný stav, nebo přenášejte podle meta klíče.")


def template_problem(template: str) -> str:
    """A Czech message when an e-mail template uses an unknown placeholder, else ""."""
    try:
        render(template, invoice="F", order="O", name="N")
    except (KeyError, IndexError, ValueError) as exc:
        return f"šablona obsahuje neznámé pole {exc}; povolená: " + ", ".join("{" + k + "}" for k in TEMPLATE_KEYS)
    return ""


def render(template: str, **values: str) -> str:
    """Fill ``{invoice}``, ``{order}``, ``{name}`` into a template."""
    return template.format(**values)


def tracking_url(templates: Mapping[str, str], carrier: str, number: str) -> str:
    """The tracking link of ``number`` by the carrier's template (``*`` = any carrier), or ""."""
    template = templates.get(carrier) or templates.get("*") or ""
    return template.replace("{number}", number) if template and number else ""


#: (section, key) → (Czech label, Czech help) for the settings pages
FIELD_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("states", "status_map"): (
        "Stav v e-shopu podle POHODY",
        "Řádky stav POHODY = kód stavu WooCommerce (kódy níže), např. executed = kód stavu Dokončeno. Stavy POHODY: invoiced (vyfakturováno), "
        "executed (vyřízeno), delivered (dodáno). Prázdné = stav se nemění, zapíše se jen číslo faktury a poznámka."),
    ("states", "tracking_field"): (
        "Pole se sledovacím číslem",
        "Kam v POHODĚ zapisujete číslo zásilky: note, intNote, text, nebo param:NÁZEV pro uživatelské pole."),
    ("states", "tracking_url"): (
        "Odkaz na sledování zásilky",
        "Řádky dopravce = adresa s {number}, např. PPL = https://www.ppl.cz/vyhledat-zasilku?shipmentId={number}; "
        "* = pro ostatní dopravce."),
    ("states", "customer_note"): (
        "Poznámka zákazníkovi",
        "Zapnuto: poznámka o stavu a zásilce se pošle zákazníkovi (WooCommerce mu pošle e-mail). Vypnuto: soukromá."),
    ("states", "overlap_minutes"): ("Překryv (minuty)", "Přírůstkový běh se vrací o tolik minut zpět."),
    ("documents", "report"): (
        "ID tiskové sestavy",
        "Číslo sestavy faktury v POHODĚ (Tisk › vlastnosti sestavy); 0 = faktury se netisknou."),
    ("documents", "email_customer"): ("Posílat fakturu zákazníkovi", "PDF faktury se pošle na e-mail z objednávky."),
    ("documents", "subject"): ("Předmět e-mailu", "Pole {invoice} (číslo faktury), {order} (číslo objednávky), {name}."),
    ("documents", "body"): ("Text e-mailu", "Pole {invoice}, {order} a {name} se doplní."),
    ("documents", "shop_note"): (
        "Poznámka v objednávce",
        "Po odeslání přidat k objednávce soukromou poznámku „Faktura … odeslána zákazníkovi“."),
    ("documents", "overlap_minutes"): ("Překryv (minuty)", "Přírůstkový běh se vrací o tolik minut zpět."),
}


def field_problem(key: str, value: object) -> str:
    """Rules of the ``[states]`` / ``[documents]`` fields beyond their type; a Czech message or ""."""
    if key == "status_map" and isinstance(value, Mapping):
        return status_map_problem(value)
    if key == "tracking_field" and isinstance(value, str):
        return tracking_field_problem(value)
    if key in ("subject", "body") and isinstance(value, str):
        return template_problem(value)
    return ""
