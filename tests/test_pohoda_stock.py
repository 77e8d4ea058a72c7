"""Stock cards: builders (XSD-valid in every mode), list requests, list parsing and streaming."""

from __future__ import annotations

import dataclasses
import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from lxml import etree

from adapter.errors import PackError, ResponseParseError
from adapter.pohoda.envelope import NS, build_pack
from adapter.pohoda.stock import (
    CARD_FIELDS,
    iter_stock,
    list_stock_request,
    parse_list_stock,
    parse_stock,
    stock_item,
)
from adapter.records import PriceLevel, StockCard, StockCardDoc, VatRate

NSDECL = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items())
CARD = StockCardDoc(code="ABC-001", name="Čaj zelený Žďár 50 g", ean="8590000000017",
                    selling_price=Decimal("121.00"), storage="ZBOŽÍ", ext_id="55", ext_system="WooCommerce")


def pack(*items) -> bytes:
    return build_pack(list(items), ico="12345678", pack_id="t").xml


def element(xml: bytes, path: str) -> etree._Element:
    found = etree.fromstring(xml).find(path, NS)
    assert found is not None, path
    return found


# --------------------------------------------------------------------------- builders


def test_upsert_by_code(assert_valid_datapack) -> None:
    item = stock_item(CARD, type_price="SK")
    xml = pack(item)
    assert_valid_datapack(xml)
    assert item.id == "stk-ABC-001"
    add = element(xml, ".//stk:actionType/stk:add")
    assert add.get("update") == "true"
    assert add.findtext("ftr:filter/ftr:code", namespaces=NS) == "ABC-001"
    header = element(xml, ".//stk:stockHeader")
    assert header.findtext("stk:stockType", namespaces=NS) == "card"
    assert header.findtext("stk:EAN", namespaces=NS) == "8590000000017"
    assert header.findtext("stk:isInternet", namespaces=NS) == "true"
    assert header.findtext("stk:sellingRateVAT", namespaces=NS) == "high"
    assert header.findtext("stk:unit", namespaces=NS) == "ks"
    assert header.findtext("stk:storage/typ:ids", namespaces=NS) == "ZBOŽÍ"
    assert header.findtext("stk:typePrice/typ:ids", namespaces=NS) == "SK"
    assert header.findtext("stk:extId/typ:exSystemName", namespaces=NS) == "WooCommerce"
    price = header.find("stk:sellingPrice", NS)
    assert (price.text, price.get("payVAT")) == ("121", "true")
    assert item.warnings == ()


def test_update_only_mode(assert_valid_datapack) -> None:
    card = StockCardDoc(code="ABC-001", name="Nová cena", selling_price=Decimal("99.9"),
                        price_includes_vat=False, is_internet=False, vat_rate="low")
    xml = pack(stock_item(card, mode="update"))
    assert_valid_datapack(xml)
    update = element(xml, ".//stk:actionType/stk:update")
    assert update.get("add") == "false"
    header = element(xml, ".//stk:stockHeader")
    assert header.find("stk:stockType", NS) is None  # cannot be changed on update
    assert header.find("stk:sellingPrice", NS).get("payVAT") == "false"
    assert header.findtext("stk:sellingPrice", namespaces=NS) == "99.9"  # always sent
    assert header.findtext("stk:isInternet", namespaces=NS) == "false"
    assert header.findtext("stk:sellingRateVAT", namespaces=NS) == "low"


def test_new_card_without_storage_or_price_type_is_warned() -> None:
    assert any("typePrice" in w for w in stock_item(CARD).warnings)
    assert not any("typePrice" in w for w in stock_item(CARD, mode="update").warnings)


def test_plain_add_mode(assert_valid_datapack) -> None:
    xml = pack(stock_item(CARD, mode="add"))
    assert_valid_datapack(xml)
    assert etree.fromstring(xml).find(".//stk:actionType", NS) is None


