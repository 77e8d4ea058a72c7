"""The customers job end to end: the real job against the mServer and WooCommerce emulators over sockets."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger
from adapter.config import CustomersSettings, EshopSettings, PohodaSettings, Settings
from adapter.emulators.mserver import MServerEmulator
from adapter.emulators.woocommerce import WooEmulator
from adapter.sync.connections import DefaultConnections
from adapter.sync.customers import queries, sides
from adapter.sync.runner import JobRunner
from tests.eshop.helpers import in_flight_peaks

GOOD_ICO = "25596641"


@dataclass
class Env:
    """Both emulators, a ledger, a log of every request the shop received, and a way to run the job."""

    ms: MServerEmulator
    woo: WooEmulator
    data_dir: Path
    shop_requests: list[tuple[str, str, bytes]] = field(default_factory=list)

    def settings(self, **options: Any) -> Settings:
        return Settings(
            data_dir=self.data_dir,
            pohoda=PohodaSettings(url=self.ms.url, user="admin", password="heslo", ico="12345678"),
            eshop=EshopSettings(url=self.woo.url, consumer_key="ck_test", consumer_secret="cs_test"),
            customers=replace(CustomersSettings(enabled=True), **options),
        )

    def run(self, *, dry_run: bool = False, full: bool = False, run_options: dict[str, Any] | None = None,
            **options: Any) -> ledger.Run:
        settings = self.settings(**options)
        run, ran = JobRunner(lambda: settings, DefaultConnections()).run_inline(
            "customers", "cli", dry_run=dry_run, full=full, options=run_options)
        assert ran
        return run

    def events(self, run: ledger.Run, state: str | None = None) -> dict[str, str]:
        return {e.key: e.message for e in ledger.run_events(run.id, state=state)}

    def conflicts(self, run: ledger.Run) -> dict[str, str]:
        return {e.key: e.message for e in ledger.run_events(run.id)
                if e.message.startswith(("Změněno v e-shopu i v POHODĚ", "Při prvním spárování"))}

    def writes(self) -> list[tuple[str, str, bytes]]:
        return [r for r in self.shop_requests if r[0] in ("POST", "PUT", "PATCH", "DELETE")]

    def add_address(self, **cols: str) -> int:
        """An address typed into POHODA by the accountant."""
        return self.ms.store.insert("address", changed=self.ms.store.stamp(), **cols)

    def change_address(self, address_id: int, **cols: str) -> None:
        self.ms.store.update("address", address_id, changed=self.ms.store.stamp(), **cols)

    def address(self, address_id: int) -> Any:
        return next(a for a in self.ms.addresses() if a.id == address_id)

    def shop_customer(self, email: str) -> dict[str, Any]:
        found = [c for c in self.woo.customers() if c["email"].lower() == email.lower()]
        assert len(found) == 1, found
        return found[0]


@pytest.fixture
def env(mserver_factory: Callable[..., MServerEmulator], woo_factory: Callable[..., WooEmulator],
        tmp_path: Path) -> Iterator[Env]:
    ms = mserver_factory()
    woo = woo_factory(seed_products=5, seed_orders=3)
    environment = Env(ms, woo, tmp_path)
    original = woo.handle

    def recording(method: str, target: str, headers: Any, body: bytes, host: str = "") -> Any:
        environment.shop_requests.append((method, target, body))
        return original(method, target, headers, body, host)

    woo.handle = recording  # type: ignore[method-assign]
    ledger.init_db(tmp_path / "ledger.sqlite3")
    yield environment
    ledger.database.close()


def assert_no_password_sent(env: Env) -> None:
    for method, target, body in env.shop_requests:
        assert b"password" not in body.lower(), (method, target, body[:300])
        assert "password" not in target.lower()


def assert_pohoda_took_every_pack(env: Env) -> None:
    stats = env.ms.stats()
    assert stats["pack_errors"] == 0 and stats["item_errors"] == 0, stats


# --------------------------------------------------------------------------- e-shop → POHODA


def test_shop_customers_reach_the_address_book_with_diacritics_and_nothing_twice(env: Env) -> None:
    run = env.run()
    assert run.status == "ok", run.message
    assert run.ok_count == 50
    assert_pohoda_took_every_pack(env)
    book = {a.ext_id: a for a in env.ms.addresses()}
    assert len(book) == 50
    for shop in env.woo.customers():
        record = book[str(shop["id"])].address
        assert record.name == f"{shop['first_name']} {shop['last_name']}"
        assert record.city == shop["billing"]["city"]
        assert record.street == shop["billing"]["address_1"]
        assert record.email == shop["email"]
        assert record.zip == shop["billing"]["postcode"]
        assert record.phone.startswith("+420 ")
        assert record.company == shop["billing"]["company"]
    companies = [a.address for a in book.values() if a.address.ico]
    assert len(companies) == 10 and all(a.dic == "CZ" + a.ico for a in companies)
    assert any(ch in "".join(a.address.name + a.address.city for a in book.values()) for ch in "ěščřžýáíéůú")
    link = ledger.get_entry(sides.AGENDA_OUT, "2")
    assert link is not None and link.state == "ok" and link.pohoda_id == book["2"].id
    assert "adb:addressbook" in (link.sent_xml or "")

    items_before = env.ms.stats()["items"]
    writes_before = len(env.writes())
    second = env.run()
    assert second.status == "ok"
    assert second.ok_count == 0 and second.error_count == 0
    assert env.ms.stats()["items"] - items_before == 1  # just the incremental list request
    assert len(env.writes()) == writes_before
    assert len(env.ms.addresses()) == 50


def test_changed_customer_is_updated_in_place(env: Env) -> None:
    env.run()
    env.woo.objects.update_customer({"id": 7, "billing": {"city": "Ústí nad Labem", "postcode": "40001"}})
    run = env.run()
    assert run.ok_count == 1, env.events(run)
    assert "aktualizován" in env.events(run)["7"]
    record = next(a for a in env.ms.addresses() if a.ext_id == "7").address
    assert (record.city, record.zip) == ("Ústí nad Labem", "400 01")
    assert len(env.ms.addresses()) == 50


def test_invalid_ico_and_dic_are_reported_not_sent(env: Env) -> None:
    env.woo.objects.create_customer({
        "email": "spatne.ico@example.cz", "first_name": "Petr", "last_name": "Chybný",
        "billing": {"company": "Chybné IČO s.r.o.", "city": "Brno", "country": "CZ"},
        "meta_data": [{"key": "billing_ic", "value": "12345678"}],
    })
    env.woo.objects.create_customer({
        "email": "spatne.dic@example.cz", "first_name": "Eva", "last_name": "Zlá",
        "billing": {"company": "Chybné DIČ s.r.o.", "city": "Brno", "country": "CZ"},
        "meta_data": [{"key": "billing_ic", "value": GOOD_ICO}, {"key": "billing_dic", "value": "CZ12"}],
    })
    run = env.run()
    assert run.status == "partial"
    errors = {e.label: e.message for e in ledger.run_events(run.id, state="error")}
    assert len(errors) == 2
    assert any("IČO 12345678 nemá platný kontrolní součet" in m for m in errors.values()), errors
    assert any("DIČ CZ12 nemá platný tvar (CZ a 8–10 číslic)" in m for m in errors.values()), errors
    emails = {a.address.email for a in env.ms.addresses()}
    assert "spatne.ico@example.cz" not in emails and "spatne.dic@example.cz" not in emails
    assert len(emails) == 50
    invalid = queries.overview().invalid
    assert {e.error.split(":")[0] for e in invalid} == {"Nezapsáno do POHODY"}
    assert queries.summary_counts()["invalid"] == 2


def test_existing_pohoda_company_is_updated_not_duplicated(env: Env) -> None:
    """The accountant typed the company before; the shop customer with that IČO updates it (by POHODA id)."""
    person = env.woo.customers()[0]  # every fifth catalogue person is a company; the first is one
    ico = person["meta_data"][0]["value"]
    typed = env.add_address(company="Stará firma s.r.o.", ico=ico, city="Kolín", note="Zapsala účetní")
    first = env.run()
    # both sides hold different data and neither was synced before: nothing is overwritten silently
    assert "Při prvním spárování" in env.conflicts(first)[str(person["id"])]
    records = [a for a in env.ms.addresses() if a.address.ico == ico]
    assert [r.id for r in records] == [typed]
    assert records[0].address.company == "Stará firma s.r.o."
    taken = env.run(run_options={"keys": [str(person["id"])], "take": "eshop"})
    assert taken.status == "ok", env.events(taken)
    records = [a for a in env.ms.addresses() if a.address.ico == ico]
    assert [r.id for r in records] == [typed]  # updated by POHODA's id, not duplicated
    assert records[0].ext_id == str(person["id"])
    assert records[0].address.company == person["billing"]["company"]
    assert len(env.ms.addresses()) == 50


def test_new_customer_finds_an_unchanged_pohoda_company_by_ico(env: Env) -> None:
    """Incremental run: the company's record did not change, so it is looked up by IČO, then updated by id."""
    typed = env.add_address(company="Pekárna Čermák s.r.o.", ico=GOOD_ICO, city="Kolín", zip="28002")
    hour_ago = (datetime.now() - timedelta(hours=1)).isoformat(timespec="microseconds")
    env.ms.store.update("address", typed, changed=hour_ago)
    env.run()
    assert len(env.ms.addresses()) == 51
    env.ms.store.update("address", typed, changed=hour_ago)
    env.woo.objects.create_customer({
        "email": "pekarna@example.cz", "first_name": "Jan", "last_name": "Čermák",
        "billing": {"company": "Pekárna Čermák s.r.o.", "address_1": "Pekařská 1", "city": "Kolín",
                    "postcode": "28002", "country": "CZ"},
        "meta_data": [{"key": "billing_ic", "value": GOOD_ICO}],
    })
    run = env.run()
    assert run.status == "ok", env.events(run)
    key = str(env.shop_customer("pekarna@example.cz")["id"])
    assert f"záznam #{typed} aktualizován" in env.events(run)[key]
    record = env.address(typed)
    assert (record.address.street, record.address.name, record.address.email) == (
        "Pekařská 1", "Jan Čermák", "pekarna@example.cz")
    assert len(env.ms.addresses()) == 51


