"""Settings of EU sales: ``[vat]`` (OSS, reverse charge, export), ``[currency]`` and ``[advances]``.

The EU rate table is shipped here (standard rate first, reduced rates after a
slash: ``"SK" = "23 / 19, 5"``) and is editable in settings; the shop's own
tax lines win over it whenever their percent is one of the country's rates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

#: EU member states' VAT rates (ISO country → "standard / reduced, reduced"), as published by the
#: European Commission for 2026; the accountant keeps them current in Nastavení › DPH.
DEFAULT_EU_RATES: dict[str, str] = {
    "AT": "20 / 13, 10", "BE": "21 / 12, 6", "BG": "20 / 9", "CY": "19 / 9, 5", "CZ": "21 / 12",
    "DE": "19 / 7", "DK": "25", "EE": "24 / 13, 9", "ES": "21 / 10, 4", "FI": "25.5 / 14, 10",
    "FR": "20 / 10, 5.5", "GR": "24 / 13, 6", "HR": "25 / 13, 5", "HU": "27 / 18, 5", "IE": "23 / 13.5, 9",
    "IT": "22 / 10, 5", "LT": "21 / 12, 5", "LU": "17 / 8, 3", "LV": "21 / 12, 5", "MT": "18 / 7, 5",
    "NL": "21 / 9", "PL": "23 / 8, 5", "PT": "23 / 13, 6", "RO": "21 / 11", "SE": "25 / 12, 6",
    "SI": "22 / 9.5, 5", "SK": "23 / 19, 5",
}

#: ČNB's daily rate file (its public text format)
CNB_URL = ("https://www.cnb.cz/cs/financni-trhy/devizovy-trh/kurzy-devizoveho-trhu/"
           "kurzy-devizoveho-trhu/denni_kurz.txt")

REVERSE_CHARGE_TEXT = "Daň odvede zákazník (přenesení daňové povinnosti)."


@dataclass(frozen=True, slots=True)
class VatSettings:
    """``[vat]``: VAT regimes of orders from other countries."""

    oss: bool = False  #: EU consumers pay their own country's VAT through OSS
    home_country: str = "CZ"
    rates: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_EU_RATES))
    reverse_charge_text: str = REVERSE_CHARGE_TEXT  #: note printed on reverse-charge documents
    rounding: str = "line"  #: "line" = every line rounded to haléře (POHODA's payVAT rule), difference as a line
    classification_reverse_charge: str = "UDdodEU"  #: POHODA členění DPH of EU deliveries to VAT payers
    classification_export: str = "UDvyvoz"  #: POHODA členění DPH of exports outside the EU
    classification_oss: str = ""  #: empty = POHODA decides from the OSS country (MOSS)
    ip_country_meta: str = "_customer_ip_country"  #: order meta with the country of the customer's IP
    evidence_billing: str = "A"  #: POHODA code of the evidence "billing address" (důkazní prostředek)
    evidence_ip: str = "B"  #: POHODA code of the evidence "IP address"
    period_style: str = "quarter"  #: accountingPeriodMOSS as "Q4/2026" ("quarter") or "2026/12" ("month")
    vies_check: bool = False  #: the live VIES check of VAT ids (off: the format is checked only)
    vies_url: str = "https://ec.europa.eu/taxation_customs/vies/rest-api"  #: VIES's REST service


@dataclass(frozen=True, slots=True)
class CurrencySettings:
    """``[currency]``: rates of foreign-currency orders."""

    source: str = "cnb"  #: "cnb" = ČNB's daily file (cached in the ledger), "fixed" = fixed_rates only
    cnb_url: str = CNB_URL
    #: fixed rates, the fallback when ČNB is unreachable: currency → CZK per unit ("25.30") or per amount ("6.45/100")
    fixed_rates: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AdvancesSettings:
    """``[advances]``: advance invoices (zálohové faktury) for prepaid orders."""

    enabled: bool = False
    payment_methods: tuple[str, ...] = ("bacs",)
    tax_document: bool = False  #: also a tax document for the received payment (daňový doklad k přijaté platbě)
    numbering_series: str = ""  #: POHODA number series of advance invoices, optional


EU_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("vat", "rounding"): ("line",),
    ("vat", "period_style"): ("quarter", "month"),
    ("currency", "source"): ("cnb", "fixed"),
}

_RATE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:/\s*(\d+(?:[.,]\d+)?(?:\s*,\s*\d+(?:[.,]\d+)?)*)\s*)?$")


def _dec(text: str) -> Decimal:
    return Decimal(text.strip().replace(",", "."))


def parse_country_rates(text: str) -> tuple[Decimal, tuple[Decimal, ...]] | None:
    """``"23 / 19, 5"`` → (23, (19, 5)); ``"25"`` → (25, ()); anything else → None."""
    match = _RATE.match(text or "")
    if match is None:
        return None
    try:
        standard = _dec(match.group(1))
        reduced = tuple(_dec(part) for part in re.split(r"\s*,\s*", match.group(2))) if match.group(2) else ()
    except InvalidOperation:
        return None
    if not 0 < standard < 100 or any(not 0 < r < standard for r in reduced) or len(reduced) > 2:
        return None
    return standard, reduced


def check_eu(section: str, key: str, value: object) -> str | None:
    """Rules of the EU sections beyond the field type; a Czech message or None."""
    if section == "vat" and key == "rates" and isinstance(value, Mapping):
        bad = [f"{k} = {v}" for k, v in value.items()
               if not re.fullmatch(r"[A-Z]{2}", str(k)) or parse_country_rates(str(v)) is None]
        if bad:
            return ("sazby zadejte jako ZEMĚ = základní / snížená, druhá snížená (např. SK = 23 / 19, 5); "
                    "chybně: " + "; ".join(bad))
    if section == "vat" and key == "home_country" and not re.fullmatch(r"[A-Z]{2}", str(value)):
        return "zadejte kód země dvěma velkými písmeny, např. CZ"
    if key in ("cnb_url", "vies_url") and value and not re.match(r"^https?://[^/\s]+", str(value)):
        return "zadejte adresu služby ve tvaru https://…"
    return None
