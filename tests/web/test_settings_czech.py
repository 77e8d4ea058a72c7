"""Settings speak Czech: shop statuses and VAT rates by their names beside the codes typed into the file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from adapter.config import Settings
from adapter.web.settings_form import FormField, build_fields, parse_form


def _field(settings: Settings, section: str, key: str) -> FormField:
    return next(f for f in build_fields(settings, section) if f.key == key)


def test_one_status_is_a_select_of_czech_names() -> None:
    paid = _field(Settings(data_dir=Path(".")), "payments", "paid_status")
    assert paid.widget == "select" and paid.value == "processing"
    assert ("processing", "Zpracovává se") in paid.choices and ("completed", "Dokončeno") in paid.choices
    assert all(code not in ("trash", "checkout-draft") for code, _name in paid.choices)
    after = _field(Settings(data_dir=Path(".")), "orders", "transferred_status")
    assert after.choices[0] == ("", "— stav neměnit —") and after.value == ""


def test_a_plugins_own_status_stays_selectable() -> None:
    base = Settings(data_dir=Path("."))
    own = replace(base, payments=replace(base.payments, paid_status="expedovano"))
    paid = _field(own, "payments", "paid_status")
    assert ("expedovano", "expedovano") in paid.choices and paid.value == "expedovano"


def test_a_list_of_statuses_is_named_and_explained() -> None:
    base = Settings(data_dir=Path("."))
    wanted = replace(base, orders=replace(base.orders, transfer_statuses=("processing", "completed")))
    field = _field(wanted, "orders", "transfer_statuses")
    assert field.widget == "text" and field.value == "processing, completed"
    assert field.in_words == "Stavy: Zpracovává se, Dokončeno"
    assert ("on-hold", "Čeká na vyřízení") in field.legend
    states = _field(replace(base, states=replace(base.states, status_map={"executed": "completed"})), "states",
                    "status_map")
    assert states.in_words == "Stavy: Dokončeno"


def test_vat_rate_codes_are_named() -> None:
    rates = _field(Settings(data_dir=Path(".")), "orders", "vat_rates")
    assert rates.in_words == "Sazby: 21 % základní, 12 % snížená, 0 % nulová"
    assert ("high", "základní") in rates.legend


def test_the_select_saves_the_code() -> None:
    changes, errors = parse_form({"payments.paid_status": "completed"}, ("payments",))
    assert errors == [] and changes["payments"]["paid_status"] == "completed"


def test_the_page_shows_names_not_only_codes(client: Any) -> None:
    page = client.get("/settings/payments").get_data(as_text=True)
    assert '<option value="processing" selected>Zpracovává se</option>' in page
    assert "Stavy: Čeká na platbu, Čeká na vyřízení" in page and "<code>on-hold</code> = Čeká na vyřízení" in page


def test_decimal_settings_are_shown_with_a_comma_and_read_back() -> None:
    tolerance = _field(Settings(data_dir=Path(".")), "payments", "tolerance")
    assert tolerance.value == "1,00"
    changes, errors = parse_form({"payments.tolerance": tolerance.value}, ("payments",))
    assert errors == [] and str(changes["payments"]["tolerance"]) == "1.00"
