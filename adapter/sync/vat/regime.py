"""The VAT regime of a sale and the rate of each line — pure functions, no I/O.

Which regime (the rule, in order):

1. the goods go to the home country (or no country is known) → **domestic**;
2. to another EU member state, to a customer with a VAT id of a valid format for
   that state → **reverse charge** (dodání zboží do jiného členského státu,
   rate 0 %, POHODA členění DPH ``[vat] classification_reverse_charge``);
3. to another EU member state, to a consumer, ``[vat] oss`` on → **OSS**: the
   customer country's rates, POHODA header ``MOSS`` = that country;
   ``[vat] oss`` off → **domestic** (sales under the EU threshold keep Czech VAT);
4. outside the EU → **export** (rate 0 %, ``[vat] classification_export``).

With ``[vat] vies_check`` on, a VAT id of a valid format is also asked in
VIES (injected as :attr:`VatPolicy.vies`): "not valid" makes the customer a
consumer, "unknown" (VIES unreachable) keeps the format's answer with a warning.

The country is the delivery country (where the goods arrive decides for
distance sales), the billing country when no delivery address is given.

Received orders, issued invoices, advance invoices and credit notes all call
:func:`decide` (or :func:`regime_for_order`) and :func:`line_rate`, so one order
always gets one answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from adapter.config.eu import DEFAULT_EU_RATES, REVERSE_CHARGE_TEXT, parse_country_rates
from adapter.records import DocVat, Order, VatRate

RegimeKind = Literal["domestic", "oss", "reverse_charge", "export"]

EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT",
    "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})

#: VAT id formats of the member states (without the country prefix), as VIES documents them
VAT_ID_FORMATS: dict[str, str] = {
    "AT": r"U\d{8}", "BE": r"[01]\d{9}", "BG": r"\d{9,10}", "CY": r"\d{8}[A-Z]", "CZ": r"\d{8,10}",
    "DE": r"\d{9}", "DK": r"\d{8}", "EE": r"\d{9}", "EL": r"\d{9}", "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}", "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}", "HR": r"\d{11}", "HU": r"\d{8}", "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}", "LT": r"\d{9}|\d{12}", "LU": r"\d{8}", "LV": r"\d{11}", "MT": r"\d{8}", "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}", "PT": r"\d{9}", "RO": r"\d{2,10}", "SE": r"\d{12}", "SI": r"\d{8}", "SK": r"\d{10}",
}

KIND_LABELS: dict[str, str] = {
    "domestic": "tuzemsko",
    "oss": "OSS",
    "reverse_charge": "přenesení daňové povinnosti",
    "export": "vývoz mimo EU",
}


@dataclass(frozen=True, slots=True)
class VatPolicy:
    """What the decision needs from ``[vat]`` (built by :func:`policy_from`)."""

    oss: bool = False
    home_country: str = "CZ"
    rates: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_EU_RATES))
    reverse_charge_text: str = REVERSE_CHARGE_TEXT
    classification_reverse_charge: str = "UDdodEU"
    classification_export: str = "UDvyvoz"
    classification_oss: str = ""
    ip_country_meta: str = "_customer_ip_country"
    evidence_billing: str = "A"
    evidence_ip: str = "B"
    period_style: str = "quarter"
    #: the live VIES check, ``(vat_id, country)`` → True / False / None (unknown); None = format check only
    vies: Callable[[str, str], bool | None] | None = None


@dataclass(frozen=True, slots=True)
class Regime:
    """The regime of one sale, with the reason shown in the preview (Czech)."""

    kind: RegimeKind
    country: str  #: the customer's country (ISO), "" when unknown
    reason: str
    vat_id: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Czech name of the regime, with the country for OSS."""
        base = KIND_LABELS[self.kind]
        return f"{base} {self.country}" if self.kind == "oss" else base


@dataclass(frozen=True, slots=True)
class LineRate:
    """The POHODA rate code of one line, the percent it means and why; ``problem`` holds the order."""

    code: VatRate
    percent: Decimal
    reason: str
    problem: str = ""


def vat_id_valid(vat_id: str, country: str) -> bool:
    """True when ``vat_id`` has the format of a VAT id of ``country`` (prefix optional; GR ids start with EL)."""
    text = re.sub(r"[\s.\-]", "", vat_id or "").upper()
    prefix = "EL" if country.upper() == "GR" else country.upper()
    if text.startswith(prefix):
        text = text[len(prefix):]
    pattern = VAT_ID_FORMATS.get(prefix)
    return bool(pattern and text and re.fullmatch(pattern, text))


def decide(country: str, vat_id: str, policy: VatPolicy) -> Regime:
    """The regime of a sale delivered to ``country`` for a customer with ``vat_id`` (may be empty)."""
    country = (country or "").strip().upper()
    vat_id = (vat_id or "").strip()
    home = policy.home_country.upper()
    if not country or country == home:
        return Regime("domestic", country or home, f"zákazník v tuzemsku ({country or home})", vat_id)
    if country not in EU_COUNTRIES:
        return Regime("export", country, f"země {country} není v EU: vývoz, sazba 0 %", vat_id)
    warnings: tuple[str, ...] = ()
    live = policy.vies(vat_id, country) if (policy.vies is not None and vat_id and vat_id_valid(vat_id, country)) \
        else None
    if vat_id and vat_id_valid(vat_id, country) and live is not False:
        unknown = (f"DIČ {vat_id} nešlo ověřit ve VIES (služba nedostupná); použit jen tvar DIČ.",) \
            if policy.vies is not None and live is None else ()
        return Regime("reverse_charge", country, f"plátce DPH v {country} (DIČ {vat_id}): přenesení daňové "
                                                 "povinnosti, sazba 0 %", vat_id, unknown)
    if live is False:
        warnings = (f"DIČ „{vat_id}“ není podle VIES platné: zákazník je brán jako spotřebitel; ověřte DIČ "
                    "u zákazníka a opravte je v e-shopu.",)
    elif vat_id:
        warnings = (f"DIČ „{vat_id}“ nemá tvar DIČ země {country}: zákazník je brán jako spotřebitel; "
                    "opravte DIČ v e-shopu, má-li jít o přenesení daňové povinnosti.",)
    if policy.oss:
        return Regime("oss", country, f"spotřebitel v {country}, režim OSS: sazby DPH země {country}", vat_id,
                      warnings)
    return Regime("domestic", country, f"spotřebitel v {country}, OSS vypnuto (Nastavení › DPH, měny a zálohy › Režim OSS): tuzemské sazby",
                  vat_id, warnings)