def test_emoji_and_long_name_are_fitted_with_warnings(assert_valid_datapack) -> None:
    card = StockCardDoc(code="X1", name="Hrnek 🎉 " + "ž" * 120, description="Popis 👍 Москва", unit="kilogramy!!")
    item = stock_item(card)
    xml = pack(item)
    assert_valid_datapack(xml)
    name = element(xml, ".//stk:stockHeader/stk:name").text
    assert len(name) == 90
    assert name.startswith("Hrnek ? ž")
    assert element(xml, ".//stk:stockHeader/stk:description").text == "Popis ? Moskva"
    assert element(xml, ".//stk:stockHeader/stk:unit").text == "kilogramy!"
    assert any(w.startswith("název: text zkrácen z") for w in item.warnings)
    assert any("🎉" in w for w in item.warnings)
    assert any(w.startswith("jednotka:") for w in item.warnings)


def test_store_cannot_be_set_and_is_warned(assert_valid_datapack) -> None:
    item = stock_item(StockCardDoc(code="X1", name="A", store="HLAVNI"))
    assert_valid_datapack(pack(item))
    assert any("HLAVNI" in w for w in item.warnings)


@pytest.mark.parametrize("code", ["", "x" * 65, "kód😀"])
def test_bad_codes_are_refused_not_cut(code: str) -> None:
    with pytest.raises(ValueError, match="Kód zásoby"):
        stock_item(StockCardDoc(code=code, name="A"))


def test_many_cards_in_one_pack(assert_valid_datapack) -> None:
    items = [stock_item(StockCardDoc(code=f"K{i:05d}", name=f"Zboží {i}", selling_price=Decimal(i))) for i in range(300)]
    xml = pack(*items)
    assert_valid_datapack(xml)
    assert len(etree.fromstring(xml).findall("dat:dataPackItem", NS)) == 300


# --------------------------------------------------------------------------- list requests


def test_list_request_all_filters(assert_valid_datapack) -> None:
    since = datetime(2026, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=1)))
    item = list_stock_request(code="ABC-001", ean="859", store="HLAVNI", storage="Zboží/Kuchyně",
                              internet=True, last_changes=since, id_from=101, count=500, user_filter="E-shop zásoby")
    xml = pack(item)
    assert_valid_datapack(xml)
    req = element(xml, ".//lStk:listStockRequest")
    assert (req.get("version"), req.get("stockVersion")) == ("2.0", "2.0")
    assert req.findtext("lStk:limit/ftr:idFrom", namespaces=NS) == "101"
    assert req.findtext("lStk:limit/ftr:count", namespaces=NS) == "500"
    flt = req.find("lStk:requestStock/ftr:filter", NS)
    assert flt.findtext("ftr:code", namespaces=NS) == "ABC-001"
    assert flt.findtext("ftr:EAN", namespaces=NS) == "859"
    assert flt.findtext("ftr:store/typ:ids", namespaces=NS) == "HLAVNI"
    assert flt.findtext("ftr:storage/typ:ids", namespaces=NS) == "Zboží/Kuchyně"
    assert flt.findtext("ftr:internet", namespaces=NS) == "true"
    local = since.astimezone().replace(tzinfo=None).isoformat(timespec="seconds")
    assert flt.findtext("ftr:lastChanges", namespaces=NS) == local
    assert req.findtext("lStk:requestStock/ftr:userFilterName", namespaces=NS) == "E-shop zásoby"


def test_list_request_empty_and_ids(assert_valid_datapack) -> None:
    everything = list_stock_request()
    assert_valid_datapack(pack(everything))
    assert everything.id == "lstk-all"
    assert list_stock_request(code="A").id == list_stock_request(code="A").id
    assert list_stock_request(code="A").id != list_stock_request(code="B").id
    with pytest.raises(ValueError, match="10000"):
        list_stock_request(count=10_001)


# --------------------------------------------------------------------------- parsing