def test_guest_orders_with_ico_are_upserted_by_ico(env: Env) -> None:
    sku = env.woo.products()[0]["sku"]
    billing = {"first_name": "Hana", "last_name": "Hostová", "company": "Hostinec U Lípy s.r.o.",
               "address_1": "Lipová 3", "city": "Tábor", "postcode": "39002", "country": "CZ",
               "email": "host@lipa.cz", "phone": "381123456"}
    env.woo.add_order([(sku, 1)], status="completed", billing=billing,
                      meta_data=[{"key": "billing_ic", "value": GOOD_ICO}])
    env.woo.add_order([(sku, 2)], status="completed", billing={**billing, "address_1": "Lipová 5"},
                      meta_data=[{"key": "billing_ic", "value": GOOD_ICO}])
    env.woo.add_order([(sku, 1)], status="completed", billing={**billing, "company": "Bez IČO"})
    run = env.run(guests_with_ico=True)
    assert run.status == "ok", run.message
    guests = [a for a in env.ms.addresses() if a.ext_id == f"ico:{GOOD_ICO}"]
    assert len(guests) == 1
    assert (guests[0].address.street, guests[0].address.zip, guests[0].address.phone) == (
        "Lipová 5", "390 02", "+420 381 123 456")
    assert len(env.ms.addresses()) == 51
    off = env.run(guests_with_ico=False, full=True)
    assert off.ok_count == 0


