"""Bad input from every side: POHODA's XML, CSV files, e-shop JSON and web forms (hypothesis).

The contract proved here: whatever arrives, only the typed errors escape —
``PohodaError`` (``ResponseParseError``, ``PackError`` …) from the POHODA
parsers and client, ``ImportFileError`` from the CSV reader, ``EshopError``
from the e-shop connector — in bounded time, without reading local files or
the network; and no form POST ever ends in a 500.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from adapter import config
from adapter.errors import EshopError, ImportFileError, PohodaError
from adapter.eshop.base import EshopConnection, TransferMark, connect
from adapter.pohoda import addressbook, envelope, invoices, orders, stock
from adapter.pohoda.client import MServerClient
from adapter.records import NewCustomer, NewProduct, StockUpdate
from adapter.sync.payments.csv import DEFAULT_MAX_BYTES, read_payments_csv

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example])
FEW = settings(FUZZ, max_examples=40)

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "pohoda" / "samples"
PASSWD_MARKERS = (b"root:", "root:")


# =========================================================================== a counting HTTP server


class Server:
    """A 127.0.0.1 HTTP server whose answer a test sets; counts requests (to prove "no network")."""

    def __init__(self) -> None:
        self.body = b""
        self.headers: dict[str, str] = {}
        self.status = 200
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                outer.hits += 1
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                body = outer.body
                self.send_response(outer.status)
                for name, value in {"Content-Type": "application/json", **outer.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Shut down."""
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """One answering server for the module."""
    srv = Server()
    yield srv
    srv.stop()


# =========================================================================== POHODA XML

_TAG = re.compile(r"\b(rsp|lStk|stk|lst|ord|inv|adb|lAdb|typ|rdc|ftr|pri):([A-Za-z]+)\b")


def _known_tags() -> list[str]:
    found: set[str] = set()
    for path in Path(envelope.__file__).parent.glob("*.py"):
        found.update(f"{a}:{b}" for a, b in _TAG.findall(path.read_text(encoding="utf-8")))
    return sorted(found)


KNOWN_TAGS = _known_tags()
ATTRS = ("id", "state", "note", "version", "dateTimeStamp", "ico", "programVersion", "application")
PARSERS: dict[str, Callable[[bytes], object]] = {
    "parse_response": envelope.parse_response,
    "parse_list_stock": stock.parse_list_stock,
    "parse_list_orders": orders.parse_list_orders,
    "parse_list_invoices": invoices.parse_list_invoices,
    "parse_list_addressbook": addressbook.parse_list_addressbook,
    "iter_stock": lambda xml: list(stock.iter_stock(xml)),
    "iter_stock_stream": lambda xml: list(stock.iter_stock(io.BufferedReader(io.BytesIO(xml)))),  # type: ignore[arg-type]
}


def seed_answers(tmp: Path) -> list[bytes]:
    """Real answers: the emulator's (stock list, imports, address book, errors) and the captured samples."""
    from adapter.emulators.mserver import MServerEmulator
    from adapter.pohoda.envelope import build_pack

    answers: list[bytes] = []
    with MServerEmulator(tmp, seed_stock=6) as emu:
        emu.start()
        client = MServerClient(emu.url, "admin", "heslo", "12345678", retries=0)
        requests = [stock.list_stock_request(), addressbook.list_addressbook_request(),
                    orders.list_orders_request(), invoices.list_invoices_request()]
        for i, item in enumerate(requests):
            answers.append(client.post(build_pack([item], ico="12345678", pack_id=f"fz{i}").xml))
        client.close()
    for path in sorted(SAMPLES.glob("response_*.xml")) + sorted(SAMPLES.glob("*_response.xml")):
        answers.append(path.read_bytes())
    return answers


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """The seed corpus for mutations."""
    found = seed_answers(tmp_path_factory.mktemp("mserver"))
    assert len(found) >= 4
    return found


texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["ok", "error", "warning", "", "-1", "1e999", "NaN", "Infinity", "9" * 400, "2024-02-30",
                     "2024-01-01T25:61:00", "0,5", "１２３", "\u202e", "&amp;", "]]>", "high", "none"]),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
)
xml_safe = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return xml_safe.sub("", text)


@st.composite
def mutated_answer(draw: st.DrawFn, corpus: list[bytes]) -> bytes:
    """A real answer with random structural and textual damage, re-serialised."""
    base = draw(st.sampled_from(corpus))
    root = etree.fromstring(base, etree.XMLParser(resolve_entities=False, no_network=True))
    nodes = list(root.iter(etree.Element))
    for _ in range(draw(st.integers(1, 8))):
        node = nodes[draw(st.integers(0, len(nodes) - 1))]
        op = draw(st.sampled_from(["text", "attr", "drop", "dup", "insert", "strip_attrs", "nest"]))
        parent = node.getparent()
        if op == "text":
            node.text = _clean(draw(texts))
        elif op == "attr":
            node.set(draw(st.sampled_from(ATTRS)), _clean(draw(texts)))
        elif op == "drop" and parent is not None:
            parent.remove(node)
        elif op == "dup" and parent is not None:
            for _ in range(draw(st.integers(1, 3))):
                parent.append(etree.fromstring(etree.tostring(node)))
        elif op == "insert":
            prefix, _, local = draw(st.sampled_from(KNOWN_TAGS)).partition(":")
            child = etree.SubElement(node, f"{{{envelope.NS[prefix]}}}{local}")
            child.text = _clean(draw(texts))
        elif op == "strip_attrs":
            node.attrib.clear()
        elif op == "nest":
            node.append(etree.fromstring(etree.tostring(root)))
    encoding = draw(st.sampled_from(["Windows-1250", "UTF-8", "utf-16", "ISO-8859-2"]))
    try:
        data = etree.tostring(root, xml_declaration=True, encoding=encoding)
    except (LookupError, ValueError, UnicodeEncodeError):
        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return draw(byte_damage(data))


@st.composite
def byte_damage(draw: st.DrawFn, data: bytes) -> bytes:
    """Sometimes truncate, splice random bytes in, or lie about the encoding."""
    kind = draw(st.sampled_from(["none", "none", "truncate", "splice", "declare"]))
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "splice":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(max_size=30)) + data[at:]
    if kind == "declare":
        declared = draw(st.sampled_from(["UTF-16", "UTF-32", "bogus-enc", "EBCDIC", "ascii", "Windows-1250",
                                         "UTF-8", "", "x" * 300]))
        body = re.sub(rb"^<\?xml[^>]*\?>", b"", data.lstrip(b"\xef\xbb\xbf"))
        return f'<?xml version="1.0" encoding="{declared}"?>'.encode() + body
    return data


def parse_all(xml: bytes) -> list[object]:
    """Run every parser; only PohodaError may escape (the caller asserts that)."""
    results = []
    for name, parse in PARSERS.items():
        try:
            results.append(parse(xml))
        except PohodaError:
            results.append(None)
        except Exception as exc:  # pragma: no cover - the failure report
            raise AssertionError(f"{name} let {type(exc).__name__} escape: {exc}") from exc
    return results


def test_parsers_survive_mutated_real_answers(answers: list[bytes]) -> None:
    @FUZZ
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        parse_all(data.draw(mutated_answer(answers)))

    check()


@FUZZ
@given(st.binary(max_size=2000))
def test_parsers_survive_random_bytes(blob: bytes) -> None:
    parse_all(blob)
    parse_all(b'<?xml version="1.0"?><rsp:responsePack xmlns:rsp="' + envelope.NS["rsp"].encode() + b'">' + blob)


def test_the_seed_answers_parse(answers: list[bytes]) -> None:
    """The corpus itself is sane (so the fuzzing above starts from real structure)."""
    assert list(stock.iter_stock(answers[0])), "the emulator's stock list is empty"
    assert envelope.parse_response(answers[0]).items


