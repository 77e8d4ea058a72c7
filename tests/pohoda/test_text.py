"""Text fitting: Windows-1250 transliteration and XSD lengths, always with warnings."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapter.pohoda import schema
from adapter.pohoda.text import fit, length_of, to_cp1250


def test_czech_and_cp1250_typography_is_kept() -> None:
    value = "Příliš žluťoučký kůň úpěl ďábelské ódy – „uvozovky“ € … ß ł ő"
    assert to_cp1250(value) == (value, ())


def test_replacements() -> None:
    text, changes = to_cp1250("Ørsted Москва ñandú ﬁx ™ ² 😀")
    assert text == "Orsted Moskva nandú fix ™ 2 ?"  # ú and ™ exist in Windows-1250
    assert "„😀“ → „?“" in changes
    assert "„М“ → „M“" in changes


def test_emoji_sequences_become_one_question_mark() -> None:
    assert to_cp1250("a 👨‍👩‍👧 b 👍🏽 c ❤️")[0] == "a ? b ? c ?"


def test_control_characters_are_dropped_with_a_note() -> None:
    text, changes = to_cp1250("a\x00b\x07c\td\ne")
    assert text == "abc\td\ne"
    assert changes == ("U+0000 → (vynecháno)", "U+0007 → (vynecháno)")


def test_fit_cuts_to_xsd_length_and_warns() -> None:
    text, warnings = fit("x" * 100 + " 😀", "name", "string90")
    assert text == "x" * 90
    assert warnings == (
        "jméno: znaky, které POHODA neumí uložit, byly nahrazeny („😀“ → „?“)",
        "jméno: text zkrácen z 102 na 90 znaků (limit POHODY)",
    )
    assert fit("krátký", "name", "string90") == ("krátký", ())
    assert fit("y" * 30, "symVar", 20)[0] == "y" * 20


def test_lengths_come_from_type_xsd() -> None:
    for name, expected in [("stringCompany", 255), ("documentNumberType", 32), ("unitType", 10),
                           ("string98", 98), ("symVarType", 20), ("typ:icoType", 15)]:
        assert length_of(name) == expected
        assert schema.max_length(name) == expected
    assert length_of("noSuchType") is None


@given(st.text(max_size=200))
def test_result_always_encodes_and_fits(value: str) -> None:
    text, warnings = fit(value, "f", "string64")
    text.encode("cp1250")
    assert len(text) <= 64
    if text != value:
        assert warnings
