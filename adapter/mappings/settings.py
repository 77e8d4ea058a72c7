"""``[mappings]``: what the orders run does with a value nobody mapped yet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

UNMAPPED_CHOICES = ("hold", "default")


@dataclass(frozen=True, slots=True)
class MappingsSettings:
    """``[mappings]``: the defaults used when a shop value is not mapped."""

    #: "hold" = the order waits until the value is mapped; "default" = sent with the defaults below
    unmapped: str = "default"
    default_payment: str = ""  #: POHODA forma úhrady for unmapped payment methods (empty = none sent)
    default_carrier: str = ""  #: POHODA dopravce for unmapped shipping methods (empty = none sent)
    #: shop VAT rate ("21", "12", "0") → POHODA členění DPH of a domestic invoice (e.g. "UD"); empty = none sent
    vat_classification: Mapping[str, str] = field(default_factory=dict)
    #: shop order statuses (e.g. a plugin's "awaiting-shipment") a person has seen and left out of every role
    known_statuses: tuple[str, ...] = ()


FIELD_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("mappings", "unmapped"): (
        "Nová nenamapovaná hodnota",
        "hold = objednávka počká, než hodnotu namapujete; default = odešle se s výchozí formou úhrady / dopravcem.",
    ),
    ("mappings", "default_payment"): ("Výchozí forma úhrady", "Forma úhrady v POHODĚ pro nenamapované platby (při volbě default)."),
    ("mappings", "default_carrier"): ("Výchozí dopravce", "Dopravce v POHODĚ pro nenamapované způsoby dopravy (při volbě default)."),
    ("mappings", "vat_classification"): (
        "Členění DPH podle sazby",
        "Sazba DPH e-shopu → členění DPH v POHODĚ (např. UD) pro tuzemské vydané faktury; nastavuje se na stránce Mapování › DPH.",
    ),
    ("mappings", "known_statuses"): (
        "Známé stavy objednávek",
        "Stavy e-shopu (např. přidané pluginem), které adaptér nepoužívá a nemá je hlásit jako nové; nastavuje se na stránce Mapování › Stavy.",
    ),
}
