"""Run history, run detail (events, report, retry failed, resume), ledger browser, document detail."""

from __future__ import annotations

import pytest

from adapter import ledger
from adapter.web.explain import explain_detail, explain_errno, explain_xpath
from adapter.web.present import SHOW_LIMIT, report_tables

HX = {"HX-Request": "true"}


@pytest.fixture
def orders_run(app, client):
    client.post("/jobs/orders/start/sync", headers=HX)
    assert app.extensions["adapter"].runner.wait("orders", 15)
    return ledger.last_run("orders")


def test_history_lists_and_filters_runs(app, client, orders_run):
    client.post("/jobs/stock/start/preview", headers=HX)
    app.extensions["adapter"].runner.wait("stock", 15)
    html = client.get("/runs/").get_data(as_text=True)
    assert f"#{orders_run.id}" in html and "Zásoby a ceny do e-shopu" in html and "náhled" in html
    only_orders = client.get("/runs/?agenda=orders").get_data(as_text=True)
    assert "Zásoby a ceny" not in only_orders.split("<tbody>")[1]
    assert f"#{orders_run.id}" in client.get("/runs/?state=partial").get_data(as_text=True)
    assert f"#{orders_run.id}" not in client.get("/runs/?state=ok").get_data(as_text=True)
    assert f"#{orders_run.id}" in client.get("/runs/?trigger=button").get_data(as_text=True)
    assert "Žádné běhy" in client.get("/runs/?trigger=schedule").get_data(as_text=True)


def test_history_paging(client):
    for _ in range(55):
        run, _created = ledger.start_run("payments", "schedule")
        ledger.finish_run(run.id, "ok", "hotovo")
    first = client.get("/runs/").get_data(as_text=True)
    assert "Starší →" in first and "← Novější" not in first
    second = client.get("/runs/?page=2").get_data(as_text=True)
    assert "← Novější" in second and "Starší →" not in second
    assert client.get("/runs/?page=abc").status_code == 200


def test_run_detail_shows_events_report_and_filters(client, orders_run):
    html = client.get(f"/runs/{orders_run.id}").get_data(as_text=True)
    assert "Objednávka E1" in html and "Objednávka E2" in html
    assert "Položka nemá zásobu" in html
    assert "Zopakovat chybné (1)" in html
    assert "A-1" in html and "polozky" in html  # the report JSON as a table
    only_errors = client.get(f"/runs/{orders_run.id}?state=error").get_data(as_text=True)
    assert "Objednávka E2" in only_errors and "Objednávka E1" not in only_errors
    searched = client.get(f"/runs/{orders_run.id}?q=E3").get_data(as_text=True)
    assert "Objednávka E3" in searched and "Objednávka E1" not in searched
    assert client.get("/runs/99999").status_code == 404


def test_retry_failed_starts_a_run_with_only_the_failed_keys(app, client, orders_run):
    response = client.post(f"/jobs/{orders_run.id}/retry")
    assert response.status_code == 302
    app.extensions["adapter"].runner.wait("orders", 15)
    retry = ledger.last_run("orders")
    assert retry.id != orders_run.id
    assert retry.trigger == "retry" and retry.options_dict() == {"keys": ["E2"]}
    assert retry.status == "ok" and retry.ok_count == 1
    assert response.headers["Location"].endswith(f"/runs/{retry.id}")


def test_resume_offered_on_interrupted_runs(app, client):
    run, _ = ledger.start_run("stock", "button", full=True, options={"keys": ["K1"]})
    ledger.interrupt_run(run.id)
    html = client.get(f"/runs/{run.id}").get_data(as_text=True)
    assert "Obnovit" in html
    assert client.post(f"/jobs/{run.id}/resume").status_code == 302
    app.extensions["adapter"].runner.wait("stock", 15)
    resumed = ledger.last_run("stock")
    assert resumed.id != run.id and resumed.full and resumed.options_dict() == {"keys": ["K1"]}


def test_ledger_list_filters_and_search(client, orders_run):
    html = client.get("/ledger/").get_data(as_text=True)
    assert "Objednávka E1" in html and "Objednávka W1" in html
    held = client.get("/ledger/?agenda=orders&state=held").get_data(as_text=True)
    assert "Objednávka W1" in held and "Objednávka E1" not in held
    found = client.get("/ledger/?q=OPE3").get_data(as_text=True)
    assert "Objednávka E3" in found and "Objednávka E1" not in found


