"""``[mappings]``: what the orders run does with a value nobody mapped yet."""

from __future__ import annotations

from dataclasses import dataclass

UNMAPPED_CHOICES = ("hold", "default")


@dataclass(frozen=True, slots=True)
class MappingsSettings:
    """``[mappings]``: the defaults used when a shop value is not mapped."""

    #: "hold" = the order waits until the value is mapped; "default" = sent with the defaults below
    unmapped: str = "default"
    default_payment: str = ""  #: POHODA forma úhrady for unmapped payment methods (empty = none sent)
    default_carrier: str = ""  #: POHODA dopravce for unmapped shipping methods (empty = none sent)


FIELD_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("mappings", "unmapped"): (
        "Nová nenamapovaná hodnota",
        "hold = objednávka počká, než hodnotu namapujete; default = odešle se s výchozí formou úhrady / dopravcem.",
    ),
    ("mappings", "default_payment"): ("Výchozí forma úhrady", "Forma úhrady v POHODĚ pro nenamapované platby (při volbě default)."),
    ("mappings", "default_carrier"): ("Výchozí dopravce", "Dopravce v POHODĚ pro nenamapované způsoby dopravy (při volbě default)."),
}
