"""Envelope: item ids, dataPack building, responsePack parsing (real samples), hostile input."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from adapter.errors import ResponseParseError
from adapter.pohoda import envelope
from adapter.pohoda.envelope import NS, build_pack, item_id, pack_refusal, parse_response
from adapter.pohoda.stock import stock_item
from adapter.records import StockCardDoc

NSDECL = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items())


def rsp(body: str, *, state: str = "ok", pack_id: str = "p1", note: str = "", ico: str = "12345678") -> bytes:
    """A Windows-1250 responsePack around ``body``."""
    return (
        '<?xml version="1.0" encoding="Windows-1250"?>\n'
        f'<rsp:responsePack version="2.0" id="{pack_id}" state="{state}" note="{note}" ico="{ico}" '
        f'programVersion="13907.6 SQL (12.3.2025)" {NSDECL}>{body}</rsp:responsePack>'
    ).encode("cp1250")


# --------------------------------------------------------------------------- ids


def test_item_id_plain_key_is_readable() -> None:
    assert item_id("ord", "1234") == "ord-1234"
    assert item_id("stk", "ABC-001") == "stk-ABC-001"


def test_item_id_long_or_odd_keys_are_hashed_deterministically() -> None:
    long_key = "x" * 200
    a, b = item_id("stk", long_key), item_id("stk", long_key)
    assert a == b
    assert len(a) <= 64
    assert a.startswith("stk-xxx")
    assert item_id("stk", "a b") != item_id("stk", "a_b")  # no collision through sanitising
    assert item_id("adb", "Žluťoučký kůň") != item_id("adb", "Zlutoucky kun")
    assert len(item_id("adb", "😀" * 80)) <= 64


@given(st.text(min_size=1, max_size=300))
def test_item_id_always_fits(key: str) -> None:
    ident = item_id("ord", key)
    assert len(ident) <= 64
    assert ident == item_id("ord", key)


# --------------------------------------------------------------------------- build_pack


def _card(code: str) -> StockCardDoc:
    return StockCardDoc(code=code, name=f"Karta {code}", selling_price=Decimal("10.50"))


def test_build_pack_envelope(assert_valid_datapack) -> None:
    pack = build_pack([stock_item(_card("A")), stock_item(_card("B"))], ico="12345678", pack_id="run-7",
                      note="Zásoby – běh 7")
    assert_valid_datapack(pack.xml)
    assert pack.xml.startswith(b'<?xml version="1.0" encoding="Windows-1250"?>')
    assert pack.pack_id == "run-7"
    assert pack.item_ids == ("stk-A", "stk-B")
    doc = etree.fromstring(pack.xml)
    assert doc.get("ico") == "12345678"
    assert doc.get("application") == "POHODA adaptér"
    assert doc.get("note") == "Zásoby – běh 7"
    assert [i.get("id") for i in doc.iterfind("dat:dataPackItem", NS)] == ["stk-A", "stk-B"]
    assert "Zásoby".encode("cp1250") in pack.xml  # really Windows-1250 bytes, not char refs


def test_build_pack_reuses_items_without_moving_them(assert_valid_datapack) -> None:
    item = stock_item(_card("A"))
    first = build_pack([item], ico="12345678", pack_id="a")
    second = build_pack([item], ico="12345678", pack_id="b")
    assert_valid_datapack(second.xml)
    assert first.xml.replace(b'id="a"', b'id="b"') == second.xml


def test_singles_are_the_items_byte_for_byte_as_they_travel(assert_valid_datapack) -> None:
    items = [stock_item(_card(code)) for code in ("A", "Ž", "C")]
    pack = build_pack(items, ico="12345678", pack_id="run-8", note="Zásoby")
    singles = pack.singles()
    assert list(singles) == list(pack.item_ids) and len(singles) == 3
    for item_id_, single in singles.items():
        assert_valid_datapack(single)
        assert single.count(b"<dat:dataPackItem ") == 1 and f'id="{item_id_}"'.encode("cp1250") in single
        # the same bytes as a pack built of that item alone (same pack id)
        alone = [i for i in items if i.id == item_id_]
        assert single == build_pack(alone, ico="12345678", pack_id="run-8", note="Zásoby").xml
        # and the item's bytes are those inside the pack actually sent
        body = single[single.index(b"<dat:dataPackItem ") : single.rindex(b"</dat:dataPack>")]
        assert body in pack.xml


def test_singles_of_a_pack_without_its_element_are_empty() -> None:
    pack = build_pack([stock_item(_card("A"))], ico="1", pack_id="x")
    assert envelope.BuiltPack(xml=pack.xml, pack_id="x", item_ids=pack.item_ids).singles() == {}


def test_build_pack_rejects_duplicate_ids_and_empty_packs() -> None:
    with pytest.raises(ValueError, match="stk-A"):
        build_pack([stock_item(_card("A")), stock_item(_card("A"))], ico="1", pack_id="x")
    with pytest.raises(ValueError, match="aspoň jednu"):
        build_pack([], ico="1", pack_id="x")


def test_build_pack_long_pack_id_is_shortened(assert_valid_datapack) -> None:
    pack = build_pack([stock_item(_card("A"))], ico="12345678", pack_id="run-" + "9" * 100)
    assert len(pack.pack_id) <= 64
    assert_valid_datapack(pack.xml)


def test_build_pack_collects_item_warnings() -> None:
    item = stock_item(StockCardDoc(code="A", name="Hrnek 😀 " + "x" * 100))
    pack = build_pack([item, stock_item(_card("B"), mode="update")], ico="12345678", pack_id="w")
    assert set(pack.warnings) == {"stk-A"}
    assert any("zkrácen" in w for w in pack.warnings["stk-A"])
    assert any("😀" in w for w in pack.warnings["stk-A"])


def test_number_and_date_helpers() -> None:
    assert envelope.num(Decimal("100")) == "100"
    assert envelope.num(Decimal("121.500")) == "121.5"
    assert envelope.num(Decimal("1E+3")) == "1000"
    assert envelope.num(Decimal("-0.00")) == "0"
    with pytest.raises(ValueError, match="Neplatné číslo"):
        envelope.num(Decimal("NaN"))
    assert envelope.xml_date(date(2026, 3, 1)) == "2026-03-01"


# --------------------------------------------------------------------------- real samples


def test_produced_details_sample(samples_dir: Path, assert_valid_responsepack) -> None:
    raw = (samples_dir / "response_invoice_import_ok_producedDetails_pohoda10700.xml").read_bytes()
    assert_valid_responsepack(raw)
    result = parse_response(raw)
    assert result.pack_id == "fa001"
    assert result.state == "ok"
    assert result.program_version == "10700.139 (19.5.2014)"
    assert [i.item_id for i in result.items] == ["AD001", "AD002", "AD003"]
    assert [(i.produced.id, i.produced.number) for i in result.items if i.produced] == [
        (95, "140100015"), (96, "140100016"), (97, "140100017")]
    assert all(i.ok and i.state == "ok" for i in result.items)
    assert pack_refusal(result) is None


def test_item_error_with_pack_ok_sample(samples_dir: Path) -> None:
    result = parse_response((samples_dir / "response_item_error_unknown_request_pack_ok.xml").read_bytes())
    assert result.state == "ok"
    assert result.ico == "12345678"
    assert result.note == "generated by PHPmPohoda"
    (item,) = result.items
    assert item.item_id == "2"
    assert item.state == "error"
    assert not item.ok
    assert item.note.startswith("Neznámá žádost 'listBankRequest'")
    assert pack_refusal(result) is None  # an item error is not a pack refusal


def test_pack_error_sample(samples_dir: Path) -> None:
    result = parse_response((samples_dir / "response_pack_error_user_not_permitted_xml.xml").read_bytes())
    assert result.pack_id == ""
    assert result.state == "error"
    assert result.items == ()
    assert result.note == "Uživatel není oprávnen importovat XML soubory."
    assert pack_refusal(result) == "Uživatel není oprávnen importovat XML soubory."


def test_item_error_with_pack_error_sample(samples_dir: Path) -> None:
    result = parse_response((samples_dir / "response_invoice_import_item_error_pohoda10700.xml").read_bytes())
    assert result.pack_id == "fa002"
    assert result.state == "error"
    (item,) = result.items
    assert (item.item_id, item.state, item.note, item.produced) == ("AD002", "error", "", None)
    assert pack_refusal(result) is None  # one failing item; the pack itself was read


def test_every_real_response_sample_parses(samples_dir: Path) -> None:
    for path in sorted(samples_dir.glob("*.xml")):
        if etree.QName(etree.parse(str(path)).getroot()).localname == "responsePack":
            assert parse_response(path.read_bytes()).items is not None


# --------------------------------------------------------------------------- details, duplicity


def test_details_warning_and_duplicity(assert_valid_responsepack) -> None:
    raw = rsp(
        '<rsp:responsePackItem version="2.0" id="ord-1" state="ok">'
        '<ord:orderResponse version="2.0" state="ok"><rdc:importDetails>'
        "<rdc:detail><rdc:state>warning</rdc:state><rdc:errno>603</rdc:errno>"
        "<rdc:note>Hodnota byla upravena.</rdc:note>"
        "<rdc:XPath>dat:dataPack/dat:dataPackItem[1]/ord:order/ord:orderHeader/ord:text</rdc:XPath>"
        "<rdc:valueRequested>Žádost</rdc:valueRequested><rdc:valueProduced>Zadost</rdc:valueProduced>"
        "</rdc:detail></rdc:importDetails>"
        "<rdc:producedDetails><rdc:id>41</rdc:id><rdc:number>OP26001</rdc:number>"
        "<rdc:code>X</rdc:code><rdc:actionType>add</rdc:actionType>"
        "<rdc:extId><typ:ids>1234</typ:ids><typ:exSystemName>WooCommerce</typ:exSystemName></rdc:extId>"
        "</rdc:producedDetails></ord:orderResponse></rsp:responsePackItem>"
        '<rsp:responsePackItem version="2.0" id="ord-2" state="error">'
        "<rsp:errorDetail><rsp:recordDuplicity><rsp:agendaType>prijate_objednavky</rsp:agendaType>"
        "<rsp:dateCreate>2026-03-01</rsp:dateCreate><rsp:id>40</rsp:id><rsp:number>OP25999</rsp:number>"
        "</rsp:recordDuplicity></rsp:errorDetail></rsp:responsePackItem>"
    )
    assert_valid_responsepack(raw)
    first, second = parse_response(raw).items
    assert first.state == "warning"
    assert first.ok
    (detail,) = first.warnings
    assert (detail.errno, detail.note, detail.value_requested, detail.value_produced) == (
        603, "Hodnota byla upravena.", "Žádost", "Zadost")
    assert detail.xpath.endswith("ord:orderHeader/ord:text")
    assert first.produced is not None
    assert (first.produced.id, first.produced.number, first.produced.code, first.produced.action_type,
            first.produced.ext_id) == (41, "OP26001", "X", "add", "1234")
    assert second.state == "error"
    assert second.is_duplicate and second.ok
    (dup,) = second.duplicities
    assert (dup.agenda, dup.import_date, dup.id, dup.number) == ("prijate_objednavky", "2026-03-01", 40, "OP25999")


def test_error_detail_makes_item_error_even_if_states_say_ok() -> None:
    raw = rsp(
        '<rsp:responsePackItem version="2.0" id="stk-A" state="ok">'
        '<stk:stockItemResponse version="2.0" state="ok"><rdc:importDetails>'
        "<rdc:detail><rdc:state>error</rdc:state><rdc:note>Kód již existuje.</rdc:note></rdc:detail>"
        "</rdc:importDetails></stk:stockItemResponse></rsp:responsePackItem>"
    )
    (item,) = parse_response(raw).items
    assert item.state == "error"
    assert item.note == "Kód již existuje."


def test_warning_state_tolerated_on_pack_and_item() -> None:
    raw = rsp('<rsp:responsePackItem version="2.0" id="a" state="warning"/>', state="warning")
    result = parse_response(raw)
    assert result.state == "warning"
    assert result.items[0].state == "warning"
    assert result.items[0].ok


def test_utf8_declared_response_is_read() -> None:
    raw = rsp('<rsp:responsePackItem version="2.0" id="a" state="error" note="Chyba: žluťoučký kůň"/>')
    utf8 = raw.decode("cp1250").replace("Windows-1250", "UTF-8").encode("utf-8")
    assert parse_response(utf8).items[0].note == "Chyba: žluťoučký kůň"


# --------------------------------------------------------------------------- hostile and broken input


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not xml",
        b"<rsp:responsePack",
        b"<?xml version='1.0'?><other/>",
        b"<html><body>Login</body></html>",
        "<?xml version='1.0' encoding='Windows-1250'?><a>\u017e</a>".encode(),
    ],
)
def test_malformed_input_raises_parse_error(raw: bytes) -> None:
    with pytest.raises(ResponseParseError):
        parse_response(raw)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rsp:responsePack xmlns:rsp="http://www.stormware.cz/schema/version_2/response.xsd" version="2.0" id="x"
 state="ok" note="&lol3;"/>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rsp:responsePack xmlns:rsp="http://www.stormware.cz/schema/version_2/response.xsd" version="2.0" id="x"
 state="ok" note="&xxe;"/>"""


