"""Tests of the POHODA mServer emulator, over a real socket with ``requests``.

Every XML answer the emulator produces here is validated against
``response.xsd`` (``Client.post`` does it for each call).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from lxml import etree

from adapter.emulators import catalogue
from adapter.emulators.mserver import MServerEmulator, main
from adapter.emulators.mserver.xml_io import NS, Children, find, findall, q, text
from adapter.records import StockCard

AUTH = {"STW-Authorization": "Basic " + base64.b64encode(b"admin:heslo").decode()}
DECL = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items() if p in ("dat", "typ", "ftr", "stk", "lStk", "ord", "inv",
                                                                     "adb", "lAdb", "lst", "pri"))


def pack(*items: tuple[str, str], pack_id: str = "t-1", ico: str = "12345678", note: str = "test") -> bytes:
    """A Windows-1250 dataPack with the given (item id, agenda XML) items."""
    body = "".join(f'<dat:dataPackItem id="{iid}" version="2.0">{xml}</dat:dataPackItem>' for iid, xml in items)
    text = (f'<?xml version="1.0" encoding="Windows-1250"?>\n<dat:dataPack version="2.0" id="{pack_id}" ico="{ico}"'
            f' application="test" note="{note}" {DECL}>{body}</dat:dataPack>')
    return text.encode("cp1250", errors="xmlcharrefreplace")


def stock_xml(code: str, *, name: str = "Čaj", action: str = "", extra: str = "", price: str = "121") -> str:
    """A stk:stock item; ``action`` is the inner XML of stk:actionType."""
    act = f"<stk:actionType>{action}</stk:actionType>" if action else ""
    return (f'<stk:stock version="2.0">{act}<stk:stockHeader><stk:stockType>card</stk:stockType>'
            f"<stk:code>{code}</stk:code><stk:name>{name}</stk:name><stk:unit>ks</stk:unit>"
            f"<stk:storage><typ:ids>Zboží/Test</typ:ids></stk:storage><stk:typePrice><typ:ids>SK</typ:ids></stk:typePrice>"
            f'<stk:sellingRateVAT>high</stk:sellingRateVAT><stk:sellingPrice payVAT="true">{price}</stk:sellingPrice>'
            f"{extra}</stk:stockHeader></stk:stock>")


def list_stock_xml(filter_xml: str = "", *, limit: str = "", user_filter: str = "") -> str:
    """A lStk:listStockRequest."""
    lim = f"<lStk:limit>{limit}</lStk:limit>" if limit else ""
    flt = f"<ftr:filter>{filter_xml}</ftr:filter>" if filter_xml else ""
    uf = f"<ftr:userFilterName>{user_filter}</ftr:userFilterName>" if user_filter else ""
    return (f'<lStk:listStockRequest version="2.0" stockVersion="2.0">{lim}<lStk:requestStock>{flt}{uf}'
            f"</lStk:requestStock></lStk:listStockRequest>")


def order_xml(lines: str, *, number: str = "", reserved: bool = True, summary: str = "", ext: str = "") -> str:
    """A received order (ord:order) with inline partner."""
    return (f'<ord:order version="2.0"><ord:orderHeader>{ext}<ord:orderType>receivedOrder</ord:orderType>{number}'
            f"<ord:numberOrder>E-1</ord:numberOrder><ord:date>2026-03-01</ord:date>"
            f"<ord:partnerIdentity><typ:address><typ:name>Jan Novák</typ:name><typ:city>Brno</typ:city>"
            f"</typ:address></ord:partnerIdentity><ord:isReserved>{'true' if reserved else 'false'}</ord:isReserved>"
            f"</ord:orderHeader><ord:orderDetail>{lines}</ord:orderDetail>{summary}</ord:order>")


def order_line(code: str | None, qty: str = "1", price: str = "121", rate: str = "high", store: str = "") -> str:
    """One ord:orderItem (a stock line when ``code`` is given)."""
    stock = ""
    if code:
        st = f"<typ:store><typ:ids>{store}</typ:ids></typ:store>" if store else ""
        stock = f"<ord:stockItem>{st}<typ:stockItem><typ:ids>{code}</typ:ids></typ:stockItem></ord:stockItem>"
    return (f"<ord:orderItem><ord:text>Položka</ord:text><ord:quantity>{qty}</ord:quantity>"
            f"<ord:payVAT>true</ord:payVAT><ord:rateVAT>{rate}</ord:rateVAT>"
            f"<ord:homeCurrency><typ:unitPrice>{price}</typ:unitPrice></ord:homeCurrency>{stock}</ord:orderItem>")


def invoice_from_order(number: str) -> str:
    """An issued invoice transferred from a received order (by POHODA number)."""
    return ('<inv:invoice version="2.0"><inv:links><typ:link><typ:sourceAgenda>receivedOrder</typ:sourceAgenda>'
            f"<typ:sourceDocument><typ:number>{number}</typ:number></typ:sourceDocument></typ:link></inv:links>"
            "<inv:invoiceHeader><inv:invoiceType>issuedInvoice</inv:invoiceType><inv:date>2026-03-02</inv:date>"
            "</inv:invoiceHeader></inv:invoice>")


def list_docs_xml(kind: str, filter_xml: str = "", *, limit: str = "", restriction: str = "") -> str:
    """A lst:listOrderRequest ("order") or lst:listInvoiceRequest ("invoice")."""
    lim = f"<lst:limit>{limit}</lst:limit>" if limit else ""
    flt = f"<ftr:filter>{filter_xml}</ftr:filter>" if filter_xml else ""
    res = f"<lst:restrictionData>{restriction}</lst:restrictionData>" if restriction else ""
    if kind == "order":
        return (f'<lst:listOrderRequest version="2.0" orderType="receivedOrder" orderVersion="2.0">{lim}'
                f"<lst:requestOrder>{flt}</lst:requestOrder>{res}</lst:listOrderRequest>")
    return (f'<lst:listInvoiceRequest version="2.0" invoiceType="issuedInvoice" invoiceVersion="2.0">{lim}'
            f"<lst:requestInvoice>{flt}</lst:requestInvoice>{res}</lst:listInvoiceRequest>")


@dataclass
class Client:
    """Posts dataPacks to an emulator and validates every XML answer."""

    emu: MServerEmulator
    check: Callable[[bytes], None]
    check_request: Callable[[bytes], None]

    def raw(self, body: bytes, headers: dict[str, str] | None = None, **kw: object) -> requests.Response:
        """POST /xml without any checks."""
        return requests.post(self.emu.url + "/xml", data=body, headers={**AUTH, **(headers or {})}, timeout=30, **kw)  # type: ignore[arg-type]

    def post(self, body: bytes, headers: dict[str, str] | None = None, *, valid_request: bool = True) -> etree._Element:
        """POST, assert HTTP 200 + Windows-1250 text/xml, validate the answer, return its root."""
        if valid_request:
            self.check_request(body)
        r = self.raw(body, headers)
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("text/xml")
        assert r.content.startswith(b'<?xml version="1.0" encoding="Windows-1250"?>')
        self.check(r.content)
        return etree.fromstring(r.content)


@pytest.fixture
def client_for(assert_valid_responsepack: Callable[[bytes], None],
               assert_valid_datapack: Callable[[bytes], None]) -> Callable[[MServerEmulator], Client]:
    """Make a validating client for an emulator."""
    return lambda emu: Client(emu, assert_valid_responsepack, assert_valid_datapack)


@pytest.fixture
def client(mserver: MServerEmulator, client_for: Callable[[MServerEmulator], Client]) -> Client:
    """A validating client of the default ``mserver`` fixture (50 seeded cards)."""
    return client_for(mserver)


def x(root: etree._Element, path: str) -> list[etree._Element]:
    """XPath with the POHODA prefixes (element results only)."""
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [e for e in found if isinstance(e, etree._Element)]


def xt(root: etree._Element, path: str) -> list[str]:
    """Texts of an XPath ("" for an element without text)."""
    return [e.text or "" for e in x(root, path)]


def note_of(el: etree._Element) -> str:
    """The ``note`` attribute ("" when absent, so ``in`` checks fail instead of raising)."""
    return el.get("note") or ""


def item(root: etree._Element, item_id: str) -> etree._Element:
    """The responsePackItem with ``item_id``."""
    found = x(root, f"rsp:responsePackItem[@id='{item_id}']")
    assert len(found) == 1
    return found[0]


def single_card(emu: MServerEmulator, index: int = 0) -> StockCard:
    """A seeded card whose code sits in one warehouse only."""
    cards = emu.stock_cards()
    codes = [c.code for c in cards]
    return [c for c in cards if codes.count(c.code) == 1][index]


def synthetic(samples_dir: Path, name: str) -> bytes:
    """A synthetic request sample."""
    return (samples_dir / "synthetic" / name).read_bytes()


# --------------------------------------------------------------------------- envelope, auth, status


def test_auth_required_401(mserver: MServerEmulator, samples_dir: Path) -> None:
    body = synthetic(samples_dir, "request_listStockRequest_by_code_and_userFilter.xml")
    assert requests.post(mserver.url + "/xml", data=body, timeout=10).status_code == 401
    wrong = {"STW-Authorization": "Basic " + base64.b64encode(b"admin:spatne").decode()}
    assert requests.post(mserver.url + "/xml", data=body, headers=wrong, timeout=10).status_code == 401
    plain = {"Authorization": AUTH["STW-Authorization"]}  # the standard header is not what mServer reads
    assert requests.post(mserver.url + "/xml", data=body, headers=plain, timeout=10).status_code == 401
    assert requests.post(mserver.url + "/xml", data=body, headers=AUTH, timeout=10).status_code == 200


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])
def test_auth_credentials_utf8_or_cp1250(mserver_factory: Callable[..., MServerEmulator], encoding: str) -> None:
    emu = mserver_factory(user="účetní", password="Žluťoučký")
    token = base64.b64encode("účetní:Žluťoučký".encode(encoding)).decode()
    body = pack(("L", list_stock_xml()))
    r = requests.post(emu.url + "/xml", data=body, headers={"STW-Authorization": f"Basic {token}"}, timeout=10)
    assert r.status_code == 200


def test_status_idle_and_company_detail(mserver: MServerEmulator) -> None:
    for method in (requests.get, requests.post):
        root = etree.fromstring(method(mserver.url + "/status", timeout=10).content)
        assert root.tag == "mServer"
        assert root.findtext("message") == "Response from POHODA mServer"
        assert root.findtext("status") == "idle"
        assert root.findtext("processing") == "0"
        assert root.findtext("server") == mserver.url
    assert requests.get(mserver.url + "/status?companyDetail", timeout=10).status_code == 401
    root = etree.fromstring(requests.get(mserver.url + "/status?companyDetail", headers=AUTH, timeout=10).content)
    assert root.findtext("companyDetail/company") == "Novák s.r.o."
    assert root.findtext("companyDetail/ico") == "12345678"
    assert root.findtext("companyDetail/year") == str(date.today().year)


def test_status_busy_while_processing(mserver_factory: Callable[..., MServerEmulator]) -> None:
    emu = mserver_factory(faults={"latency_ms": 600})
    worker = threading.Thread(target=lambda: requests.post(emu.url + "/xml", data=pack(("L", list_stock_xml())),
                                                           headers=AUTH, timeout=10))
    worker.start()
    time.sleep(0.2)
    root = etree.fromstring(requests.get(emu.url + "/status", timeout=10).content)
    worker.join()
    assert (root.findtext("status"), root.findtext("processing")) == ("busy", "1")


def test_wrong_method_and_path(mserver: MServerEmulator) -> None:
    assert requests.get(mserver.url + "/xml", headers=AUTH, timeout=10).status_code == 405
    assert requests.post(mserver.url + "/nic", headers=AUTH, data=b"", timeout=10).status_code == 404


def test_ico_mismatch_is_pack_error(client: Client) -> None:
    root = client.post(pack(("L", list_stock_xml()), ico="87654321"))
    assert root.get("state") == "error"
    assert root.get("id") == ""
    assert "Tento balíček není určen pro tuto jednotku (IČO 87654321)" in note_of(root)
    assert x(root, "rsp:responsePackItem") == []


def test_schema_invalid_pack_names_line_and_element(client: Client) -> None:
    bad = pack(("S", stock_xml("X-1", extra="<stk:nesmysl>1</stk:nesmysl>")))
    root = client.post(bad, valid_request=False)
    assert root.get("state") == "error"
    note = note_of(root)
    assert "schema validation failed" in note
    assert "řádek" in note
    assert "stk:nesmysl" in note
    assert client.emu.stock_cards()[-1].code != "X-1"


def test_malformed_xml_is_pack_error_http_200(client: Client) -> None:
    root = client.post(b'<?xml version="1.0" encoding="Windows-1250"?><dat:dataPack', valid_request=False)
    assert root.get("state") == "error"
    assert "not well-formed" in note_of(root)


def test_utf8_request_and_windows1250_answer(client: Client, samples_dir: Path) -> None:
    raw = synthetic(samples_dir, "request_stock_upsert_by_code.xml").decode("cp1250")
    utf8 = raw.replace('encoding="Windows-1250"', 'encoding="UTF-8"').encode("utf-8")
    root = client.post(utf8)
    assert xt(root, "//rdc:actionType") == ["add"]
    listing = client.raw(pack(("L", list_stock_xml("<ftr:code>ABC-001</ftr:code>"))))
    assert "Čaj zelený Žďár 50 g".encode("cp1250") in listing.content


def test_unknown_request_is_item_error_pack_ok(client: Client) -> None:
    body = pack(("B", '<lst:listBankRequest version="2.0" bankVersion="2.0"><lst:requestBank/></lst:listBankRequest>'),
                ("L", list_stock_xml("<ftr:id>1</ftr:id>")))
    root = client.post(body)
    assert root.get("state") == "ok"
    assert item(root, "B").get("state") == "error"
    assert "listBankRequest" in note_of(item(root, "B"))
    assert item(root, "L").get("state") == "ok"


def test_items_are_independent_no_rollback(client: Client) -> None:
    body = pack(("A", stock_xml("IND-1")), ("B", stock_xml("IND-1")), ("C", stock_xml("IND-2")))
    root = client.post(body)
    assert [item(root, i).get("state") for i in "ABC"] == ["ok", "error", "ok"]
    assert "IND-1" in note_of(item(root, "B"))
    codes = [c.code for c in client.emu.stock_cards()]
    assert codes.count("IND-1") == 1
    assert "IND-2" in codes


def test_failed_item_undoes_only_its_own_writes_and_the_pack_is_committed(client: Client) -> None:
    code = single_card(client.emu).code
    bad_level = ("</stk:stockHeader><stk:stockPriceItem><stk:stockPrice><typ:id>1</typ:id><typ:price>10</typ:price>"
                 "</stk:stockPrice></stk:stockPriceItem></stk:stock>")
    body = pack(("A", order_xml(order_line(code, "2"))),
                ("B", stock_xml("PART-1").replace("</stk:stockHeader></stk:stock>", bad_level)),
                ("C", order_xml(order_line(code, "1"))))
    root = client.post(body)
    assert [item(root, i).get("state") for i in "ABC"] == ["ok", "error", "ok"]
    assert "Cenová hladina" in note_of(item(root, "B"))  # raised after the card row was inserted
    prefix = f"{date.today().year % 100:02d}OP"
    # read through a connection of its own: what the pack left is committed, the failed card is not there
    with contextlib.closing(sqlite3.connect(client.emu.data_dir / "mserver.sqlite3")) as conn:
        assert conn.execute("SELECT COUNT(*) FROM stock WHERE code = 'PART-1'").fetchone() == (0,)
        assert conn.execute("SELECT reservation FROM stock WHERE code = ?", (code,)).fetchone() == ("3",)
        assert conn.execute("SELECT number FROM received_order ORDER BY id").fetchall() == [
            (f"{prefix}00001",), (f"{prefix}00002",)]
    root = client.post(pack(("B", stock_xml("PART-1"))))
    assert item(root, "B").get("state") == "ok"


def test_find_helpers_answer_like_elementpath() -> None:
    rng = random.Random(3)
    names = ["typ:a", "typ:b", "ord:a"]

    def grow(parent: etree._Element, depth: int) -> None:
        for _ in range(rng.randint(0, 4)):
            if rng.random() < 0.15:
                parent.append(etree.Comment("c"))
                continue
            child = etree.SubElement(parent, q(rng.choice(names)))
            child.text = f" {rng.randint(0, 9)} "
            if depth < 3:
                grow(child, depth + 1)

    paths = [*names, *(f"{a}/{b}" for a in names for b in names),
             *(f"{a}/{b}/{c}" for a in names for b in names for c in names), "typ:a/*", ".//typ:b"]
    for _ in range(30):
        root = etree.Element(q("dat:dataPack"), nsmap={k: NS[k] for k in ("dat", "typ", "ord")})
        grow(root, 0)
        for el in root.iter(etree.Element):
            kids = Children(el)
            for path in paths:
                expected = el.find(path, NS)
                assert find(el, path) is expected
                assert kids.find(path) is expected
                assert kids.text(path) == text(el, path) == (None if expected is None else (expected.text or "").strip())
                assert findall(el, path) == list(el.findall(path, NS))


def test_text_outside_cp1250_is_stored_with_question_marks(client: Client) -> None:
    client.post(pack(("S", stock_xml("EMO-1", name="Hrnek ☕ Ж"))))
    card = next(c for c in client.emu.stock_cards() if c.code == "EMO-1")
    assert card.name == "Hrnek ? ?"


# --------------------------------------------------------------------------- stock


def test_seed_from_catalogue_one_row_per_store(mserver: MServerEmulator) -> None:
    cat = catalogue.generate(1, 50)
    cards = mserver.stock_cards()
    assert len(cards) == 50 + sum(len(c.stores) - 1 for c in cat.cards)
    multi = next(c for c in cat.cards if len(c.stores) > 1)
    rows = [c for c in cards if c.code == multi.code]
    assert {(r.store, r.count) for r in rows} == set(multi.stores)
    first = next(c for c in cards if c.id == 1)
    assert (first.code, first.selling_price, first.is_internet) == (cat.cards[0].code, cat.cards[0].price_excl,
                                                                   cat.cards[0].is_internet)
    hidden = [c for c in cat.cards if not c.is_internet]
    assert {c.code for c in cards if not c.is_internet} == {c.code for c in hidden}


def test_stock_upsert_and_update_samples_then_list(client: Client, samples_dir: Path) -> None:
    root = client.post(synthetic(samples_dir, "request_stock_upsert_by_code.xml"))
    assert xt(root, "//rdc:actionType") == ["add"]
    assert xt(root, "//rdc:code") == ["ABC-001"]
    root = client.post(synthetic(samples_dir, "request_stock_upsert_by_code.xml"))
    assert xt(root, "//rdc:actionType") == ["update"]
    root = client.post(synthetic(samples_dir, "request_stock_update_by_code.xml"))
    assert xt(root, "//rdc:actionType") == ["update"]
    root = client.post(synthetic(samples_dir, "request_listStockRequest_by_code_and_userFilter.xml"))
    by_code = item(root, "LSTK-CODE")
    assert xt(by_code, ".//stk:code") == ["ABC-001"]
    assert xt(by_code, ".//stk:name") == ["Čaj zelený Žďár 50 g (nová cena)"]
    price = x(by_code, ".//stk:sellingPrice")[0]
    assert (price.text, price.get("payVAT")) == ("129", "true")
    assert xt(by_code, ".//stk:count") == ["0"]
    internet = item(root, "LSTK-USERFILTER")
    assert len(x(internet, ".//lStk:stock")) == sum(1 for c in client.emu.stock_cards() if c.is_internet)


def test_stock_add_semantics(client: Client) -> None:
    client.post(pack(("A", stock_xml("SEM-1"))))
    root = client.post(pack(("A", stock_xml("SEM-1"))))  # plain add, code exists
    assert item(root, "A").get("state") == "error"
    assert "SEM-1" in note_of(item(root, "A"))
    skip = '<stk:add update="false"><ftr:filter><ftr:code>SEM-1</ftr:code></ftr:filter></stk:add>'
    root = client.post(pack(("A", stock_xml("SEM-1", action=skip, name="Jiný"))))
    assert item(root, "A").get("state") == "ok"
    assert xt(root, "//rdc:detail/rdc:state") == ["warning"]
    assert x(root, "//rdc:producedDetails") == []
    assert next(c for c in client.emu.stock_cards() if c.code == "SEM-1").name == "Čaj"


def test_stock_update_semantics(client: Client) -> None:
    upd = '<stk:update add="{}"><ftr:filter><ftr:code>UPD-1</ftr:code></ftr:filter></stk:update>'
    root = client.post(pack(("U", stock_xml("UPD-1", action=upd.format("false")))))
    assert item(root, "U").get("state") == "error"
    assert not any(c.code == "UPD-1" for c in client.emu.stock_cards())
    root = client.post(pack(("U", stock_xml("UPD-1", action=upd.format("true")))))
    assert xt(root, "//rdc:actionType") == ["add"]
    root = client.post(pack(("U", stock_xml("UPD-1", action=upd.format("false"), price="200"))))
    assert xt(root, "//rdc:actionType") == ["update"]
    assert next(c for c in client.emu.stock_cards() if c.code == "UPD-1").selling_price == Decimal(200)


def test_stock_quantities_are_read_only(client: Client) -> None:
    root = client.post(pack(("S", stock_xml("RO-1", extra="<stk:count>99</stk:count>"))))
    assert item(root, "S").get("state") == "ok"
    warnings = x(root, "//rdc:detail[rdc:state='warning']")
    assert len(warnings) == 1
    assert "stk:count" in (warnings[0].findtext(f"{{{NS['rdc']}}}note") or "")
    assert next(c for c in client.emu.stock_cards() if c.code == "RO-1").count == 0


def test_stock_update_without_price_means_zero(client: Client) -> None:
    client.post(pack(("S", stock_xml("NP-1"))))
    action = '<stk:update><ftr:filter><ftr:code>NP-1</ftr:code></ftr:filter></stk:update>'
    body = pack(("S", f'<stk:stock version="2.0"><stk:actionType>{action}</stk:actionType><stk:stockHeader>'
                      "<stk:name>Nový název</stk:name></stk:stockHeader></stk:stock>"))
    root = client.post(body)
    assert xt(root, "//rdc:detail/rdc:state") == ["warning"]
    card = next(c for c in client.emu.stock_cards() if c.code == "NP-1")
    assert (card.name, card.selling_price) == ("Nový název", Decimal(0))


def test_update_filter_matching_several_stores_needs_store(client: Client) -> None:
    multi = next(c for c in catalogue.generate(1, 50).cards if len(c.stores) > 1)
    action = f"<stk:update><ftr:filter><ftr:code>{multi.code}</ftr:code>{{}}</ftr:filter></stk:update>"
    root = client.post(pack(("S", stock_xml(multi.code, action=action.format("")))))
    assert item(root, "S").get("state") == "error"
    store = "<ftr:store><typ:ids>PRODEJNA</typ:ids></ftr:store>"
    root = client.post(pack(("S", stock_xml(multi.code, action=action.format(store), price="10"))))
    assert item(root, "S").get("state") == "ok"
    prices = {c.store: c.selling_price for c in client.emu.stock_cards() if c.code == multi.code}
    assert prices["PRODEJNA"] == 10
    assert prices[multi.stores[0][0]] == multi.price_excl


def test_list_stock_filters(client: Client) -> None:
    cards = client.emu.stock_cards()

    def codes(filter_xml: str = "", **kw: str) -> list[str]:
        return xt(client.post(pack(("L", list_stock_xml(filter_xml, **kw)))), "//stk:code")

    assert codes("<ftr:id>3</ftr:id>") == [cards[2].code]
    assert codes(f"<ftr:EAN>{cards[4].ean}</ftr:EAN>") == [cards[4].code]
    assert len(codes("<ftr:store><typ:ids>PRODEJNA</typ:ids></ftr:store>")) == sum(c.store == "PRODEJNA" for c in cards)
    kitchen = codes("<ftr:storage><typ:ids>ZBOŽÍ/KUCH</typ:ids></ftr:storage>")  # case-insensitive left prefix
    assert sorted(kitchen) == sorted(c.code for c in cards if c.storage == "Zboží/Kuchyně")
    assert kitchen
    hidden = codes("<ftr:internet>false</ftr:internet>")
    assert sorted(hidden) == sorted(c.code for c in cards if not c.is_internet)
    assert len(codes(user_filter="Internet")) == sum(c.is_internet for c in cards)
    root = client.post(pack(("L", list_stock_xml(user_filter="Neexistuje"))))
    assert item(root, "L").get("state") == "error"
    assert "Neexistuje" in note_of(item(root, "L"))


def test_list_stock_price_levels_and_selling_price(client: Client) -> None:
    root = client.post(pack(("L", list_stock_xml("<ftr:id>5</ftr:id>"))))
    card = catalogue.generate(1, 50).cards[4]
    assert xt(root, "//stk:stockPrice/typ:ids") == ["Velkoobchod"]
    price = x(root, "//stk:sellingPrice")[0]
    assert price.text is not None and Decimal(price.text) == card.price_excl
    assert price.get("payVAT") == "false"
    assert xt(root, "//stk:sellingRateVAT") == [card.vat_rate]


def test_list_stock_paging(client: Client) -> None:
    seen: list[int] = []
    id_from = 1
    while True:
        root = client.post(pack(("L", list_stock_xml(limit=f"<ftr:idFrom>{id_from}</ftr:idFrom><ftr:count>7</ftr:count>"))))
        ids = [int(i) for i in xt(root, "//stk:stockHeader/stk:id")]
        if not ids:
            break
        assert len(ids) <= 7
        seen += ids
        id_from = ids[-1] + 1
    assert seen == sorted(c.id for c in client.emu.stock_cards())


def test_last_changes_semantics(client: Client) -> None:
    time.sleep(1.1)  # dateTimeStamp has whole seconds and lastChanges is inclusive
    root = client.post(pack(("L", list_stock_xml())))
    stamp = x(root, "//lStk:listStock")[0].get("dateTimeStamp")
    assert xt(client.post(pack(("L", list_stock_xml(f"<ftr:lastChanges>{stamp}</ftr:lastChanges>")))), "//stk:code") == []
    code = single_card(client.emu, 3).code
    client.emu.set_stock(code, Decimal(7))
    client.post(pack(("S", stock_xml("NEW-LC"))))
    changed = xt(client.post(pack(("L", list_stock_xml(f"<ftr:lastChanges>{stamp}</ftr:lastChanges>")))), "//stk:code")
    assert changed == [code, "NEW-LC"]
    # inclusive: a watermark equal to the change time still returns the record
    moment = next(c for c in client.emu.stock_cards() if c.code == "NEW-LC")
    assert moment is not None
    row = client.emu.store.one("SELECT changed FROM stock WHERE code = 'NEW-LC'")
    assert row is not None
    exact = row["changed"]
    again = xt(client.post(pack(("L", list_stock_xml(f"<ftr:lastChanges>{exact}</ftr:lastChanges>")))), "//stk:code")
    assert again == ["NEW-LC"]


def test_big_list_streams(mserver_factory: Callable[..., MServerEmulator],
                          client_for: Callable[[MServerEmulator], Client]) -> None:
    emu = mserver_factory(seed_stock=3000)
    root = client_for(emu).post(pack(("L", list_stock_xml())))
    assert len(x(root, "//lStk:stock")) == len(emu.stock_cards()) > 3000


# --------------------------------------------------------------------------- received orders


def test_order_sample_reserves_and_computes_total(client: Client, samples_dir: Path) -> None:
    client.post(synthetic(samples_dir, "request_stock_upsert_by_code.xml"))
    root = client.post(synthetic(samples_dir, "request_receivedOrder_stock_and_text_items.xml"))
    assert item(root, "ESHOP-2026-000123").get("state") == "ok"
    number = xt(root, "//rdc:number")[0]
    assert number == f"{date.today().year % 100:02d}OP00001"
    order = client.emu.received_orders()[0]
    assert order.total == Decimal("341")  # 2 × 121 + 99, prices with VAT
    assert (order.number_order, order.is_reserved, order.partner.ico) == ("2026000123", True, "87654321")
    card = next(c for c in client.emu.stock_cards() if c.code == "ABC-001")
    assert card.reservation == 2
    listing = client.post(pack(("L", list_docs_xml("order"))))
    assert xt(listing, "//ord:orderHeader/ord:number/typ:numberRequested") == [number]
    assert xt(listing, "//typ:priceHighSum") == ["341"]
    assert xt(listing, "//ord:orderItem/ord:stockItem/typ:stockItem/typ:ids") == ["ABC-001"]


def test_order_vat_rates_and_prices_without_vat(client: Client) -> None:
    lines = (order_line(None, "2", "100", "high").replace("<ord:payVAT>true", "<ord:payVAT>false")
             + order_line(None, "1", "112", "low") + order_line(None, "1", "50", "none"))
    client.post(pack(("O", order_xml(lines))))
    order = client.emu.received_orders()[0]
    assert order.total == Decimal("242") + Decimal("112") + Decimal("50")
    root = client.post(pack(("L", list_docs_xml("order"))))
    assert xt(root, "//typ:priceHigh") == ["200"]
    assert xt(root, "//typ:priceHighVAT") == ["42"]
    assert xt(root, "//typ:priceLow") == ["100"]
    assert xt(root, "//typ:priceNone") == ["50"]


def test_order_unknown_stock_code_is_item_error(client: Client) -> None:
    root = client.post(pack(("O", order_xml(order_line("NENI-TAKOVY")))))
    assert item(root, "O").get("state") == "error"
    assert "NENI-TAKOVY" in note_of(item(root, "O"))
    assert xt(root, "//rdc:detail/rdc:state") == ["error"]
    assert client.emu.received_orders() == []


def test_order_number_requested_check_duplicity(client: Client) -> None:
    num = '<ord:number><typ:numberRequested checkDuplicity="{}">OBJ-7</typ:numberRequested></ord:number>'
    client.post(pack(("O", order_xml(order_line(None), number=num.format("true")))))
    root = client.post(pack(("O", order_xml(order_line(None), number=num.format("true")))))
    assert item(root, "O").get("state") == "error"
    assert "OBJ-7" in note_of(item(root, "O"))
    root = client.post(pack(("O", order_xml(order_line(None), number=num.format("false")))))
    assert item(root, "O").get("state") == "ok"
    assert xt(root, "//rdc:detail/rdc:state") == ["warning"]
    assert xt(root, "//rdc:valueRequested") == ["OBJ-7"]
    produced = xt(root, "//rdc:producedDetails/rdc:number")[0]
    assert xt(root, "//rdc:valueProduced") == [produced]
    assert [o.number for o in client.emu.received_orders()] == ["OBJ-7", produced]


def test_order_foreign_currency(client: Client) -> None:
    line = ("<ord:orderItem><ord:text>Zboží</ord:text><ord:quantity>2</ord:quantity><ord:payVAT>true</ord:payVAT>"
            "<ord:rateVAT>high</ord:rateVAT><ord:foreignCurrency><typ:unitPrice>10</typ:unitPrice></ord:foreignCurrency>"
            "</ord:orderItem>")
    summary = ("<ord:orderSummary><ord:foreignCurrency><typ:currency><typ:ids>EUR</typ:ids></typ:currency>"
               "<typ:rate>25.5</typ:rate><typ:amount>1</typ:amount></ord:foreignCurrency></ord:orderSummary>")
    client.post(pack(("O", order_xml(line, summary=summary))))
    order = client.emu.received_orders()[0]
    assert (order.currency, order.total_foreign, order.total) == ("EUR", Decimal(20), Decimal(510))
    root = client.post(pack(("L", list_docs_xml("order"))))
    assert xt(root, "//ord:orderSummary/ord:foreignCurrency/typ:currency/typ:ids") == ["EUR"]


def test_list_orders_filters_and_paging(client: Client) -> None:
    ext = "<ord:extId><typ:ids>{}</typ:ids><typ:exSystemName>WooCommerce</typ:exSystemName></ord:extId>"
    for n in range(5):
        client.post(pack(("O", order_xml(order_line(None), ext=ext.format(f"W{n}")))))
    numbers = [o.number for o in client.emu.received_orders()]
    sel = ("<ftr:selectedNumbers><ftr:number><typ:numberRequested>{}</typ:numberRequested></ftr:number>"
           "<ftr:number><typ:numberRequested>{}</typ:numberRequested></ftr:number></ftr:selectedNumbers>")
    root = client.post(pack(("L", list_docs_xml("order", sel.format(numbers[1], numbers[3])))))
    assert xt(root, "//ord:number/typ:numberRequested") == [numbers[1], numbers[3]]
    ext_filter = "<ftr:extId><typ:ids>W2</typ:ids><typ:exSystemName>WooCommerce</typ:exSystemName></ftr:extId>"
    assert xt(client.post(pack(("L", list_docs_xml("order", ext_filter)))), "//ord:number/typ:numberRequested") == [numbers[2]]
    paged = client.post(pack(("L", list_docs_xml("order", limit="<ftr:idFrom>2</ftr:idFrom><ftr:count>2</ftr:count>"))))
    assert xt(paged, "//ord:orderHeader/ord:id") == ["2", "3"]
    dates = "<ftr:dateFrom>2026-03-02</ftr:dateFrom>"
    assert xt(client.post(pack(("L", list_docs_xml("order", dates)))), "//ord:id") == []


def test_list_orders_last_changes_sample(client: Client, samples_dir: Path) -> None:
    client.post(pack(("O", order_xml(order_line(None)))))
    root = client.post(synthetic(samples_dir, "request_listOrderRequest_received_lastChanges.xml"))
    assert len(x(root, "//lst:order")) == 1  # created now, after the sample's 2026-03-01 watermark


# --------------------------------------------------------------------------- issued invoices


def test_invoice_from_order_moves_stock_and_releases_reservation(client: Client) -> None:
    card = single_card(client.emu)
    root = client.post(pack(("O", order_xml(order_line(card.code, "3") + order_line(None, "1", "99")))))
    number = xt(root, "//rdc:number")[0]
    assert next(c for c in client.emu.stock_cards() if c.id == card.id).reservation == 3
    root = client.post(pack(("F", invoice_from_order(number))))
    assert item(root, "F").get("state") == "ok"
    after = next(c for c in client.emu.stock_cards() if c.id == card.id)
    assert (after.count, after.reservation) == (card.count - 3, Decimal(0))
    invoice = client.emu.issued_invoices()[0]
    order = client.emu.received_orders()[0]
    assert (invoice.order_number, invoice.total, invoice.to_pay) == (number, order.total, order.total)
    assert order.is_executed
    again = client.post(pack(("F", invoice_from_order(number))))
    assert item(again, "F").get("state") == "error"
    listing = client.post(pack(("L", list_docs_xml("invoice"))))
    assert xt(listing, "//inv:linkedDocuments/typ:link/typ:sourceDocument/typ:number") == [number]


def test_invoice_link_sample_by_shop_number_is_unknown_order(client: Client, samples_dir: Path) -> None:
    client.post(pack(("O", order_xml(order_line(None)))))
    root = client.post(synthetic(samples_dir, "request_issuedInvoice_linked_to_receivedOrder.xml"))
    only = x(root, "rsp:responsePackItem")[0]
    assert only.get("state") == "error"
    assert "2026000123" in note_of(only)
    assert client.emu.issued_invoices() == []


def test_invoice_standalone_sample(client: Client, samples_dir: Path) -> None:
    client.post(synthetic(samples_dir, "request_stock_upsert_by_code.xml"))
    client.emu.set_stock("ABC-001", Decimal(10))
    root = client.post(synthetic(samples_dir, "request_issuedInvoice_text_and_stock_items.xml"))
    assert x(root, "rsp:responsePackItem")[0].get("state") == "ok"
    invoice = client.emu.issued_invoices()[0]
    assert (invoice.total, invoice.symbol_variable, invoice.number_order) == (Decimal(341), "2026000124", "2026000124")
    assert next(c for c in client.emu.stock_cards() if c.code == "ABC-001").count == 8


def test_invoice_liquidation_and_mark_paid(client: Client, samples_dir: Path) -> None:
    client.post(pack(("O", order_xml(order_line(None, "1", "1000")))))
    number = client.emu.received_orders()[0].number
    client.post(pack(("F", invoice_from_order(number))))
    inv_number = client.emu.issued_invoices()[0].number

    def liquidation() -> tuple[list[str], list[str]]:
        root = client.post(pack(("L", list_docs_xml("invoice"))))
        return xt(root, "//inv:liquidation/typ:date"), xt(root, "//inv:liquidation/typ:amountHome")

    assert liquidation() == ([], ["1000"])
    stamp = datetime.now().replace(microsecond=0) - timedelta(seconds=1)
    client.emu.mark_paid(inv_number, Decimal("400"), date(2026, 3, 10))
    assert liquidation() == (["2026-03-10"], ["600"])
    changed = client.post(pack(("L", list_docs_xml("invoice", f"<ftr:lastChanges>{stamp.isoformat()}</ftr:lastChanges>"))))
    assert xt(changed, "//inv:number/typ:numberRequested") == [inv_number]
    client.emu.mark_paid(inv_number, on=date(2026, 3, 12))
    assert liquidation() == (["2026-03-12"], [])
    assert client.emu.issued_invoices()[0].to_pay == 0
    root = client.post(synthetic(samples_dir, "request_listInvoiceRequest_issued_with_liquidations.xml"))
    assert xt(root, "//inv:liquidations/typ:liquidation/typ:amount") == ["400", "600"]
    with pytest.raises(ValueError, match="kladná"):
        client.emu.mark_paid(inv_number)


# --------------------------------------------------------------------------- address book, receipts


def test_addressbook_upsert_by_ico_and_list(client: Client, samples_dir: Path) -> None:
    first = client.post(synthetic(samples_dir, "request_addressbook_upsert_by_ico.xml"))
    assert xt(first, "//rdc:actionType") == ["add"]
    second = client.post(synthetic(samples_dir, "request_addressbook_upsert_by_ico.xml"))
    assert xt(second, "//rdc:actionType") == ["update"]
    assert xt(first, "//rdc:id") == xt(second, "//rdc:id")
    assert len(client.emu.addresses()) == 1
    root = client.post(synthetic(samples_dir, "request_listAddressBookRequest_by_ico.xml"))
    assert xt(root, "//adb:identity/typ:address/typ:company") == ["Příkladná s.r.o."]
    assert xt(root, "//adb:email") == ["jan.novak@example.cz"]


def test_addressbook_ext_id_and_user_filter(client: Client) -> None:
    ext = "<typ:extId><typ:ids>C-9</typ:ids><typ:exSystemName>WooCommerce</typ:exSystemName></typ:extId>"
    body = ('<adb:addressbook version="2.0"><adb:actionType><adb:add update="true"><ftr:filter><ftr:extId>'
            "<typ:ids>C-9</typ:ids><typ:exSystemName>WooCommerce</typ:exSystemName></ftr:extId></ftr:filter>"
            f"</adb:add></adb:actionType><adb:addressbookHeader><adb:identity>{ext}<typ:address>"
            "<typ:name>Eva Černá</typ:name></typ:address></adb:identity></adb:addressbookHeader></adb:addressbook>")
    client.post(pack(("A", body)))
    client.post(pack(("A", body)))
    assert [a.ext_id for a in client.emu.addresses()] == ["C-9"]
    req = ('<lAdb:listAddressBookRequest version="2.0" addressBookVersion="2.0" extSystem="WooCommerce">'
           "<lAdb:requestAddressBook>{}</lAdb:requestAddressBook></lAdb:listAddressBookRequest>")
    root = client.post(pack(("L", req.format("<ftr:filter><ftr:extId><typ:ids>C-9</typ:ids><typ:exSystemName>"
                                             "WooCommerce</typ:exSystemName></ftr:extId></ftr:filter>"))))
    assert xt(root, "//adb:identity/typ:extId/typ:ids") == ["C-9"]
    assert xt(client.post(pack(("L", req.format("<ftr:userFilterName>Firmy</ftr:userFilterName>")))), "//adb:id") == []
    root = client.post(pack(("L", req.format("<ftr:userFilterName>Nic</ftr:userFilterName>"))))
    assert item(root, "L").get("state") == "error"


def test_receipt_raises_count_per_store(client: Client) -> None:
    multi = next(c for c in catalogue.generate(1, 50).cards if len(c.stores) > 1)
    body = ('<pri:prijemka version="2.0"><pri:prijemkaHeader><pri:date>2026-03-05</pri:date><pri:text>Naskladnění'
            "</pri:text></pri:prijemkaHeader><pri:prijemkaDetail><pri:prijemkaItem><pri:quantity>5</pri:quantity>"
            "<pri:homeCurrency><typ:unitPrice>10</typ:unitPrice></pri:homeCurrency><pri:stockItem><typ:store>"
            f"<typ:ids>PRODEJNA</typ:ids></typ:store><typ:stockItem><typ:ids>{multi.code}</typ:ids></typ:stockItem>"
            "</pri:stockItem></pri:prijemkaItem></pri:prijemkaDetail></pri:prijemka>")
    root = client.post(pack(("P", body)))
    assert xt(root, "//pri:prijemkaResponse/rdc:producedDetails/rdc:number") == [client.emu.receipts()[0].number]
    counts = {c.store: c.count for c in client.emu.stock_cards() if c.code == multi.code}
    assert counts["PRODEJNA"] == dict(multi.stores)["PRODEJNA"] + 5
    assert counts[multi.stores[0][0]] == multi.stores[0][1]


# --------------------------------------------------------------------------- duplicity


def test_duplicity_same_pack_twice(client: Client) -> None:
    card = single_card(client.emu)
    body = pack(("O", order_xml(order_line(card.code, "2"))), pack_id="ESHOP-77")
    headers = {"STW-Check-Duplicity": "true"}
    first = client.post(body, headers)
    number = xt(first, "//rdc:number")[0]
    second = client.post(body, headers)
    only = item(second, "O")
    assert only.get("state") == "error"
    assert xt(only, "rsp:errorDetail/rsp:recordDuplicity/rsp:agendaType") == ["prijate_objednavky"]
    assert xt(only, "rsp:errorDetail/rsp:recordDuplicity/rsp:number") == [number]
    assert xt(only, "rsp:errorDetail/rsp:recordDuplicity/rsp:id") == xt(first, "//rdc:id")
    assert len(client.emu.received_orders()) == 1
    assert next(c for c in client.emu.stock_cards() if c.id == card.id).reservation == 2
    client.post(body)  # without the header POHODA imports again
    assert len(client.emu.received_orders()) == 2


# --------------------------------------------------------------------------- transport


def test_concurrent_requests_are_serialised(mserver_factory: Callable[..., MServerEmulator]) -> None:
    emu = mserver_factory(seed_stock=10, faults={"latency_ms": 40})
    results: list[int] = []

    def call() -> None:
        r = requests.post(emu.url + "/xml", data=pack(("L", list_stock_xml())), headers=AUTH, timeout=30)
        results.append(r.status_code)

    threads = [threading.Thread(target=call) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 10
    stats = emu.stats()
    assert stats["max_concurrent"] == 1
    assert stats["requests"] == 10


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compression_both_ways(client: Client, encoding: str) -> None:
    body = pack(("L", list_stock_xml()))
    compressed = gzip.compress(body) if encoding == "gzip" else zlib.compress(body)
    r = client.raw(compressed, {"Content-Encoding": encoding, "Accept-Encoding": encoding}, stream=True)
    assert r.headers["Content-Encoding"] == encoding
    raw = r.raw.read()
    plain = gzip.decompress(raw) if encoding == "gzip" else zlib.decompress(raw)
    client.check(plain)
    assert plain.count(b"<lStk:stock ") == len(client.emu.stock_cards())


# --------------------------------------------------------------------------- faults


def test_fault_unauthorized_and_html_login(client: Client) -> None:
    body = pack(("L", list_stock_xml()))
    client.emu.set_faults(unauthorized=True)
    assert client.raw(body).status_code == 401
    client.emu.set_faults(unauthorized=False, html_login=True)
    r = client.raw(body)
    assert (r.status_code, r.headers["Content-Type"].split(";")[0]) == (200, "text/html")
    client.emu.set_faults(html_login=403)
    assert client.raw(body).status_code == 403
    client.emu.clear_faults()
    assert client.raw(body).status_code == 200


def test_fault_busy(client: Client) -> None:
    body = pack(("L", list_stock_xml("<ftr:id>1</ftr:id>")))
    client.emu.set_faults(busy=2)
    assert [client.raw(body).status_code for _ in range(3)] == [503, 503, 200]
    client.emu.set_faults(busy=True)
    assert [client.raw(body).status_code for _ in range(3)] == [503] * 3
    client.emu.clear_faults()


def test_fault_pack_error(client: Client) -> None:
    client.emu.set_faults(pack_error="Uživatel není oprávněn importovat XML soubory.")
    root = client.post(pack(("S", stock_xml("PE-1"))))
    assert (root.get("state"), root.get("note")) == ("error", "Uživatel není oprávněn importovat XML soubory.")
    assert not any(c.code == "PE-1" for c in client.emu.stock_cards())


def test_fault_item_error_rate_is_seeded(mserver_factory: Callable[..., MServerEmulator],
                                         client_for: Callable[[MServerEmulator], Client]) -> None:
    body = pack(*((f"I{n}", list_stock_xml("<ftr:id>1</ftr:id>")) for n in range(20)))
    outcomes = []
    for _ in range(2):
        emu = mserver_factory(seed=5, faults={"item_error_rate": 0.5})
        root = client_for(emu).post(body)
        outcomes.append([i.get("state") for i in x(root, "rsp:responsePackItem")])
    assert outcomes[0] == outcomes[1]
    assert 0 < outcomes[0].count("error") < 20


def test_fault_cut_response(client: Client) -> None:
    body = pack(("L", list_stock_xml()))
    client.emu.set_faults(cut_response=True)
    r = client.raw(body)
    assert r.status_code == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(r.content)
    client.emu.set_faults(cut_response="connection")
    with pytest.raises(requests.exceptions.RequestException):
        client.raw(body)
    client.emu.clear_faults()
    assert client.raw(body).status_code == 200


def test_fault_down_and_back(client: Client) -> None:
    body = pack(("L", list_stock_xml("<ftr:id>1</ftr:id>")))
    client.emu.set_faults(down=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(client.emu.url + "/xml", data=body, headers=AUTH, timeout=5)
    client.emu.set_faults(down=False)
    assert client.raw(body).status_code == 200
    client.emu.set_faults(down=0.3)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(client.emu.url + "/xml", data=body, headers=AUTH, timeout=5)
    time.sleep(0.6)
    assert client.raw(body).status_code == 200


def test_fault_latency(client: Client) -> None:
    body = pack(("A", list_stock_xml("<ftr:id>1</ftr:id>")), ("B", list_stock_xml("<ftr:id>2</ftr:id>")))
    client.emu.set_faults(latency_ms=150, latency_per_item_ms=100)
    started = time.perf_counter()
    client.post(body)
    assert time.perf_counter() - started >= 0.35
    with pytest.raises(ValueError, match="Neznámé"):
        client.emu.set_faults(nesmysl=1)


def test_fault_latency_includes_own_processing(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """The latency is POHODA's service time: the emulator's own work counts towards it, it is not added."""
    process = client.emu.processor.process

    def slow(*args: object) -> object:
        time.sleep(0.4)  # stands in for slow processing (XSD, SQLite)
        return process(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(client.emu.processor, "process", slow)
    client.emu.set_faults(latency_ms=200, latency_per_item_ms=50)
    client.post(pack(("A", list_stock_xml("<ftr:id>1</ftr:id>"))))
    assert 0.4 <= client.emu.stats()["busy_seconds"] < 0.55  # max(0.4, 0.2 + 0.05), not 0.4 + 0.25
    client.emu.set_faults(latency_ms=600)
    client.post(pack(("A", list_stock_xml("<ftr:id>1</ftr:id>")), ("B", list_stock_xml("<ftr:id>2</ftr:id>"))))
    assert 0.4 + 0.7 <= client.emu.stats()["busy_seconds"] < 0.4 + 0.85  # the latency wins: 0.6 + 2 × 0.05


# --------------------------------------------------------------------------- admin HTTP, CLI


def test_admin_http_endpoints(client: Client) -> None:
    url = client.emu.url + "/_emulator/"
    assert requests.post(url + "faults", json={"busy": 1}, timeout=10).json()["busy"] == 1
    assert client.raw(pack(("L", list_stock_xml()))).status_code == 503
    requests.post(url + "faults/clear", timeout=10)
    code = single_card(client.emu).code
    card = requests.post(url + "stock", json={"code": code, "count": "42"}, timeout=10).json()
    assert card["count"] == "42"
    client.post(pack(("O", order_xml(order_line(None, "1", "500")))))
    client.post(pack(("F", invoice_from_order(client.emu.received_orders()[0].number))))
    number = client.emu.issued_invoices()[0].number
    paid = requests.post(url + "pay", json={"invoice": number, "amount": "100", "date": "2026-03-03"}, timeout=10)
    assert Decimal(paid.json()["to_pay"]) == 400
    assert requests.post(url + "pay", json={"invoice": "NENI"}, timeout=10).status_code == 404
    stats = requests.get(url + "stats", timeout=10).json()
    assert stats["requests"] >= 3
    assert stats["status_codes"]["503"] == 1
    assert len(requests.get(url + "invoices", timeout=10).json()) == 1
    assert requests.post(url + "reset", timeout=10).json() == {"ok": True}
    assert client.emu.issued_invoices() == []
    assert len(client.emu.stock_cards()) == len(requests.get(url + "stock", timeout=10).json()) > 0


def test_main_runs_as_program(tmp_path: Path, assert_valid_responsepack: Callable[[bytes], None]) -> None:
    code = "import sys; from adapter.emulators.mserver import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--port", "0", "--data", str(tmp_path), "--seed-stock", "20",
         "--ico", "11223344", "--fault", "latency_ms=1"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1], env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        url = line.split()[3].removesuffix("/xml")
        root = etree.fromstring(requests.get(url + "/status", timeout=10).content)
        assert root.findtext("status") == "idle"
        r = requests.post(url + "/xml", data=pack(("L", list_stock_xml()), ico="11223344"), headers=AUTH, timeout=10)
        assert r.content.count(b"<lStk:stock ") >= 20
        assert_valid_responsepack(r.content)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
    assert main is not None
