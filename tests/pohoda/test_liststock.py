"""The streaming listStock reader: chunked feeding, Windows-1250 decoding, dropping the cards it has read."""

from __future__ import annotations

import io

import pytest
from lxml import etree

from adapter.errors import ResponseParseError
from adapter.pohoda import liststock
from adapter.pohoda.envelope import NS
from adapter.pohoda.liststock import iter_stock, parse_list_stock

NSDECL = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items())


def card(i: int) -> str:
    return (f'<lStk:stock version="2.0"><stk:stockHeader><stk:id>{i}</stk:id><stk:code>K{i}</stk:code>'
            f"<stk:name>Žluťoučký kůň {i} – čaj</stk:name><stk:count>{i % 7}.5</stk:count>"
            f'<stk:sellingPrice payVAT="true">{i}.90</stk:sellingPrice></stk:stockHeader><stk:stockPriceItem>'
            f"<stk:stockPrice><typ:ids>Prodejní</typ:ids><typ:price>{i % 3}</typ:price></stk:stockPrice>"
            "</stk:stockPriceItem></lStk:stock>\n")


def answer(cards: range, *, encoding: str = '"Windows-1250"', codec: str = "cp1250", items: int = 1) -> bytes:
    per_item = [cards[i::items] for i in range(items)]
    body = "".join(
        f'<rsp:responsePackItem version="2.0" id="l{n}" state="ok"><lStk:listStock version="2.0" state="ok">'
        + "".join(card(i) for i in part) + "</lStk:listStock></rsp:responsePackItem>"
        for n, part in enumerate(per_item))
    return (f'<?xml version="1.0" encoding={encoding}?>\n'
            f'<rsp:responsePack version="2.0" id="p" state="ok" {NSDECL}>{body}</rsp:responsePack>').encode(codec)


def records_of_every_item(raw: bytes) -> list[object]:
    root = etree.fromstring(raw)
    return [liststock.parse_stock(node) for node in root.iterfind(".//lStk:stock", NS)]


@pytest.mark.parametrize("chunk", [64, 97, 4096])
@pytest.mark.parametrize(("encoding", "codec"), [('"Windows-1250"', "cp1250"), ('"UTF-8"', "utf-8")])
def test_chunk_boundaries_do_not_change_the_cards(monkeypatch, chunk: int, encoding: str, codec: str) -> None:
    monkeypatch.setattr(liststock, "_CHUNK", chunk)
    raw = answer(range(1, 60), encoding=encoding, codec=codec)
    expected = parse_list_stock(raw).records
    assert expected[0].name == "Žluťoučký kůň 1 – čaj"
    assert list(iter_stock(raw)) == expected
    assert list(iter_stock(io.BufferedReader(io.BytesIO(raw)))) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ["'windows-1250'", '"CP1250"', ' "Windows-1250" '])
def test_windows_1250_is_decoded_before_the_parser(encoding: str) -> None:
    raw = answer(range(1, 4), encoding=encoding)
    chunks, decoded = liststock._chunks(io.BytesIO(raw))
    assert decoded and b"".join(chunks).decode("utf-8").count("Žluťoučký") == 3
    assert list(iter_stock(raw)) == parse_list_stock(raw).records


def test_other_encodings_are_left_to_the_parser() -> None:
    text = answer(range(1, 4), encoding='"ISO-8859-2"', codec="utf-8").decode().replace("–", "-")
    raw = text.encode("iso-8859-2")
    assert not liststock._chunks(io.BytesIO(raw))[1]
    assert [c.name for c in iter_stock(raw)] == [f"Žluťoučký kůň {i} - čaj" for i in range(1, 4)]


def test_a_byte_windows_1250_does_not_define_is_a_parse_error() -> None:
    raw = answer(range(1, 4)).replace("kůň 2".encode("cp1250"), b"k\x98n 2")
    with pytest.raises(ResponseParseError):
        list(iter_stock(raw))


def test_cards_of_several_list_items_stream_in_document_order(monkeypatch) -> None:
    monkeypatch.setattr(liststock, "_CHUNK", 1000)
    raw = answer(range(1, 301), items=3)
    assert [c.id for c in iter_stock(raw)] == [c.id for c in records_of_every_item(raw)]  # type: ignore[attr-defined]


def test_cards_read_are_dropped_from_the_tree(monkeypatch) -> None:
    """Memory stays flat: at any card, the list holds only the cards of the current chunk."""
    siblings: list[int] = []
    parse = liststock.parse_stock

    def spy(node: etree._Element) -> object:
        parent = node.getparent()
        assert parent is not None
        siblings.append(len(parent))
        return parse(node)

    monkeypatch.setattr(liststock, "parse_stock", spy)
    monkeypatch.setattr(liststock, "_CHUNK", 4096)
    assert sum(1 for _ in iter_stock(answer(range(1, 5001)))) == 5000
    assert len(siblings) == 5000 and max(siblings) < 30