def regime_for_order(order: Order, policy: VatPolicy) -> Regime:
    """The regime of an e-shop order: delivery country (else billing), billing VAT id."""
    country = order.shipping.country.strip() if (order.shipping.street or order.shipping.city) else ""
    return decide(country or order.billing.country, order.billing.dic, policy)


def country_rates(policy: VatPolicy, country: str) -> tuple[Decimal, tuple[Decimal, ...]] | None:
    """(standard, reduced…) of ``country`` from the settings table, None when missing or unreadable."""
    text = policy.rates.get(country.upper())
    return parse_country_rates(text) if text else None


def _codes(rates: tuple[Decimal, tuple[Decimal, ...]]) -> list[tuple[VatRate, Decimal]]:
    """POHODA codes of a country's rates: standard = high, first reduced = low, second reduced = third."""
    standard, reduced = rates
    codes: list[VatRate] = ["low", "third"]
    return [("high", standard), *zip(codes, reduced, strict=False)]


def line_rate(regime: Regime, shop_percent: Decimal, domestic: VatRate | None, policy: VatPolicy) -> LineRate:
    """The rate of a line outside the domestic regime.

    OSS: the shop's percent wins when it is one of the country's rates; else the
    line keeps its kind of rate (``domestic`` code: high → the country's standard,
    low → its first reduced rate). Reverse charge and export: 0 %; a line the shop
    charged VAT on holds the order (the customer paid VAT that must not be there).
    """
    if regime.kind in ("reverse_charge", "export"):
        label = KIND_LABELS[regime.kind]
        if shop_percent:
            return LineRate("none", Decimal(0), label, problem=(
                f"E-shop účtoval DPH {shop_percent.normalize():f} % zákazníkovi v režimu {label} ({regime.country}); "
                "opravte daň objednávky v e-shopu (nebo DIČ či zemi zákazníka)."))
        return LineRate("none", Decimal(0), f"{label}: sazba 0 %")
    rates = country_rates(policy, regime.country)
    if rates is None:
        return LineRate("none", Decimal(0), "", problem=(
            f"Pro zemi {regime.country} chybí sazby DPH; doplňte je v Nastavení › DPH, měny a zálohy › Sazby DPH zemí EU "
            "(režim OSS)."))
    codes = _codes(rates)
    if not shop_percent:
        return LineRate("none", Decimal(0), "e-shop neúčtoval DPH: sazba 0 %")
    for code, percent in codes:
        if percent == shop_percent:
            return LineRate(code, percent, f"sazba e-shopu {percent.normalize():f} % = sazba {regime.country}")
    want: VatRate = "low" if domestic in ("low", "third") else "high"
    code, percent = next(((c, p) for c, p in codes if c == want), codes[0])
    return LineRate(code, percent, f"sazba e-shopu {shop_percent.normalize():f} % není sazbou {regime.country}: "
                                   f"použita {'snížená' if code != 'high' else 'základní'} sazba {percent.normalize():f} %")


def accounting_period(day: date, style: str) -> str:
    """``accountingPeriodMOSS`` (string7): "Q4/2026" by quarter, "2026/12" by month."""
    if style == "month":
        return f"{day.year}/{day.month:02d}"
    return f"Q{(day.month - 1) // 3 + 1}/{day.year}"


def doc_vat(regime: Regime, order: Order, day: date, policy: VatPolicy) -> DocVat | None:
    """The header VAT elements of a document in ``regime`` (None for domestic)."""
    if regime.kind == "domestic":
        return None
    if regime.kind == "oss":
        evidence = [policy.evidence_billing] if order.billing.country.upper() == regime.country else []
        ip_country = (order.meta_value(policy.ip_country_meta) or "").strip().upper() if policy.ip_country_meta else ""
        if ip_country == regime.country and policy.evidence_ip:
            evidence.append(policy.evidence_ip)
        return DocVat(moss_country=regime.country, evidence=tuple(e for e in evidence if e),
                      accounting_period=accounting_period(day, policy.period_style),
                      classification=policy.classification_oss)
    classification = (policy.classification_reverse_charge if regime.kind == "reverse_charge"
                      else policy.classification_export)
    note = policy.reverse_charge_text if regime.kind == "reverse_charge" else ""
    return DocVat(classification=classification, note=note)


def policy_from(vat: object) -> VatPolicy:
    """A :class:`VatPolicy` from ``settings.vat`` (:class:`adapter.config.eu.VatSettings`); VIES when switched on."""
    from adapter.sync.vat.vies import ViesChecker  # the checker talks to VIES; the decision itself stays pure

    names = VatPolicy.__dataclass_fields__
    values = {name: getattr(vat, name) for name in names if hasattr(vat, name) and name != "vies"}
    checker = ViesChecker(str(getattr(vat, "vies_url", "") or "")) if getattr(vat, "vies_check", False) else None
    return VatPolicy(**values, vies=checker)
