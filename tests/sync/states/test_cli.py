"""``app.py sync states|documents``: the real jobs from the command line, exit codes as the other agendas."""

from __future__ import annotations

import app as app_module
from adapter import config, ledger
from tests.sync.orders.support import (  # noqa: F401 — the fixtures are imported to be registered
    Env,
    env_fixture,
    fast_sockets_fixture,
    sku_pools,
)


def save(env: Env, **sections: dict[str, object]) -> None:
    s = env.settings
    config.save_settings(env.data_dir, {
        "pohoda": {"url": s.pohoda.url, "user": "admin", "password": "heslo", "ico": s.pohoda.ico},
        "eshop": {"url": s.eshop.url, "consumer_key": "ck_test", "consumer_secret": "cs_test"},
        "orders": {"transfer_statuses": ["processing"]},
        **sections,
    })


def test_sync_states_and_documents_from_the_command_line(env: Env, capsys) -> None:
    env.with_orders(transfer_statuses=("processing",))
    order = env.woo.add_order([(sku_pools(env)["single"][0], 1)], status="processing")
    assert env.run("orders").ok_count == 1
    env.ms.set_order_state(ledger.get_entry("orders", str(order["id"])).pohoda_number, executed=True)
    save(env, states={"enabled": True, "status_map": {"executed": "completed"}})
    assert app_module.main(["sync", "states", "--data", str(env.data_dir), "--dry-run"]) == 0
    assert env.woo.order(order["id"])["status"] == "processing"
    assert app_module.main(["sync", "states", "--data", str(env.data_dir), "--full"]) == 0
    assert env.woo.order(order["id"])["status"] == "completed"
    assert "Stav objednávek do e-shopu: ok" in capsys.readouterr().out
    save(env, documents={"enabled": True})
    assert app_module.main(["sync", "documents", "--data", str(env.data_dir)]) == 2  # no report chosen: failed
    assert "tisková sestava" in capsys.readouterr().out
    save(env, states={"enabled": True, "status_map": {"executed": "processing"}})
    assert app_module.main(["sync", "states", "--data", str(env.data_dir)]) == 2  # a loop is refused
    ledger.init_db(env.data_dir / "ledger.db")


def test_a_multi_line_mail_body_loads_and_edits_as_a_text_area(tmp_path) -> None:
    from adapter.web.settings_form import build_fields

    config.save_settings(tmp_path, {"documents": {"body": "Dobrý den,\n\nfaktura {invoice}.\n", "subject": "F {x}"}})
    settings, errors = config.load_settings(tmp_path)
    assert settings.documents.body == "Dobrý den,\n\nfaktura {invoice}."
    assert [(e.path, "neznámé pole" in e.message) for e in errors] == [("documents.subject", True)]
    (body,) = [f for f in build_fields(settings, "documents") if f.key == "body"]
    assert body.widget == "textarea"
    config.save_settings(tmp_path, {"states": {"tracking_field": "x\ty"}})
    assert any(e.path == "states.tracking_field" for e in config.load_settings(tmp_path)[1])