STOCK_1 = (
    '<lStk:stock version="2.0"><stk:stockHeader>'
    "<stk:id>7</stk:id><stk:stockType>card</stk:stockType><stk:code>ABC-001</stk:code>"
    "<stk:EAN>8590000000017</stk:EAN><stk:isInternet>true</stk:isInternet>"
    '<stk:sellingRateVAT value="12">low</stk:sellingRateVAT><stk:name>Čaj zelený Žďár</stk:name><stk:unit>ks</stk:unit>'
    "<stk:storage><typ:id>3</typ:id><typ:ids>Zboží/Kuchyně</typ:ids></stk:storage>"
    '<stk:sellingPrice payVAT="true">121.5</stk:sellingPrice><stk:count>10</stk:count>'
    "<stk:reservation>2.5</stk:reservation></stk:stockHeader>"
    "<stk:stockPriceItem><stk:stockPrice><typ:id>1</typ:id><typ:ids>Sleva 1</typ:ids><typ:price>100</typ:price>"
    "</stk:stockPrice><stk:stockPrice><typ:id>2</typ:id><typ:ids>VO</typ:ids><typ:price>90.5</typ:price>"
    "</stk:stockPrice></stk:stockPriceItem></lStk:stock>"
)
STOCK_2 = (
    '<lStk:stock version="2.0"><stk:stockHeader><stk:id>8</stk:id><stk:stockType>service</stk:stockType>'
    "<stk:code>SLUZBA</stk:code><stk:name>Montáž</stk:name><stk:sellingPrice>500</stk:sellingPrice>"
    "</stk:stockHeader></lStk:stock>"
)


def list_answer(body: str, *, item_state: str = "ok", note: str = "") -> bytes:
    note_attr = f' note="{note}"' if note else ""
    return (
        '<?xml version="1.0" encoding="Windows-1250"?>\n'
        f'<rsp:responsePack version="2.0" id="p" state="ok" ico="12345678" {NSDECL}>'
        f'<rsp:responsePackItem version="2.0" id="lstk-all" state="{item_state}"{note_attr}>'
        f'<lStk:listStock version="2.0" dateTimeStamp="2026-03-01T10:15:00" dateValidFrom="2026-03-01" '
        f'state="{item_state}">{body}</lStk:listStock></rsp:responsePackItem></rsp:responsePack>'
    ).encode("cp1250")


def test_parse_list_stock(assert_valid_responsepack) -> None:
    raw = list_answer(STOCK_1 + STOCK_2)
    assert_valid_responsepack(raw)
    result = parse_list_stock(raw)
    assert (result.item_id, result.state) == ("lstk-all", "ok")
    assert result.timestamp == datetime(2026, 3, 1, 10, 15).astimezone()
    first, second = result.records
    assert (first.id, first.code, first.name, first.ean, first.unit) == (
        7, "ABC-001", "Čaj zelený Žďár", "8590000000017", "ks")
    assert first.storage == "Zboží/Kuchyně"
    assert (first.count, first.reservation, first.available) == (Decimal(10), Decimal("2.5"), Decimal("7.5"))
    assert (first.selling_price, first.selling_price_includes_vat) == (Decimal("121.5"), True)
    assert first.vat_rate == "low"
    assert first.is_internet
    assert [(p.name, p.price) for p in first.price_levels] == [("Sleva 1", Decimal(100)), ("VO", Decimal("90.5"))]
    assert (second.id, second.stock_type, second.selling_price_includes_vat, second.is_internet) == (
        8, "service", False, False)
    assert second.count == 0


def test_iter_stock_matches_parse_list(assert_valid_responsepack) -> None:
    raw = list_answer(STOCK_1 + STOCK_2)
    assert list(iter_stock(raw)) == parse_list_stock(raw).records
    assert list(iter_stock(io.BufferedReader(io.BytesIO(raw)))) == parse_list_stock(raw).records


def test_utf8_answer() -> None:
    raw = list_answer(STOCK_1).decode("cp1250").replace("Windows-1250", "UTF-8").encode("utf-8")
    assert next(iter_stock(raw)).name == "Čaj zelený Žďár"
    assert parse_list_stock(raw).records[0].name == "Čaj zelený Žďár"


def test_item_error_is_not_an_empty_stock() -> None:
    raw = list_answer("", item_state="error", note="Uživatelský filtr neexistuje.")
    result = parse_list_stock(raw)
    assert (result.state, result.note, result.records) == ("error", "Uživatelský filtr neexistuje.", [])
    with pytest.raises(PackError, match="Uživatelský filtr neexistuje"):
        list(iter_stock(raw))


def test_pack_refusal_raises(samples_dir) -> None:
    raw = (samples_dir / "response_pack_error_user_not_permitted_xml.xml").read_bytes()
    with pytest.raises(PackError, match="není oprávnen"):
        parse_list_stock(raw)
    with pytest.raises(PackError, match="není oprávnen"):
        list(iter_stock(raw))