def test_preview_sends_nothing_and_its_xml_is_valid(env: Env, assert_valid_datapack: Any) -> None:
    run = env.run(dry_run=True)
    assert run.status == "ok"
    assert env.ms.addresses() == []
    assert env.ms.stats()["items"] == 1  # the first run reads the whole address book: no look-ups
    xml = run.report_dict()["XML pro POHODU (náhled)"]
    packs = xml.split("\n\n")
    assert len(packs) == 1  # 50 customers fit one pack
    for pack in packs:
        assert_valid_datapack(pack.encode("cp1250"))
    assert ledger.get_entry(sides.AGENDA_OUT, "2") is None
    assert ledger.get_checkpoint(sides.AGENDA_OUT) is None
    assert len(env.events(run, "preview")) == 50


# --------------------------------------------------------------------------- POHODA → e-shop


def test_address_book_becomes_shop_customers(env: Env) -> None:
    existing = env.woo.customers()[3]
    new_id = env.add_address(company="Květinářství Růžička", name="Ing. Žofie Řeháková", email="Zofie@Kvetiny.cz ",
                             street="Čápkova 5", city="Třebíč", zip="67401", country="CZ", phone="568 123 456",
                             ico=GOOD_ICO, dic="CZ" + GOOD_ICO)
    no_mail = env.add_address(name="Bez Mailu", city="Brno")
    bad_mail = env.add_address(name="Špatný Mail", email="nekdo@", city="Brno")
    twin_a = env.add_address(name="Dvojče Jedna", email="dvojce@example.cz", city="Olomouc")
    twin_b = env.add_address(name="Dvojče Dvě", email=" DVOJCE@example.cz", city="Olomouc")
    known = env.add_address(name=f"{existing['first_name']} {existing['last_name']}",
                            email=f"  {existing['email'].upper()} ", street="Nová 1", city="Jihlava", zip="58601")
    count_before = len(env.woo.customers())
    run = env.run(to_pohoda=False, to_eshop=True)
    assert run.status == "ok", run.message

    created = env.shop_customer("zofie@kvetiny.cz")
    assert (created["first_name"], created["last_name"]) == ("Ing. Žofie", "Řeháková")
    billing = created["billing"]
    assert (billing["company"], billing["address_1"], billing["city"], billing["postcode"], billing["phone"]) == (
        "Květinářství Růžička", "Čápkova 5", "Třebíč", "674 01", "+420 568 123 456")
    assert {m["key"]: m["value"] for m in created["meta_data"]} == {"billing_ic": GOOD_ICO,
                                                                    "billing_dic": "CZ" + GOOD_ICO}
    updated = env.shop_customer(existing["email"])
    assert updated["id"] == existing["id"] and updated["billing"]["city"] == "Jihlava"
    assert updated["email"] == existing["email"]  # the login is never changed
    env.shop_customer("dvojce@example.cz")  # exactly one
    assert len(env.woo.customers()) == count_before + 2

    skipped = env.events(run, "skipped")
    assert "záznam nemá e-mail" in skipped[f"adb:{no_mail}"]
    assert "není platný" in skipped[f"adb:{bad_mail}"]
    held = env.events(run, "held")
    assert list(held) == [f"adb:{twin_b}"] and f"#{twin_a}" in held[f"adb:{twin_b}"]
    linked = ledger.get_entry(sides.AGENDA_IN, str(known))
    assert linked is not None and linked.shop_id == str(existing["id"])
    entry = ledger.get_entry(sides.AGENDA_IN, str(new_id))
    assert entry is not None and entry.state == "ok" and entry.shop_id == str(created["id"])
    counts = queries.summary_counts()
    assert (counts["skipped"], counts["duplicates"]) == (2, 1)
    assert_no_password_sent(env)
    assert all(b"username" not in body for _m, _t, body in env.writes())

    writes_before = len(env.writes())
    again = env.run(to_pohoda=False, to_eshop=True)
    assert again.ok_count == 0 and again.error_count == 0
    assert len(env.writes()) == writes_before


