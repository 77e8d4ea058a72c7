"""The VAT regime decision and the rate of each line (adapter.sync.vat.regime)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from adapter.config import settings_from_mapping
from adapter.config.eu import parse_country_rates
from adapter.records import Address, Order
from adapter.sync.vat.regime import (
    VatPolicy,
    accounting_period,
    decide,
    doc_vat,
    line_rate,
    policy_from,
    regime_for_order,
    vat_id_valid,
)

OSS = VatPolicy(oss=True)


@pytest.mark.parametrize(("country", "vat_id", "policy", "kind"), [
    ("CZ", "", OSS, "domestic"),
    ("", "", OSS, "domestic"),
    ("CZ", "CZ12345678", OSS, "domestic"),
    ("SK", "", OSS, "oss"),
    ("SK", "", VatPolicy(), "domestic"),
    ("SK", "SK2020123456", OSS, "reverse_charge"),
    ("SK", "SK2020123456", VatPolicy(), "reverse_charge"),
    ("DE", "DE123456789", OSS, "reverse_charge"),
    ("DE", "DE12345", OSS, "oss"),  # a VAT id of a wrong format: a consumer, with a warning
    ("AT", "ATU12345678", OSS, "reverse_charge"),
    ("HU", "", OSS, "oss"),
    ("PL", "PL1234567890", OSS, "reverse_charge"),
    ("US", "", OSS, "export"),
    ("US", "", VatPolicy(), "export"),
    ("CH", "CHE123", OSS, "export"),
])
def test_decide(country: str, vat_id: str, policy: VatPolicy, kind: str) -> None:
    regime = decide(country, vat_id, policy)
    assert regime.kind == kind
    assert regime.reason
    if country == "DE" and kind == "oss":
        assert regime.warnings and "DIČ" in regime.warnings[0]


def test_vat_id_formats() -> None:
    assert vat_id_valid("SK 2020123456", "SK") and vat_id_valid("2020123456", "SK")
    assert vat_id_valid("EL123456789", "GR") and not vat_id_valid("SK123", "SK")
    assert not vat_id_valid("", "DE") and not vat_id_valid("DE123456789", "XX")


def test_line_rates_oss_shop_rate_wins_else_kind_of_rate() -> None:
    sk = decide("SK", "", OSS)
    assert line_rate(sk, Decimal(23), "high", OSS).code == "high"
    assert line_rate(sk, Decimal(19), None, OSS).code == "low"
    assert line_rate(sk, Decimal(5), None, OSS).code == "third"
    czech_high = line_rate(sk, Decimal(21), "high", OSS)
    assert czech_high.code == "high" and czech_high.percent == 23 and "není sazbou SK" in czech_high.reason
    assert line_rate(sk, Decimal(12), "low", OSS).percent == 19
    assert line_rate(sk, Decimal(0), "none", OSS).code == "none"
    dk = decide("DK", "", OSS)
    assert line_rate(dk, Decimal(12), "low", OSS).code == "high"  # Denmark has no reduced rate
    missing = line_rate(decide("SK", "", VatPolicy(oss=True, rates={})), Decimal(23), None, OSS)
    assert line_rate(decide("SK", "", VatPolicy(oss=True, rates={})), Decimal(23), None,
                     VatPolicy(oss=True, rates={})).problem
    assert missing.code == "high"


def test_reverse_charge_and_export_hold_lines_with_vat() -> None:
    rc = decide("DE", "DE123456789", OSS)
    assert line_rate(rc, Decimal(0), "none", OSS).code == "none" and not line_rate(rc, Decimal(0), "none", OSS).problem
    assert "účtoval DPH 19 %" in line_rate(rc, Decimal(19), None, OSS).problem
    assert line_rate(decide("US", "", OSS), Decimal(21), "high", OSS).problem


def _order(country: str, dic: str = "", ship: str = "", meta: tuple[tuple[str, str], ...] = ()) -> Order:
    moment = datetime(2026, 11, 3, 10, tzinfo=UTC)
    return Order(id=1, number="1", status="completed", currency="EUR", created=moment, modified=moment,
                 total=Decimal(0), total_tax=Decimal(0), prices_include_tax=True, lines=(),
                 billing=Address(name="Ján", street="Hlavná 1", city="Bratislava", country=country, dic=dic),
                 shipping=Address(name="Ján", street="Iná 2", city="Košice", country=ship) if ship else Address(),
                 meta=meta)


def test_order_country_is_delivery_then_billing_and_evidence() -> None:
    assert regime_for_order(_order("CZ", ship="SK"), OSS).country == "SK"
    assert regime_for_order(_order("SK"), OSS).kind == "oss"
    order = _order("SK", meta=(("_customer_ip_country", "SK"),))
    vat = doc_vat(regime_for_order(order, OSS), order, date(2026, 11, 3), OSS)
    assert vat is not None and vat.moss_country == "SK" and vat.evidence == ("A", "B")
    assert vat.accounting_period == "Q4/2026"
    other_ip = _order("SK", meta=(("_customer_ip_country", "AT"),))
    assert doc_vat(regime_for_order(other_ip, OSS), other_ip, date(2026, 11, 3), OSS).evidence == ("A",)  # type: ignore[union-attr]
    rc = _order("DE", dic="DE123456789")
    vat = doc_vat(regime_for_order(rc, OSS), rc, date(2026, 1, 5), OSS)
    assert vat is not None and vat.classification == "UDdodEU" and not vat.moss_country and "přenesení" in vat.note
    assert doc_vat(regime_for_order(_order("CZ"), OSS), _order("CZ"), date(2026, 1, 5), OSS) is None
    assert accounting_period(date(2026, 12, 31), "month") == "2026/12"


def test_settings_vat_section_and_policy(tmp_path) -> None:
    settings, errors = settings_from_mapping(tmp_path, {"vat": {"oss": True, "rates": {"SK": "23 / 19, 5", "XX": "abc"}},
                                                        "currency": {"source": "cnb"}})
    assert [e.key for e in errors] == ["rates"] and "SK = 23 / 19, 5" in errors[0].message
    settings, errors = settings_from_mapping(tmp_path, {"vat": {"oss": True, "rates": {"SK": "23 / 19, 5"}},
                                                        "advances": {"payment_methods": "bacs, cheque"}})
    assert not errors and settings.vat.oss and settings.advances.payment_methods == ("bacs", "cheque")
    policy = policy_from(settings.vat)
    assert policy.oss and policy.rates == {"SK": "23 / 19, 5"}
    defaults, _ = settings_from_mapping(tmp_path, {})
    assert not defaults.vat.oss and not defaults.advances.enabled and defaults.advances.payment_methods == ("bacs",)
    assert defaults.currency.source == "cnb" and "cnb.cz" in defaults.currency.cnb_url
    assert parse_country_rates("25") == (Decimal(25), ()) and parse_country_rates("20 / 30") is None


def test_vies_check_on_loopback(tmp_path) -> None:
    import json
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    from adapter.config.eu import VatSettings

    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = json.dumps({"isValid": self.path.endswith("/DE/vat/123456789")}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/vies"
        policy = policy_from(VatSettings(oss=True, vies_check=True, vies_url=url))
        assert decide("DE", "DE123456789", policy).kind == "reverse_charge"
        refused = decide("DE", "DE999999999", policy)
        assert refused.kind == "oss" and "VIES" in refused.warnings[0]
        assert decide("DE", "DE123456789", policy).kind == "reverse_charge"
        assert asked == ["/vies/ms/DE/vat/123456789", "/vies/ms/DE/vat/999999999"]  # memoised per run
        assert decide("DE", "DE12", policy).kind == "oss" and len(asked) == 2  # a bad format is not asked
    finally:
        server.shutdown()
        server.server_close()
    offline = policy_from(VatSettings(oss=True, vies_check=True, vies_url=url))
    unknown = decide("DE", "DE123456789", offline)
    assert unknown.kind == "reverse_charge" and "nešlo ověřit" in unknown.warnings[0]
    assert policy_from(VatSettings()).vies is None