@pytest.mark.parametrize("raw", [BILLION_LAUGHS, XXE])
def test_entity_tricks_are_refused(raw: bytes) -> None:
    with pytest.raises(ResponseParseError):
        parse_response(raw)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_fuzz_random_bytes(raw: bytes) -> None:
    with contextlib.suppress(ResponseParseError):
        parse_response(raw)


_fragments = st.sampled_from([
    '<rsp:responsePackItem version="2.0" id="a" state="ok">', "</rsp:responsePackItem>",
    '<stk:stockItemResponse version="2.0" state="error">', "</stk:stockItemResponse>",
    "<rdc:producedDetails><rdc:id>", "</rdc:id></rdc:producedDetails>", "<rdc:importDetails><rdc:detail>",
    "<rdc:state>bogus</rdc:state>", "<rdc:errno>x1</rdc:errno>", "</rdc:detail></rdc:importDetails>",
    "<rsp:errorDetail><rsp:recordDuplicity><rsp:id>-5</rsp:id>", "</rsp:recordDuplicity></rsp:errorDetail>",
    "&amp;", "&#0;", "&#x1F600;", "12", "\u017e", "<![CDATA[x]]>", "<!-- c -->", "&undefined;",
])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_fragments, max_size=12), st.sampled_from(["ok", "error", "warning", "??"]))
def test_fuzz_structured_fragments(parts: list[str], state: str) -> None:
    raw = rsp("".join(parts), state=state).decode("cp1250").encode("utf-8", "replace")
    raw = raw.replace(b"Windows-1250", b"UTF-8")
    try:
        result = parse_response(raw)
    except ResponseParseError:
        return
    assert result.state in ("ok", "warning", "error")
    assert all(i.state in ("ok", "warning", "error") for i in result.items)


def test_an_item_can_go_into_two_packs_without_leaving_the_first() -> None:
    from adapter.pohoda.envelope import build_pack as build
    from adapter.pohoda.stock import stock_item as card_item
    from adapter.records import StockCardDoc

    item = card_item(StockCardDoc(code="A1", name="Hrnek", storage="Zboží"), type_price="SK")
    first = build([item], ico="12345678", pack_id="p1")
    second = build([item], ico="12345678", pack_id="p2")
    assert first.xml.count(b"A1") == second.xml.count(b"A1") > 0
    assert first.xml.replace(b'id="p1"', b"") == second.xml.replace(b'id="p2"', b"")