def rsp(body: str, *, prolog: str = "") -> bytes:
    """A responsePack with a stock list around ``body`` (a stk:stockHeader's inner XML)."""
    ns = " ".join(f'xmlns:{p}="{u}"' for p, u in envelope.NS.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<rsp:responsePack {ns} version="2.0" id="p" state="ok">'
            '<rsp:responsePackItem version="2.0" id="i" state="ok"><lStk:listStock version="2.0" state="ok">'
            f'<lStk:stock version="2.0"><stk:stockHeader><stk:id>1</stk:id>{body}</stk:stockHeader></lStk:stock>'
            "</lStk:listStock></rsp:responsePackItem></rsp:responsePack>").encode()


def assert_no_leak(results: list[object], marker: str) -> None:
    """``marker`` (file content or an entity's value) appears in no parsed value."""
    assert all(marker not in repr(r) for r in results), marker


@pytest.mark.parametrize("pad", [0, 5000, 70000], ids=["dtd-first", "dtd-after-5k", "dtd-after-70k"])
def test_external_entities_and_billion_laughs_are_refused_or_ignored(server: Server, tmp_path: Path, pad: int) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("root:x:0:0:TAJNY-OBSAH-SOUBORU", encoding="ascii")
    hits = server.hits
    laughs = '<!ENTITY a0 "haha">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    padding = f"<!--{'x' * pad}-->" if pad else ""
    cases = {
        "file": f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret_file}">]>',
        "passwd": '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        "http": f'<!DOCTYPE r [<!ENTITY x SYSTEM "{server.url}/xxe">]>',
        "param": f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{server.url}/dtd"> %p; <!ENTITY x "y">]>',
        "dtd": f'<!DOCTYPE r SYSTEM "{server.url}/external.dtd"><!-- -->',
        "laughs": f"<!DOCTYPE r [{laughs}<!ENTITY x '&a9;'>]>",
    }
    for name, doctype in cases.items():
        xml = rsp("<stk:code>&x;</stk:code><stk:name>&x;</stk:name>", prolog=padding + doctype)
        started = time.monotonic()
        results = parse_all(xml)
        assert time.monotonic() - started < 5, name
        assert_no_leak(results, "TAJNY-OBSAH")
        assert_no_leak(results, "root:x:0:0")
        assert_no_leak(results, "hahahahaha" * 100)
        if pad < 4096:  # a DOCTYPE at the start is always refused outright
            assert results == [None] * len(results), name
    xinclude = rsp(f'<stk:name><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{secret_file}" '
                   'parse="text"/></stk:name>')
    assert_no_leak(parse_all(xinclude), "TAJNY-OBSAH")
    assert server.hits == hits, "a parser reached the network"


