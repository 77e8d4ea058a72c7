"""Alerts through fault scenarios of both emulators, delivered to a real SMTP server on loopback.

Every scenario asserts the exact list of e-mail subjects: one message per problem,
a recovery message when it clears, none twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from adapter import ledger
from adapter.alerts.checks import run_checks
from adapter.alerts.settings import AlertsSettings
from adapter.health import HealthReport
from adapter.ledger.alerts import AlertDelivery, AlertProblem, UnmappedValue
from adapter.mail import MailSettings
from adapter.mappings.settings import MappingsSettings
from adapter.sync.connections import default_connections
from tests.fixtures_mail import SmtpServer
from tests.fixtures_systems import SyncEnv, Systems

P = "[POHODA adaptér] "


class Env(SyncEnv):
    """Both emulators, the SMTP server, settings pointing at all three, and a clock for the checks."""

    def __init__(self, systems: Systems, smtp: SmtpServer) -> None:
        super().__init__(
            systems, "příkazem",
            mail=MailSettings(host=smtp.host, port=smtp.port, security="none", sender="adapter@firma.cz"),
            alerts=AlertsSettings(enabled=True, to=("ucetni@firma.cz",), mserver_down_minutes=15,
                                  app_url="http://127.0.0.1:8800"),
        )
        self.smtp = smtp
        self.now = datetime.now(UTC)

    def check(self, minutes: float = 0) -> HealthReport:
        """Advance the clock and run the checks (as app.py check does)."""
        self.now += timedelta(minutes=minutes)
        report, _outcome = run_checks(self.settings, default_connections(), data_dir=self.data_dir, now=self.now)
        return report

    def subjects(self) -> list[str]:
        return self.smtp.subjects()


@pytest.fixture
def env(smtp_server: SmtpServer, systems: Systems) -> Env:
    return Env(systems, smtp_server)


def test_all_green_sends_nothing(env: Env) -> None:
    report = env.check()
    assert report.item("mserver").state == "ok" and report.item("eshop").state == "ok"  # type: ignore[union-attr]
    env.check(60)
    assert env.subjects() == []


def test_mserver_down_for_n_minutes_then_back(env: Env) -> None:
    env.ms.set_faults(down=True)
    assert env.check().state == "down"
    env.check(10)
    assert env.subjects() == []  # not yet 15 minutes
    env.check(5)
    assert env.subjects() == [P + "POHODA mServer je nedostupný"]
    env.check(5)
    env.check(30)
    assert len(env.subjects()) == 1  # one message per problem, not per check
    body = env.smtp.messages[0].get_content()
    assert "Databáze › POHODA mServer" in body and "http://127.0.0.1:8800/settings/connections" in body
    env.ms.clear_faults()
    env.check(1)
    env.check(1)
    assert env.subjects() == [P + "POHODA mServer je nedostupný", P + "Vyřešeno: POHODA mServer je nedostupný"]
    with ledger.database.connection_context():
        assert [d.kind for d in AlertDelivery.select().order_by(AlertDelivery.id)] == ["alert", "recovery"]
        assert all(d.ok for d in AlertDelivery.select())


def test_short_outage_clears_silently_and_a_new_outage_is_a_new_problem(env: Env) -> None:
    env.ms.set_faults(down=True)
    env.check()
    env.check(10)
    env.ms.clear_faults()
    env.check(1)
    assert env.subjects() == []
    env.ms.set_faults(down=True)
    env.check(1)
    env.check(14)
    assert env.subjects() == []  # the clock restarted with the new outage
    env.check(1)
    assert env.subjects() == [P + "POHODA mServer je nedostupný"]


def test_new_payment_method_is_recorded_alerted_once_and_resolved_by_mapping(env: Env) -> None:
    env.order(payment_method="gopay", payment_method_title="GoPay")
    assert env.run().status == "ok"  # [mappings] unmapped = default: sent without a forma úhrady
    env.check()
    env.order(payment_method="gopay", payment_method_title="GoPay")
    env.run()
    env.check(5)
    assert env.subjects() == [P + "Nová hodnota: platební metoda „GoPay“ (gopay)"]
    assert "/mapping/payment" in env.smtp.messages[0].get_content()
    with ledger.database.connection_context():
        (row,) = UnmappedValue.select()
        assert (row.kind, row.value, row.orders, row.resolved_at) == ("payment", "gopay", 2, None)
    env.settings = replace(env.settings, orders=replace(env.settings.orders,
                                                        payment_map={"bacs": "příkazem", "gopay": "kartou"}))
    env.check(1)
    env.check(1)
    assert env.subjects()[1:] == [P + "Vyřešeno: Nová hodnota: platební metoda „GoPay“ (gopay)"]


def test_hold_mode_holds_the_order_until_mapped_and_a_waiting_order_alerts(env: Env) -> None:
    env.settings = replace(env.settings, mappings=MappingsSettings(unmapped="hold"))
    doc = env.order(payment_method="gopay", payment_method_title="GoPay")
    run = env.run()
    assert run.held_count == 1 and env.ms.received_orders() == []
    with ledger.database.connection_context():
        entry = ledger.get_entry("orders", str(doc["id"]))
        assert entry is not None and entry.state == "held" and "GoPay" in entry.error and "Mapování" in entry.error
    env.check()
    env.check(25 * 60)  # a day later the order still waits
    assert env.subjects() == [P + "Nová hodnota: platební metoda „GoPay“ (gopay)",
                              P + "Objednávky čekají déle než 24 h"]
    env.settings = replace(env.settings, orders=replace(env.settings.orders,
                                                        payment_map={"bacs": "příkazem", "gopay": "kartou"}))
    assert env.run().status == "ok"
    assert len(env.ms.received_orders()) == 1
    env.check(1)
    assert sorted(env.subjects()[2:]) == [P + "Vyřešeno: Nová hodnota: platební metoda „GoPay“ (gopay)",
                                          P + "Vyřešeno: Objednávky čekají déle než 24 h"]


def test_failed_run_alerts_once_and_recovers_with_the_next_good_run(env: Env) -> None:
    env.order()
    env.woo.set_faults(html_page=True)
    assert env.run().status == "failed"
    env.check()
    assert env.run().status == "failed"
    env.check(5)  # the shop is down too, but not yet for 15 minutes
    assert env.subjects() == [P + "Přijaté objednávky: běh selhal"]
    body = env.smtp.messages[0].get_content()
    assert "/runs/" in body and "Co udělat" in body
    env.woo.clear_faults()
    assert env.run().status == "ok"
    env.check(1)
    env.check(1)
    assert env.subjects() == [P + "Přijaté objednávky: běh selhal", P + "Vyřešeno: Přijaté objednávky: běh selhal"]


def test_failed_delivery_is_recorded_and_retried_not_lost(env: Env) -> None:
    env.settings = replace(env.settings, mail=replace(env.settings.mail, port=1))
    env.ms.set_faults(down=True)
    env.check()
    env.check(15)
    with ledger.database.connection_context():
        (delivery,) = AlertDelivery.select()
        assert not delivery.ok and "není dostupný" in delivery.error
        assert AlertProblem.get(AlertProblem.key == "mserver_down").state == "pending"
    env.settings = replace(env.settings, mail=replace(env.settings.mail, port=env.smtp.port))
    env.check(1)
    assert env.subjects() == []  # a failed delivery is tried again after 15 minutes, not at every check
    env.check(14)
    env.check(1)
    assert env.subjects() == [P + "POHODA mServer je nedostupný"]
    with ledger.database.connection_context():
        assert [d.ok for d in AlertDelivery.select().order_by(AlertDelivery.id)] == [False, True]


def test_disabled_alerts_record_problems_but_send_nothing(env: Env) -> None:
    env.settings = replace(env.settings, alerts=replace(env.settings.alerts, enabled=False))
    env.ms.set_faults(down=True)
    env.check()
    env.check(60)
    assert env.subjects() == []
    with ledger.database.connection_context():
        assert AlertProblem.get(AlertProblem.key == "mserver_down").state == "pending"


def test_daily_digest_once_a_day(env: Env) -> None:
    env.settings = replace(env.settings, alerts=replace(env.settings.alerts, digest=True, digest_hour=0))
    env.ms.set_faults(down=True)
    env.check()
    env.check(16)
    env.check(1)
    digests = [s for s in env.subjects() if s.endswith("Denní souhrn")]
    assert len(digests) == 1
    text = next(m for m in env.smtp.messages if str(m["Subject"]).endswith("Denní souhrn")).get_content()
    assert "POHODA mServer je nedostupný" in text or "Žádné otevřené problémy" in text


def test_two_checkers_at_once_send_one_alert(env: Env) -> None:
    import threading

    env.ms.set_faults(down=True)
    env.check()
    due = env.now + timedelta(minutes=15)
    barrier = threading.Barrier(3)

    def checker() -> None:
        barrier.wait()
        run_checks(env.settings, default_connections(), data_dir=env.data_dir, now=due)

    threads = [threading.Thread(target=checker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert env.subjects() == [P + "POHODA mServer je nedostupný"]


def test_mserver_without_a_licence_is_its_own_problem_and_alert(env: Env) -> None:
    env.ms.set_faults(no_licence=True)
    report = env.check()
    assert report.item("mserver").state == "ok"  # type: ignore[union-attr]  # mServer answers
    licence = report.item("licence")
    assert licence is not None and licence.state == "down" and "licenci" in licence.fix
    assert report.state == "down"
    env.check(14)
    assert env.subjects() == []
    env.check(1)
    assert env.subjects() == [P + "POHODA nemá volnou licenci, mServer nezpracuje XML"]
    body = env.smtp.messages[0].get_content()
    assert "nemá volnou licenci" in body and "Co udělat: Uvolněte licenci POHODY" in body
    assert "nedostupný" not in body
    env.check(30)
    assert len(env.subjects()) == 1
    env.ms.clear_faults()
    assert env.check(1).item("licence").state == "ok"  # type: ignore[union-attr]
    assert env.subjects()[1:] == [P + "Vyřešeno: POHODA nemá volnou licenci, mServer nezpracuje XML"]


def test_a_run_without_a_licence_fails_with_the_licence_named(env: Env) -> None:
    env.order()
    env.ms.set_faults(no_licence=True)
    run = env.run()
    assert run.status == "failed" and "nemá volnou licenci" in run.message
    env.check()
    assert env.subjects() == [P + "Přijaté objednávky: běh selhal"]
    assert "Uvolněte licenci POHODY" in env.smtp.messages[0].get_content()


def test_a_plugin_order_status_is_a_new_value_alerted_once(env: Env) -> None:
    doc = env.order()
    env.plugin_status(doc["id"])
    assert env.run().status == "ok"
    env.check()
    assert env.run().status == "ok"
    env.check(5)
    assert env.subjects() == [P + "Nová hodnota: stav objednávky „Čeká na odeslání“ (awaiting-shipment)"]
    body = env.smtp.messages[0].get_content()
    assert "/mapping/status" in body and "plugin" in body and "Nepoužívat, nehlásit" in body
    env.settings = replace(env.settings, mappings=MappingsSettings(known_statuses=("awaiting-shipment",)))
    env.check(1)
    env.check(1)
    assert env.subjects()[1:] == [P + "Vyřešeno: Nová hodnota: stav objednávky „Čeká na odeslání“ (awaiting-shipment)"]