@pytest.mark.parametrize("raw", [b"", b"<x/>", b"<rsp:responsePack", list_answer(STOCK_1)[:-40]])
def test_iter_stock_bad_input(raw: bytes) -> None:
    with pytest.raises(ResponseParseError):
        list(iter_stock(raw))


def test_iter_stock_refuses_doctype() -> None:
    raw = list_answer(STOCK_1).replace(b"?>\n", b'?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n', 1)
    with pytest.raises(ResponseParseError):
        list(iter_stock(raw))
    with pytest.raises(ResponseParseError):
        parse_list_stock(raw)


def test_card_without_id_is_a_parse_error() -> None:
    raw = list_answer(STOCK_2.replace("<stk:id>8</stk:id>", ""))
    with pytest.raises(ResponseParseError):
        parse_list_stock(raw)


def test_iter_stock_streams_many_cards_in_order() -> None:
    n = 5_000
    raw = list_answer("".join(STOCK_2.replace("<stk:id>8</stk:id>", f"<stk:id>{i}</stk:id>") for i in range(1, n + 1)))
    ids = [card.id for card in iter_stock(io.BytesIO(raw))]
    assert ids == list(range(1, n + 1))


# --------------------------------------------------------------------------- the fast card reader against a plain one


def _xpath_string(node: etree._Element, path: str) -> str:
    return str(node.xpath(f"string({path})", namespaces=NS)).strip()


def _reference_card(node: etree._Element) -> StockCard:
    """The card as a plain XPath reader sees it (first direct child, its string value, stripped)."""

    def text(path: str) -> str:
        return _xpath_string(node, f"(stk:stockHeader[1]/{path})[1]")

    def dec(value: str) -> Decimal | None:
        try:
            d = Decimal(value)
        except ArithmeticError:
            return None
        return d if d.is_finite() else None

    def first_filled(level: etree._Element, tag: str) -> str:
        count = int(float(str(level.xpath(f"count({tag})", namespaces=NS))))
        values = (_xpath_string(level, f"{tag}[{i}]") for i in range(1, count + 1))
        return next((v for v in values if v), "")

    levels = []
    for position in range(1, int(float(str(node.xpath("count(stk:stockPriceItem/stk:stockPrice)",
                                                        namespaces=NS)))) + 1):
        level = node.xpath(f"(stk:stockPriceItem/stk:stockPrice)[{position}]", namespaces=NS)[0]  # type: ignore[index]
        assert isinstance(level, etree._Element)
        price = dec(first_filled(level, "typ:price"))
        if price is not None:
            levels.append(PriceLevel(name=first_filled(level, "typ:ids"), price=price))
    vat: dict[str, VatRate] = {"none": "none", "low": "low", "high": "high", "third": "third",
                               "historyHigh": "high", "historyLow": "low", "historyThird": "third"}
    return StockCard(
        id=int(text("stk:id")), code=text("stk:code"), name=text("stk:name"), ean=text("stk:EAN"),
        unit=text("stk:unit"), store=text("stk:store[typ:ids]/typ:ids"), storage=text("stk:storage[typ:ids]/typ:ids"),
        count=dec(text("stk:count")) or Decimal(0), reservation=dec(text("stk:reservation")) or Decimal(0),
        selling_price=dec(text("stk:sellingPrice")), selling_price_includes_vat=text("stk:sellingPrice/@payVAT") == "true",
        vat_rate=vat.get(text("stk:sellingRateVAT"), "high"), is_internet=text("stk:isInternet") == "true",
        stock_type=text("stk:stockType") or "card", price_levels=tuple(levels), action_price=dec(text("stk:actionPrice")),
    )