def test_user_filter_limits_what_goes_to_the_shop(env: Env) -> None:
    env.add_address(company="Firma s IČO s.r.o.", email="firma@example.cz", ico=GOOD_ICO, city="Brno")
    env.add_address(name="Soukromá Osoba", email="osoba@example.cz", city="Brno")
    run = env.run(to_pohoda=False, to_eshop=True, user_filter="Firmy")
    assert run.status == "ok", run.message
    emails = {c["email"] for c in env.woo.customers()}
    assert "firma@example.cz" in emails and "osoba@example.cz" not in emails
    everyone = env.run(to_pohoda=False, to_eshop=True, user_filter="Vše", full=True)
    assert everyone.ok_count == 1
    assert "osoba@example.cz" in {c["email"] for c in env.woo.customers()}


def test_unknown_user_filter_fails_the_run_in_czech(env: Env) -> None:
    run = env.run(to_pohoda=False, to_eshop=True, user_filter="Neexistuje")
    assert run.status == "failed"
    assert "POHODA odmítla výpis adresáře" in run.message and "uživatelský filtr" in run.message


# --------------------------------------------------------------------------- both sides changed


@pytest.mark.parametrize("master", ["pohoda", "eshop"])
def test_both_changed_conflict_follows_master_is_listed_and_can_be_overruled(env: Env, master: str) -> None:
    both = {"to_pohoda": True, "to_eshop": True, "master": master}
    env.run(**both)
    link = ledger.get_entry(sides.AGENDA_OUT, "2")
    assert link is not None and link.pohoda_id
    env.woo.objects.update_customer({"id": 2, "billing": {"city": "Šumperk"}})
    env.change_address(link.pohoda_id, city="Žatec")

    run = env.run(**both)
    conflict_events = env.conflicts(run)
    assert list(conflict_events) == ["2"]
    assert "Obec" in conflict_events["2"]
    winner, loser = ("Žatec", "Šumperk") if master == "pohoda" else ("Šumperk", "Žatec")
    assert env.address(link.pohoda_id).address.city == winner
    assert env.shop_customer(env.woo.customers()[0]["email"])["billing"]["city"] == winner
    view = queries.overview().conflicts
    assert [c.key for c in view] == ["2"]
    assert (view[0].eshop["city"], view[0].pohoda["city"]) == ("Šumperk", "Žatec")
    assert view[0].decision == master and view[0].applied and view[0].fields == ["city"]
    assert queries.summary_counts()["conflicts"] == 1

    other = "eshop" if master == "pohoda" else "pohoda"
    taken = env.run(run_options={"keys": ["2"], "take": other}, **both)
    assert taken.status == "ok", (taken.message, env.events(taken))
    assert env.address(link.pohoda_id).address.city == loser
    assert env.shop_customer(env.woo.customers()[0]["email"])["billing"]["city"] == loser
    assert queries.overview().conflicts == []
    closed = ledger.get_entry(sides.AGENDA_CONFLICT, "2")
    assert closed is not None and closed.state == "ok" and json.loads(closed.details)["resolved"] == other

    items_before, writes_before = env.ms.stats()["items"], len(env.writes())
    quiet = env.run(**both)
    assert quiet.ok_count == 0 and quiet.error_count == 0, env.events(quiet)
    assert env.ms.stats()["items"] - items_before == 1
    assert len(env.writes()) == writes_before
    assert_no_password_sent(env)