def test_document_detail_explains_pohoda(client, orders_run):
    entry = ledger.get_entry("orders", "E2")
    html = client.get(f"/ledger/{entry.id}").get_data(as_text=True)
    assert "Objednávka › hlavička › datum" in html
    assert "kód 103: doklad spadá do již uzavřeného období DPH" in html
    assert "&lt;dataPack&gt;" in html and "ž" in html  # pretty-printed XML as text
    assert "stáhnout celé" in html
    download = client.get(f"/ledger/{entry.id}/sent.xml")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert "ž".encode() in download.data
    ok_entry = ledger.get_entry("orders", "E1")
    html = client.get(f"/ledger/{ok_entry.id}").get_data(as_text=True)
    assert "&#34;total&#34;: &#34;121.00&#34;" in html or '"total": "121.00"' in html
    assert client.get(f"/ledger/{ok_entry.id}/answer.xml").status_code == 404
    assert client.get("/ledger/99999").status_code == 404


def test_big_documents_are_cut_with_a_download_link(client):
    big = "<dataPack>" + "<item>" + "x" * 300_000 + "</item></dataPack>"
    entry = ledger.save_entry("stock", "BIG", state="ok", sent_xml=big)
    html = client.get(f"/ledger/{entry.id}").get_data(as_text=True)
    assert "Zobrazeno prvních 200 kB" in html
    assert len(html) < SHOW_LIMIT + 50_000
    assert len(client.get(f"/ledger/{entry.id}/sent.xml").data) == len(big)


def test_explain_xpath_and_errno():
    assert explain_xpath("dat:dataPack/dat:dataPackItem[1]/ord:order/ord:orderHeader/ord:date") == "Objednávka › hlavička › datum"
    assert explain_xpath("dat:dataPack/dat:dataPackItem[2]/inv:invoice/inv:invoiceDetail/inv:invoiceItem[3]/inv:quantity") == (
        "Faktura › položky › položka 3 › množství"
    )
    assert explain_xpath("x:neznamy") == "neznamy"
    assert explain_errno(606) == "kód 606: datum není v účetním období"
    assert explain_errno("42") == "kód 42" and explain_errno(None) == ""
    text = explain_detail({"xpath": "dat:dataPack/dat:dataPackItem[1]/stk:stock/stk:stockHeader/stk:EAN", "note": "Chybný EAN",
                           "errno": 603, "value_requested": "1", "value_produced": "2"})
    assert text.startswith("Zásoba › hlavička › EAN: Chybný EAN (kód 603")
    assert "poslali jsme „1“, POHODA uložila „2“" in text


def test_report_tables_are_generic():
    tables = report_tables({"celkem": 3, "nic": None, "radky": [{"a": 1}, {"a": 2, "b": True}], "souhrn": {"x": 1}})
    assert tables[0].title == "Souhrn" and ["celkem", "3"] in tables[0].rows
    rows = next(t for t in tables if t.title == "radky")
    assert rows.columns == ["a", "b"] and rows.rows[1] == ["2", "ano"]
    assert any(t.title == "souhrn" for t in tables)


def test_report_xml_is_lifted_out_numbered_and_checked():
    from adapter.web.present import XML_SHOWN, XmlRef, report_view

    pack = ('<dat:dataPack xmlns:dat="http://www.stormware.cz/schema/version_2/data.xsd" version="2.0" id="p" '
            'ico="12345678" application="t" note="n"><dat:dataPackItem version="2.0" id="i"/></dat:dataPack>')
    view = report_view({"náhled": [{"objednávka": "101", "XML": "platné", "xml": pack}],
                        "XML pro POHODU (náhled)": pack + "\n\n" + pack})
    cell = view.tables[-1].rows[0][2]
    assert isinstance(cell, XmlRef) and cell.anchor == "xml-1"
    assert view.tables[-1].rows[0][1] == "platné"  # a verdict is no document
    assert [x.title for x in view.xmls] == ["XML 1: objednávka 101", "XML 2: XML pro POHODU (náhled)",
                                          "XML 3: XML pro POHODU (náhled)"]
    assert all(x.view is not None and x.view.lines[0].number == 1 for x in view.xmls)
    many = report_view({"náhled": [{"xml": pack} for _ in range(XML_SHOWN + 2)]})
    assert len(many.xmls) == XML_SHOWN and many.xml_left_out == 2