@pytest.mark.slow
def test_huge_answers_parse_in_bounded_time() -> None:
    card = ("<stk:code>K-{i}</stk:code><stk:name>Zboží {i}</stk:name><stk:count>{i}</stk:count>"
            "<stk:sellingPrice>12.50</stk:sellingPrice>")
    one = rsp(card.format(i=0))
    head, _, tail = one.partition(b"<lStk:stock ")
    stock_xml = b"<lStk:stock " + tail.partition(b"</lStk:stock>")[0] + b"</lStk:stock>"
    end = b"</lStk:listStock></rsp:responsePackItem></rsp:responsePack>"
    repeated = head + stock_xml * (20 * 1024 * 1024 // len(stock_xml)) + end
    assert len(repeated) > 19 * 1024 * 1024
    started = time.monotonic()
    count = sum(1 for _ in stock.iter_stock(repeated))  # 20 MB of cards, streamed
    assert count > 50_000 and time.monotonic() - started < 40
    started = time.monotonic()
    assert envelope.parse_response(repeated).items
    assert time.monotonic() - started < 15
    # truncated mid-way, 20 MB deep nesting, 100 000 items: typed errors or results, quickly
    started = time.monotonic()
    small = head + stock_xml * 10_000 + end
    parse_all(small[: len(small) // 2])
    parse_all(head + b"<a>" * 3_000_000 + b"</a>" * 3_000_000 + tail)
    items = rsp("").replace(b"</rsp:responsePack>", b"") + b'<rsp:responsePackItem id="x" state="ok"/>' * 100_000
    assert len(envelope.parse_response(items + b"</rsp:responsePack>").items) == 100_001
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(("declared", "actual"), [
    ("Windows-1250", "utf-8"), ("UTF-8", "cp1250"), ("UTF-16", "utf-8"), ("bogus", "utf-8"),
    ("ISO-8859-2", "utf-16"), ("UTF-32", "ascii"), ("ebcdic-cp-us", "utf-8"),
])
def test_wrong_encoding_declarations(declared: str, actual: str) -> None:
    body = rsp("<stk:code>Žluťoučký-kůň</stk:code><stk:name>Příliš žluťoučký kůň</stk:name>").split(b"?>", 1)[1]
    xml = f'<?xml version="1.0" encoding="{declared}"?>'.encode(actual) + body.decode("utf-8").encode(actual, "replace")
    parse_all(xml)


# --------------------------------------------------------------------------- the client over HTTP


@FEW
@given(data=st.data())
def test_mserver_client_only_raises_pohoda_errors(server: Server, answers: list[bytes], data: st.DataObject) -> None:
    server.body = data.draw(st.one_of(mutated_answer(answers), st.binary(max_size=300)))
    server.status = data.draw(st.sampled_from([200, 200, 200, 201, 302, 400, 401, 403, 404, 408, 500, 503]))
    server.headers = {"Content-Type": data.draw(st.sampled_from(["text/xml", "text/html", "application/json", "x/y"]))}
    client = MServerClient(server.url, "admin", "heslo", "12345678", retries=1, backoff=0, sleep=lambda _s: None,
                           read_timeout=5)
    pack = envelope.build_pack([stock.list_stock_request()], ico="12345678", pack_id="fz")
    for call in (lambda: client.send(pack), lambda: client.status(company_detail=True)):
        with contextlib.suppress(PohodaError):
            call()
    client.close()
    server.status, server.headers = 200, {}


# =========================================================================== CSV


HEADER = "Číslo;Občj;Datum;K likvidaci;Celkem\r\n".encode("cp1250")


def test_csv_with_nul_bytes_is_read_or_refused() -> None:
    for data in (HEADER + b"F1;\x00123;2024-01-02;0;100\r\n", b"\x00" * 1000, HEADER.replace(b";", b"\x00;"),
                 HEADER + b"\x00\x00\x00\r\n" * 100, b"\xff\xfe" + b"\x00" * 51, HEADER + b"F1;12;2024-01-02;0;1\x00\r\n"):
        message = ""
        try:
            result = read_payments_csv(data)
        except ImportFileError as exc:
            message = exc.message
        else:
            assert "\x00" not in "".join(str(r) for r in result.rows)
            continue
        assert message


def test_csv_size_limit_is_exact_and_fast() -> None:
    row = b"F1;1001;2.1.2024;0;121,00\r\n"
    started = time.monotonic()
    with pytest.raises(ImportFileError, match="příliš velký"):
        read_payments_csv(HEADER + row * (50 * 1024 * 1024 // len(row)))
    assert time.monotonic() - started < 2
    exact = HEADER + b"x" * (DEFAULT_MAX_BYTES - len(HEADER))
    message = ""
    try:  # exactly at the limit the file is read (its content may still be refused)
        read_payments_csv(exact)
    except ImportFileError as exc:
        message = exc.message
    assert "příliš velký" not in message
    with pytest.raises(ImportFileError, match="příliš velký"):
        read_payments_csv(exact + b"x")
    with pytest.raises(ImportFileError, match="příliš velký"):
        read_payments_csv(row * 10, max_bytes=100)


def test_csv_line_of_5_mb_is_bounded() -> None:
    big_cell = b"F1;1001;2.1.2024;0;" + b"9" * (5 * 1024 * 1024) + b"\r\nF2;1002;2.1.2024;0;10\r\n"
    quoted = b'F1;"' + b"a;" * (2 * 1024 * 1024) + b'";2.1.2024;0;1\r\n'
    unclosed = b'F1;"1001;2.1.2024;0;1\r\n' + b"F2;1002;2.1.2024;0;1\r\n" * 50_000
    for data in (HEADER + big_cell, HEADER + quoted, HEADER + unclosed, b"x" * (5 * 1024 * 1024)):
        started = time.monotonic()
        try:
            result = read_payments_csv(data)
        except ImportFileError:
            pass
        else:
            assert result.rows or result.errors
        assert time.monotonic() - started < 15


# =========================================================================== e-shop JSON


LITERALS = ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "1" + "0" * 1000, "1" + "0" * 5000, "1e-400",
            "-0", "123456789012345678901234567890.123456789", "[" * 100_000 + "]" * 100_000, "0.1e99999999999"]
FIELD_NAMES = ["id", "sku", "name", "type", "status", "number", "total", "quantity", "price", "subtotal",
               "line_items", "meta_data", "billing", "shipping", "date_modified_gmt", "date_created_gmt",
               "stock_quantity", "manage_stock", "regular_price", "sale_price", "tax_lines", "rate_percent",
               "variation_id", "product_id", "email", "key", "value", "update", "create", "error", "currency",
               "shipping_lines", "fee_lines", "coupon_lines", "taxes", "total_tax", "payment_method", "home", "url"]

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
              st.text(max_size=20), st.sampled_from([f"__LIT{i}__" for i in range(len(LITERALS))])),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children, max_size=5)),
    max_leaves=20,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated_json(draw: st.DrawFn, template: Any) -> Any:
    """``template`` with some values removed, nulled or replaced (also by raw literals)."""
    doc = json.loads(json.dumps(template))
    for _ in range(draw(st.integers(1, 6))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        op = draw(st.sampled_from(["delete", "null", "replace", "replace", "literal"]))
        if op == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif op == "null":
            parent[path[-1]] = None
        elif op == "literal":
            parent[path[-1]] = f"__LIT{draw(st.integers(0, len(LITERALS) - 1))}__"
        else:
            parent[path[-1]] = draw(json_values)
    return doc


def to_body(value: Any) -> bytes:
    """JSON text with the ``__LITn__`` markers replaced by raw (often invalid) literals."""
    text = json.dumps(value, default=str)
    return re.sub(r'"__LIT(\d+)__"', lambda m: LITERALS[int(m.group(1))], text).encode()


@pytest.fixture(scope="module")
def woo_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Real JSON from the WooCommerce emulator: an order, products (incl. variable), a customer, the index."""
    from adapter.emulators.woocommerce import WooEmulator

    with WooEmulator(tmp_path_factory.mktemp("woo"), seed_products=30, seed_orders=3) as emu:
        emu.start()
        shop = connect(EshopConnection(config.EshopSettings(url=emu.url, consumer_key="ck_test",
                                                            consumer_secret="cs_test"), attempts=1))
        http = shop._http  # type: ignore[attr-defined]
        api = "/wp-json/wc/v3"
        products = http.call("GET", api + "/products", params=[("per_page", "100")]).data
        out = {
            "order": http.call("GET", api + "/orders").data[0],
            "product": products[0],
            "variable": next((p for p in products if p.get("type") == "variable"), products[-1]),
            "customer": (http.call("GET", api + "/customers", params=[("role", "all")]).data or [{"id": 1}])[0],
            "index": http.call("GET", "/wp-json/", anonymous=True).data,
        }
        shop.close()
    return json.loads(json.dumps(out, default=str))


def shop_for(server: Server) -> Any:
    """The real connector against the fuzz server: one attempt, short timeouts."""
    return connect(EshopConnection(config.EshopSettings(url=server.url, consumer_key="ck_fuzz",
                                                        consumer_secret="cs_fuzz", timeout=5.0), attempts=1))


CALLS: dict[str, tuple[str, Callable[[Any], object]]] = {
    # name → (what the server answers: "list" of objects or one "object", the call)
    "iter_products": ("list", lambda s: list(s.iter_products())),
    "iter_orders": ("list", lambda s: list(s.iter_orders_for_transfer(since=datetime(2024, 1, 1, tzinfo=UTC)))),
    "find_orders": ("list", lambda s: s.find_orders(["1", "A-7"])),
    "iter_customers": ("list", lambda s: list(s.iter_customers())),
    "find_customer": ("list", lambda s: s.find_customer("jana@example.cz")),
    "get_order": ("object", lambda s: s.get_order(1)),
    "mark_transferred": ("object", lambda s: s.mark_transferred(1, pohoda_number="OP1", note="n")),
    "mark_transferred_many": ("object",
                              lambda s: s.mark_transferred_many([TransferMark(1, "OP1", "n", "processing")])),
    "mark_paid": ("object", lambda s: s.mark_paid(1, invoice_number="F1", paid_on=date(2024, 1, 2))),
    "create_customer": ("object", lambda s: s.create_customer(NewCustomer(email="a@b.cz"))),
    "info": ("object", lambda s: s.info()),
    "update_stock": ("batch", lambda s: s.update_stock([StockUpdate(product_id=1, quantity=Decimal(3))])),
    "create_products": ("batch", lambda s: s.create_products([NewProduct(sku="A", name="A")])),
}
TEMPLATE_FOR = {"iter_products": "variable", "iter_orders": "order", "find_orders": "order",
                "iter_customers": "customer", "find_customer": "customer", "get_order": "order",
                "mark_transferred": "order", "mark_transferred_many": "order", "mark_paid": "order",
                "create_customer": "customer", "info": "index",
                "update_stock": "product", "create_products": "product"}


def call_shop(server: Server, name: str, body: bytes, total_pages: str = "1") -> None:
    """Call one connector method against ``body``; only EshopError may escape."""
    server.body, server.status, server.headers = body, 200, {"X-WP-TotalPages": total_pages, "X-WP-Total": "1"}
    shop = shop_for(server)
    try:
        CALLS[name][1](shop)
    except EshopError:
        pass
    except Exception as exc:  # the failure report
        raise AssertionError(f"{name}: {type(exc).__name__} escaped: {str(exc)[:300]}") from exc
    finally:
        shop.close()


def shaped(kind: str, value: Any) -> Any:
    """Wrap a mutated object as the endpoint answers it."""
    if kind == "list":
        return [value]
    if kind == "batch":
        return {"update": [value], "create": [value]}
    return value


@pytest.mark.parametrize("name", list(CALLS))
def test_eshop_connector_survives_mutated_json(server: Server, woo_templates: dict[str, Any], name: str) -> None:
    kind, _ = CALLS[name]

    @settings(FUZZ, max_examples=25)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        value = data.draw(mutated_json(woo_templates[TEMPLATE_FOR[name]]))
        pages = data.draw(st.sampled_from(["1", "1", "abc", "-1", "99999999999", ""]))
        call_shop(server, name, to_body(shaped(kind, value)), pages)

    check()


@pytest.mark.parametrize("name", list(CALLS))
def test_eshop_connector_survives_random_json_and_literals(server: Server, name: str) -> None:
    @settings(FUZZ, max_examples=15)
    @given(json_values)
    def check(value: Any) -> None:
        call_shop(server, name, to_body(value))

    check()
    for literal in LITERALS:
        call_shop(server, name, literal.encode())
        call_shop(server, name, to_body(shaped(CALLS[name][0], {"id": 1, "total": "__LIT0__"})).replace(
            b"1e400", literal.encode()))


# =========================================================================== web forms


def form_rules(app: Any) -> list[Any]:
    """POST rules a browser form reaches (all of them; POHODA's get Basic credentials added)."""
    return [r for r in app.url_map.iter_rules() if "POST" in (r.methods or ()) and r.endpoint != "static"]


FORM_KEYS = sorted({f"{s}.{k}" for s in config.SECTIONS for k, _t, _d in config.section_fields(s)}
                   | {"username", "password", "password2", "role", "active", "name", "agendas", "next", "file",
                      "pohoda.password__clear", "v", "keys", "mode", "confirm", "action", "csrf_token"})
form_text = st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
                      st.sampled_from(["", "0", "1", "-1", "true", "on", "99999999999999999999", "1e400", "NaN",
                                       "a = b\nc", "=\n=", "\x00", "../../etc/passwd", "<script>", "Ž" * 300,
                                       "http://127.0.0.1:1", "admin", "staff", "stock", "orders"]))


def fill(rule: Any, ids: dict[str, str]) -> str:
    """A concrete URL (existing ids, real settings page names)."""
    url = rule.rule
    for match in re.finditer(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>", rule.rule):
        conv, opts, name = match.groups()
        value = ids.get(name) or (re.sub(r"['\"\s]", "", opts.split(",")[0]) if conv == "any" and opts else "1")
        url = url.replace(match.group(0), value, 1)
    return url


def test_random_form_posts_never_crash(app: Any, users: Any, admin_login: Callable[[Any], Any]) -> None:
    from adapter import ledger
    from adapter.web.labels import PAGES
    from tests.fixtures_app import LAN_ADDR

    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = LAN_ADDR
    admin_login(client)
    pohoda_auth = "Basic " + base64.b64encode(b"pohoda:pull-heslo").decode()
    app.extensions["adapter"].store.save({"pohoda": {"pull_user": "pohoda", "pull_password": "pull-heslo"}})
    settings_pages = list(PAGES)
    runner = app.extensions["adapter"].runner
    with ledger.database.connection_context():
        user_id = str(ledger.User.get(ledger.User.role == "staff").id)
    rules = form_rules(app)
    assert len(rules) >= 8

    @settings(FUZZ, max_examples=300)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        rule = data.draw(st.sampled_from(rules))
        ids = {"name": data.draw(st.sampled_from(settings_pages)), "user_id": user_id, "token_id": "1",
               "run_id": "1", "side": "pohoda", "agenda": data.draw(st.sampled_from(list(config.AGENDAS)))}
        url = fill(rule, ids)
        form = data.draw(st.dictionaries(st.sampled_from(FORM_KEYS) | st.text(max_size=10),
                                         form_text | st.lists(form_text, max_size=3), max_size=8))
        if rule.endpoint == "settings.test":  # never reach for the network: addresses stay on a closed port
            form = {k: v for k, v in form.items() if not k.endswith(".url")}
            form.update({"pohoda.url": "http://127.0.0.1:1", "eshop.url": "http://127.0.0.1:1"})
        headers = {"HX-Request": "true"} if data.draw(st.booleans()) else {}
        if rule.endpoint.startswith(("pohoda_pull.", "pohoda_push.")):
            headers["Authorization"] = pohoda_auth
        how = data.draw(st.sampled_from(["form", "form", "multipart", "raw"]))
        if how == "multipart":
            form = {**form, "file": (io.BytesIO(data.draw(st.binary(max_size=3000))), data.draw(st.text(max_size=20)) or "f.csv")}
            response = client.post(url, data=form, headers=headers, content_type="multipart/form-data")
        elif how == "raw":
            response = client.post(url, data=data.draw(st.binary(max_size=3000)), headers=headers,
                                   content_type=data.draw(st.sampled_from(["text/xml", "application/x-www-form-urlencoded",
                                                                           "multipart/form-data; boundary=x", "text/csv"])))
        else:
            response = client.post(url, data=form, headers=headers)
        assert response.status_code < 500, (url, form, response.status_code, response.data[:300])
        for agenda in config.AGENDAS:
            runner.wait(agenda, 10)

    check()