def test_conflict_with_the_winning_direction_off_overwrites_nothing(env: Env) -> None:
    env.run()  # defaults: to the address book only, POHODA is master
    link = ledger.get_entry(sides.AGENDA_OUT, "12")
    assert link is not None
    env.woo.objects.update_customer({"id": 12, "billing": {"city": "Šumperk"}})
    env.change_address(link.pohoda_id, city="Žatec")
    run = env.run()
    assert "vypnutý" in env.events(run, "held")["12"]
    assert env.address(link.pohoda_id).address.city == "Žatec"
    assert [c["billing"]["city"] for c in env.woo.customers() if c["id"] == 12] == ["Šumperk"]
    view = queries.overview().conflicts
    assert len(view) == 1 and not view[0].applied
    assert queries.dismiss_conflicts(["12"]) == 1
    assert queries.overview().conflicts == []


def test_take_of_a_closed_conflict_does_nothing(env: Env) -> None:
    run = env.run(run_options={"keys": ["99"], "take": "eshop"})
    assert run.status == "ok"
    assert "není otevřený" in env.events(run, "skipped")["99"]
    assert env.ms.addresses() == []


# --------------------------------------------------------------------------- failures, resume and retry


def test_refused_pack_fails_the_run_and_the_next_run_sends_everything(env: Env) -> None:
    env.ms.set_faults(pack_error="Účetní jednotka je uzamčena jiným uživatelem.")
    failed = env.run()
    assert failed.status == "failed"
    assert "POHODA odmítla celou dávku: Účetní jednotka je uzamčena" in failed.message
    assert env.ms.addresses() == []
    assert ledger.get_entry(sides.AGENDA_OUT, "2") is None  # refused already at the address book read
    assert ledger.get_checkpoint(sides.AGENDA_OUT) is None  # the watermark did not move
    env.ms.clear_faults()
    resumed = env.run()
    assert resumed.status == "ok" and resumed.ok_count == 50
    assert len(env.ms.addresses()) == 50
    assert ledger.count_entries(sides.AGENDA_OUT) == {"ok": 50}


