"""The Adresář page: conflicts side by side, taking the other side, keeping the decision, the dashboard counts.

The app runs the real customers job against both emulators (no test job functions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.config import CustomersSettings, EshopSettings, PohodaSettings, Settings
from adapter.emulators.mserver import MServerEmulator
from adapter.emulators.woocommerce import WooEmulator
from adapter.sync.connections import default_connections
from adapter.sync.customers import queries, sides
from tests.fixtures_app import CsrfClient


@pytest.fixture
def emulators(mserver_factory: Callable[..., MServerEmulator],
              woo_factory: Callable[..., WooEmulator]) -> tuple[MServerEmulator, WooEmulator]:
    return mserver_factory(), woo_factory(seed_orders=1)


@pytest.fixture
def app(emulators: tuple[MServerEmulator, WooEmulator], data_dir: Path) -> Iterator[Any]:
    """The app wired to both emulators with the real job modules."""
    from app import create_app

    ms, woo = emulators
    settings = Settings(
        data_dir=data_dir,
        pohoda=PohodaSettings(url=ms.url, user="admin", password="heslo", ico="12345678"),
        eshop=EshopSettings(url=woo.url, consumer_key="ck_test", consumer_secret="cs_test"),
        customers=replace(CustomersSettings(), enabled=True, to_eshop=True),
    )
    application = create_app(settings, data_dir=data_dir, connections=default_connections())
    application.config["TESTING"] = True
    application.test_client_class = CsrfClient
    yield application
    application.extensions["adapter"].runner.wait("customers", 20)
    ledger.database.close()


def _sync(app: Any) -> ledger.Run:
    run, ran = app.extensions["adapter"].runner.run_inline("customers", "cli")
    assert ran and run.status in ("ok", "partial"), run.message
    return run


@pytest.fixture
def conflict(app: Any, emulators: tuple[MServerEmulator, WooEmulator]) -> int:
    """Customer 2 changed in the shop (Šumperk) and in POHODA (Žatec) after the first sync; returns its POHODA id."""
    ms, woo = emulators
    _sync(app)
    link = ledger.get_entry(sides.AGENDA_OUT, "2")
    assert link is not None and link.pohoda_id
    woo.objects.update_customer({"id": 2, "billing": {"city": "Šumperk"}})
    ms.store.update("address", link.pohoda_id, city="Žatec", changed=ms.store.stamp())
    _sync(app)
    return int(link.pohoda_id)


def _city(ms: MServerEmulator, pohoda_id: int) -> str:
    return next(a.address.city for a in ms.addresses() if a.id == pohoda_id)


def test_empty_page(client: Any) -> None:
    page = client.get("/customers/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Adresář" in text and "Žádné otevřené konflikty." in text
    assert "vyhrává <strong>POHODA</strong>" in text


def test_conflict_is_listed_side_by_side_with_the_decision(client: Any, conflict: int) -> None:
    text = client.get("/customers/").get_data(as_text=True)
    assert 'id="conflict-2"' in text
    assert "<mark>Šumperk</mark>" in text and "<mark>Žatec</mark>" in text
    assert "použita verze POHODY podle pravidla přednosti" in text
    assert "Převzít verzi e-shopu" in text and "Ponechat verzi POHODY" in text
    assert "Převzít verzi POHODY" not in text  # already applied
    dashboard = client.get("/").get_data(as_text=True)
    assert "Konflikty: 1" in dashboard
    assert 'href="/customers/"' in dashboard


def test_taking_the_other_side_runs_the_job(app: Any, client: Any, conflict: int,
                                            emulators: tuple[MServerEmulator, WooEmulator]) -> None:
    ms, woo = emulators
    assert _city(ms, conflict) == "Žatec"
    response = client.post("/customers/take", data={"key": "2", "take": "eshop"})
    assert response.status_code == 302 and "/runs/" in response.headers["Location"]
    assert app.extensions["adapter"].runner.wait("customers", 20)
    run = ledger.last_run("customers")
    assert run is not None and run.status == "ok", run.message
    assert run.options_dict() == {"keys": ["2"], "take": "eshop"}
    assert _city(ms, conflict) == "Šumperk"
    assert [c["billing"]["city"] for c in woo.customers() if c["id"] == 2] == ["Šumperk"]
    text = client.get("/customers/").get_data(as_text=True)
    assert "Žádné otevřené konflikty." in text and "Rozhodnuto ručně: použita verze e-shopu." in text


def test_keeping_the_decision_closes_the_conflict_without_writing(client: Any, conflict: int,
                                                                 emulators: tuple[MServerEmulator, WooEmulator]) -> None:
    ms, _woo = emulators
    items = ms.stats()["items"]
    response = client.post("/customers/dismiss", data={"key": "2"}, follow_redirects=True)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "potvrzeno: 1 konflikt" in text and "Žádné otevřené konflikty." in text
    assert ms.stats()["items"] == items
    assert queries.summary_counts()["conflicts"] == 0


@pytest.mark.parametrize("data", [{"key": "2", "take": "oboje"}, {"take": "eshop"}])
def test_bad_take_is_refused(client: Any, data: dict[str, str]) -> None:
    assert client.post("/customers/take", data=data).status_code == 400


def test_take_needs_the_csrf_token(client: Any) -> None:
    assert client.post("/customers/take", data={"key": "2", "take": "eshop"}, csrf=False).status_code == 400


def test_skipped_and_invalid_are_listed(app: Any, client: Any,
                                        emulators: tuple[MServerEmulator, WooEmulator]) -> None:
    ms, woo = emulators
    ms.store.insert("address", name="Bez Mailu", city="Brno", changed=ms.store.stamp())
    woo.objects.create_customer({"email": "ico@example.cz", "billing": {"company": "Špatné IČO s.r.o."},
                                 "meta_data": [{"key": "billing_ic", "value": "12345678"}]})
    _sync(app)
    text = client.get("/customers/").get_data(as_text=True)
    assert "záznam nemá e-mail" in text
    assert "IČO 12345678 nemá platný kontrolní součet" in text
    dashboard = client.get("/").get_data(as_text=True)
    assert "bez e-mailu 1" in dashboard and "neplatné IČO/DIČ 1" in dashboard