ODD_CARDS = [
    STOCK_1,
    STOCK_2,
    # a field twice (the first counts), nested look-alikes (never read), mixed content, whitespace, a comment
    STOCK_1.replace("<stk:code>ABC-001</stk:code>",
                    "<!-- c --><stk:code> ABC-001 </stk:code><stk:code>DUP</stk:code>"
                    "<stk:relatedStocks><stk:code>NESTED</stk:code><stk:count>99</stk:count></stk:relatedStocks>")
    .replace("<stk:name>Čaj zelený Žďár</stk:name>", "<stk:name>Čaj <stk:x>zelený</stk:x> Žďár\n</stk:name>"),
    # odd numbers: not a number, infinite, NaN, empty, exponent; an action price; a store
    STOCK_1.replace("<stk:count>10</stk:count>", "<stk:count>abc</stk:count>")
    .replace("<stk:reservation>2.5</stk:reservation>", "<stk:reservation>Infinity</stk:reservation>"
             "<stk:actionPrice> 1E+2 </stk:actionPrice><stk:store><typ:ids>HL</typ:ids></stk:store>")
    .replace('payVAT="true">121.5', 'payVAT=" true ">NaN')
    .replace("<typ:price>100</typ:price>", "<typ:price></typ:price>"),
    # a storage without typ:ids, then one with; a level with an empty name before the real one; unknown VAT
    STOCK_2.replace("<stk:code>SLUZBA</stk:code>",
                    "<stk:code>SLUZBA</stk:code><stk:storage><typ:id>1</typ:id></stk:storage>"
                    "<stk:storage><typ:ids> B/C </typ:ids></stk:storage><stk:sellingRateVAT>historyLow"
                    "</stk:sellingRateVAT><stk:sellingRateVAT>high</stk:sellingRateVAT>")
    .replace("</stk:stockHeader>", "</stk:stockHeader><stk:stockPriceItem><stk:stockPrice><typ:ids></typ:ids>"
             "<typ:ids>A</typ:ids><typ:price>1</typ:price><typ:price>2</typ:price></stk:stockPrice>"
             "<stk:other><typ:price>5</typ:price></stk:other></stk:stockPriceItem>"),
    # a store without typ:ids, then one with; a level with a blank first name and a price with children
    STOCK_1.replace("</stk:stockHeader>", "<stk:store><typ:id>1</typ:id></stk:store><stk:store><typ:ids> HL "
                    "</typ:ids><typ:ids>X</typ:ids></stk:store></stk:stockHeader>")
    .replace("<typ:ids>VO</typ:ids><typ:price>90.5</typ:price>",
             "<typ:ids> </typ:ids><typ:ids>VO</typ:ids><typ:price>9<typ:x>0</typ:x>.5</typ:price>"),
    # more price levels and price items than the card reader has compiled paths for
    STOCK_2.replace("</stk:stockHeader>", "</stk:stockHeader><stk:stockPriceItem>"
                    + "".join(f"<stk:stockPrice><typ:ids>L{i}</typ:ids><typ:price>{i}</typ:price></stk:stockPrice>"
                              for i in range(20))
                    + "</stk:stockPriceItem>"
                    + "".join(f"<stk:stockPriceItem><stk:stockPrice><typ:ids>P{i}</typ:ids><typ:price>{i}.5"
                              "</typ:price></stk:stockPrice></stk:stockPriceItem>" for i in range(18))),
]


@pytest.mark.parametrize("card", ODD_CARDS)
def test_card_reader_matches_a_plain_xpath_reader(card: str) -> None:
    raw = list_answer(card)
    node = etree.fromstring(raw).find(".//lStk:stock", NS)
    assert node is not None
    expected = _reference_card(node)
    assert parse_stock(node) == expected
    assert list(iter_stock(raw)) == [expected]
    assert list(iter_stock(raw)) == [expected]  # again: remembered numbers and levels give the same records


def test_card_reader_knows_the_record_field_order() -> None:
    assert tuple(f.name for f in dataclasses.fields(StockCard)) == CARD_FIELDS


def test_card_reader_sets_every_field_as_the_constructor_would() -> None:
    # records are filled slot by slot, past the dataclass __init__: nothing may depend on it
    assert not hasattr(StockCard, "__post_init__")
    node = etree.fromstring(list_answer(STOCK_1)).find(".//lStk:stock", NS)
    assert node is not None
    card = parse_stock(node)
    rebuilt = StockCard(*dataclasses.astuple(card)[:14], price_levels=card.price_levels,
                        action_price=card.action_price)
    assert card == rebuilt and type(card) is StockCard and hash(card) == hash(rebuilt)