def test_retry_of_chosen_keys_sends_only_those(env: Env) -> None:
    env.run()
    env.woo.objects.update_customer({"id": 2, "billing": {"city": "Kolín"}})
    env.woo.objects.update_customer({"id": 3, "billing": {"city": "Kolín"}})
    retry = env.run(run_options={"keys": ["2"]})
    assert retry.ok_count == 1 and list(env.events(retry, "ok")) == ["2"]
    cities = {a.ext_id: a.address.city for a in env.ms.addresses()}
    assert cities["2"] == "Kolín" and cities["3"] != "Kolín"
    rest = env.run()
    assert list(env.events(rest, "ok")) == ["3"]


@pytest.mark.parametrize("parallel", [1, 4])
def test_address_book_records_go_to_the_shop_up_to_parallel_requests_at_once(
        env: Env, monkeypatch: pytest.MonkeyPatch, parallel: int) -> None:
    """Each new shop customer is its own request: with a slow shop they overlap, each recorded once."""
    ids = [env.add_address(name=f"Zákazník Souběžný {n}", email=f"soubezny.{n}@example.cz", city="Brno")
           for n in range(10)]
    settings = env.settings(to_pohoda=False, to_eshop=True)
    settings = replace(settings, eshop=replace(settings.eshop, parallel_requests=parallel))
    env.woo.set_faults(latency_ms=150)
    creates = in_flight_peaks(monkeypatch, "/customers")
    run, _ = JobRunner(lambda: settings, DefaultConnections()).run_inline("customers", "cli")
    assert run.status == "ok" and run.ok_count == 10, run.message
    assert creates["peak"] == parallel
    for n, address_id in enumerate(ids):
        created = env.shop_customer(f"soubezny.{n}@example.cz")
        entry = ledger.get_entry(sides.AGENDA_IN, str(address_id))
        assert entry is not None and entry.state == "ok" and entry.shop_id == str(created["id"])
