"""Readable XML: indented, numbered, schema problems at their line; a held order's preview shows what it would send."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.pohoda.readable import readable_xml
from adapter.sync.connections import default_connections
from tests.fixtures_app import CsrfClient
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    sku_pools,
)

PACK = ('<dat:dataPack xmlns:dat="http://www.stormware.cz/schema/version_2/data.xsd" '
        'xmlns:stk="http://www.stormware.cz/schema/version_2/stock.xsd" version="2.0" id="x" ico="12345678" '
        'application="t" note="n"><dat:dataPackItem version="2.0" id="i1"><stk:stock version="2.0">'
        '<stk:stockHeader><stk:bogus>1</stk:bogus></stk:stockHeader></stk:stock></dat:dataPackItem></dat:dataPack>')


def test_lines_are_numbered_and_the_problem_sits_on_its_line() -> None:
    view = readable_xml(PACK, "data")
    assert view is not None and view.checked and not view.valid
    assert [line.number for line in view.lines] == list(range(1, len(view.lines) + 1))
    bad = [line for line in view.lines if line.problems]
    assert len(bad) >= 1 and "stk:bogus" in bad[0].text
    assert all(p for p in bad[0].problems) and view.general == []


def test_a_fragment_or_junk_is_shown_but_not_validated() -> None:
    view = readable_xml("<a><b>1</b></a>", "data")
    assert view is not None and not view.checked and [line.text for line in view.lines] == ["<a>", "  <b>1</b>", "</a>"]
    junk = readable_xml("not xml <", "data")
    assert junk is not None and junk.lines[0].text == "not xml <" and not junk.checked


def test_one_items_answer_is_not_marked_as_a_wrong_document() -> None:
    item = ('<rsp:responsePackItem xmlns:rsp="http://www.stormware.cz/schema/version_2/response.xsd" version="2.0" '
            'id="ord-1" state="ok"/>')
    view = readable_xml(item, "response")
    assert view is not None and view.checked and view.problems == [] and view.general == []  # checked as an item
    pack = ('<rsp:responsePack xmlns:rsp="http://www.stormware.cz/schema/version_2/response.xsd" version="2.0" '
            'id="p" state="ok" programVersion="1" ico="12345678" application="t" note="n"/>')
    whole = readable_xml(pack, "response")
    assert whole is not None and whole.checked


@pytest.fixture
def web(env: Env) -> Any:
    from app import create_app

    application = create_app(env.settings, data_dir=env.data_dir, connections=default_connections())
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    return application


def test_a_held_orders_preview_shows_the_xml_it_would_send_and_why_it_waits(env: Env, web: Any) -> None:
    pools = sku_pools(env)
    doc = env.woo.add_order([(pools["unknown"][0], 1), (pools["single"][0], 2)], status="completed")
    text = web.test_client().get(f"/orders/preview/{doc['id']}").get_data(as_text=True)
    assert 'id="why-waits"' in text and "nemá v POHODĚ zásobu" in text
    assert "XML, které by se poslalo do POHODY" in text and "ord:order" in text
    assert '<td class="ln">1</td>' in text and "Přenést tuto objednávku teď" not in text
    assert env.ms.received_orders() == []


STOCK_NS = 'xmlns:stk="http://www.stormware.cz/schema/version_2/stock.xsd"'


def test_a_stock_card_sent_alone_is_checked_inside_a_minimal_pack() -> None:
    good = (f'<stk:stock {STOCK_NS} version="2.0"><stk:stockHeader><stk:stockType>card</stk:stockType>'
            '<stk:code>K-1</stk:code><stk:name>Kniha</stk:name></stk:stockHeader></stk:stock>')
    view = readable_xml(good, "data")
    assert view is not None and view.checked and view.valid, view.problems
    bad = good.replace("<stk:name>Kniha</stk:name>", "<stk:bogus>1</stk:bogus>")
    view = readable_xml(bad, "data")
    assert view is not None and view.checked and not view.valid
    marked = [line for line in view.lines if line.problems]
    assert marked and "stk:bogus" in marked[0].text  # the line number is the shown line, not the wrapper's


def test_one_items_answer_is_checked_inside_a_minimal_response_pack() -> None:
    item = ('<rsp:responsePackItem xmlns:rsp="http://www.stormware.cz/schema/version_2/response.xsd" '
            'version="2.0" id="i1" state="ok"/>')
    view = readable_xml(item, "response")
    assert view is not None and view.checked and view.valid, view.problems
    wrong = item.replace('state="ok"', 'state="maybe"')
    view = readable_xml(wrong, "response")
    assert view is not None and view.checked and not view.valid and view.lines[0].problems
