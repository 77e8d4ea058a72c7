"""Settings: defaults complete, validation as field errors, atomic comment-keeping saves."""

from __future__ import annotations

from decimal import Decimal

from adapter.config import SettingsStore, load_settings, save_settings, settings_from_mapping


def test_fixed_keys_only_is_complete(tmp_path):
    (tmp_path / "settings.toml").write_text(
        '[pohoda]\nurl = "http://127.0.0.1:444/xml"\nuser = "admin"\npassword = "x"\nico = "12345678"\n'
        '[eshop]\nplatform = "woocommerce"\nurl = "https://obchod.cz"\nconsumer_key = "ck"\nconsumer_secret = "cs"\n',
        encoding="utf-8",
    )
    settings, errors = load_settings(tmp_path)
    assert errors == []
    assert settings.pohoda.base_url == "http://127.0.0.1:444"
    assert settings.pohoda_configured and settings.eshop_configured
    assert settings.orders.transfer_statuses == ("completed",)
    assert settings.orders.vat_rates == {"21": "high", "12": "low", "0": "none"}
    assert settings.stock.quantity == "available"
    assert settings.payments.tolerance == Decimal("1.00")


def test_bad_values_become_field_errors_and_keep_defaults(tmp_path):
    settings, errors = settings_from_mapping(
        tmp_path,
        {
            "pohoda": {"url": "127.0.0.1:444", "ico": "123"},
            "orders": {"batch_size": "padesát", "numbering": "jinak"},
            "stock": {"quantity": "physical", "stores": "HLAVNI, PRODEJNA", "bogus": 1},
            "nonsense": {},
        },
    )
    paths = {e.path for e in errors}
    assert {"pohoda.url", "pohoda.ico", "orders.batch_size", "orders.numbering", "stock.bogus"} <= paths
    assert any(e.section == "nonsense" for e in errors)
    assert settings.orders.batch_size == 50
    assert settings.stock.quantity == "physical"
    assert settings.stock.stores == ("HLAVNI", "PRODEJNA")


def test_broken_toml_is_reported_not_raised(tmp_path):
    (tmp_path / "settings.toml").write_text("[pohoda\nurl=", encoding="utf-8")
    settings, errors = load_settings(tmp_path)
    assert settings.pohoda.url == ""
    assert "nelze přečíst" in errors[0].message


def test_save_keeps_comments_and_store_reloads(tmp_path):
    (tmp_path / "settings.toml").write_text('# můj komentář\n[pohoda]\nurl = "http://127.0.0.1:444" # mServer\n', encoding="utf-8")
    store = SettingsStore(tmp_path)
    assert store.get().pohoda.user == ""
    store.save({"pohoda": {"user": "účetní"}, "stock": {"stores": ("HLAVNI",)}, "payments": {"tolerance": Decimal("0.5")}})
    text = (tmp_path / "settings.toml").read_text(encoding="utf-8")
    assert "# můj komentář" in text
    assert "# mServer" in text
    assert store.get().pohoda.user == "účetní"
    assert store.get().stock.stores == ("HLAVNI",)
    assert store.get().payments.tolerance == Decimal("0.5")
    save_settings(tmp_path, {"orders": {"enabled": False}})
    assert store.get().orders.enabled is False  # picked up from disk
    assert not list(tmp_path.glob(".settings-*"))  # no temp file left behind
