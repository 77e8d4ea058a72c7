"""The WooCommerce companion plugin: PHP syntax, strings and translations, the zip, the download page, detection."""

from __future__ import annotations

import gettext
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from adapter import shop_plugin
from adapter.config import load_settings
from adapter.errors import EshopAuthError

PLUGIN = shop_plugin.PLUGIN_DIR
PHP_FILES = sorted(PLUGIN.rglob("*.php"))
CALL = re.compile(
    r"\b(?:__|esc_html__|esc_attr__|_e|esc_html_e|esc_attr_e)\(\s*'((?:[^'\\]|\\.)*)'\s*,\s*'([^']*)'\s*\)"
)
PLURAL = re.compile(r"\b_n\(\s*'((?:[^'\\]|\\.)*)'\s*,\s*'((?:[^'\\]|\\.)*)'\s*,[^,]+,\s*'([^']*)'\s*\)")


def php_strings() -> set[str]:
    """Every translatable string of the PHP sources (singular msgids)."""
    found: set[str] = set()
    for path in PHP_FILES:
        text = path.read_text(encoding="utf-8")
        for msgid, domain in CALL.findall(text):
            assert domain == "pohoda-adapter", f"{path.name}: {msgid!r} uses text domain {domain!r}"
            found.add(msgid.replace("\\'", "'"))
        for singular, _plural, domain in PLURAL.findall(text):
            assert domain == "pohoda-adapter", f"{path.name}: {singular!r} uses text domain {domain!r}"
            found.add(singular)
    return found


def po_ids(text: str) -> dict[str, list[str]]:
    """msgid → its msgstr forms, from a PO/POT file written by gettext (header left out)."""
    out: dict[str, list[str]] = {}
    for msg in shop_plugin._messages(text, "test"):
        if msg.msgid:
            out[msg.msgid] = [msg.forms[i] for i in sorted(msg.forms)]
    return out


# --------------------------------------------------------------------------- PHP


def php_binary() -> str:
    found = shutil.which("php")
    if found is None:
        reason = "PHP is not installed (Debian: apt-get install php8.2-cli); the plugin's syntax is NOT checked"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.mark.parametrize("path", PHP_FILES, ids=lambda p: p.relative_to(PLUGIN).as_posix())
def test_php_lint(path: Path) -> None:
    done = subprocess.run([php_binary(), "-l", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_php_lint_sees_a_syntax_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.php"
    broken.write_text("<?php\nfunction pohoda( { return 1; }\n", encoding="utf-8")
    done = subprocess.run([php_binary(), "-l", str(broken)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0


def test_every_php_file_stops_outside_wordpress_and_declares_strict_types() -> None:
    for path in PHP_FILES:
        text = path.read_text(encoding="utf-8")
        assert "declare( strict_types=1 );" in text, path.name
        guard = "WP_UNINSTALL_PLUGIN" if path.name == "uninstall.php" else "ABSPATH"
        assert f"defined( '{guard}' ) || exit;" in text, path.name


def test_output_is_escaped_and_actions_are_guarded() -> None:
    sources = {p.name: p.read_text(encoding="utf-8") for p in PHP_FILES}
    for name, text in sources.items():
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("echo ") and "$" in stripped:
                assert "esc_" in stripped, f"{name}: unescaped echo: {stripped}"
            assert "_e(" not in stripped or "esc_html_e(" in stripped or "esc_attr_e(" in stripped, stripped
    view = sources["class-pohoda-adapter-view.php"]
    # every printf argument list goes through an escaping function
    for call in re.findall(r"printf\((.*?)\);", view, re.DOTALL):
        args = call.split(",", 1)[1] if "," in call else ""
        assert args.count("esc_") >= args.count("Pohoda_Adapter_Meta::") or "esc_" in args, call
    admin = sources["class-pohoda-adapter-admin.php"]
    assert admin.count("Pohoda_Adapter_Marking::allowed()") >= 8  # every hook checks the capability
    assert "const CAPABILITY = 'edit_shop_orders'" in sources["class-pohoda-adapter-marking.php"]
    # bulk actions must not start with "mark_" (WooCommerce would take them for a status change)
    assert "'pohoda_adapter_flag'" in admin and "mark_" not in admin.replace("Pohoda_Adapter_Marking", "")
    for screen in ("woocommerce_page_wc-orders", "edit-shop_order"):
        assert screen in admin
    for hook in ("woocommerce_shop_order_list_table_columns", "woocommerce_shop_order_list_table_custom_column",
                 "manage_edit-shop_order_columns", "manage_shop_order_posts_custom_column",
                 "woocommerce_order_actions", "add_meta_boxes"):
        assert f"'{hook}'" in admin, hook
    main = sources["pohoda-adapter.php"]
    assert "declare_compatibility( 'custom_order_tables'" in main


def test_transferred_orders_are_left_alone_by_the_marking() -> None:
    marking = (PLUGIN / "includes/class-pohoda-adapter-marking.php").read_text(encoding="utf-8")
    body = marking.split("public static function apply", 1)[1]
    assert body.index("pohoda_number( $order )") < body.index("self::write(")
    assert "set_date_modified( time() )" in marking  # the incremental run must find a newly marked order


def test_versions_agree() -> None:
    version = shop_plugin.plugin_version()
    main = (PLUGIN / "pohoda-adapter.php").read_text(encoding="utf-8")
    assert f"define( 'POHODA_ADAPTER_VERSION', '{version}' );" in main
    assert f"Stable tag: {version}" in (PLUGIN / "readme.txt").read_text(encoding="utf-8")
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)


def test_meta_keys_agree_with_the_adapter() -> None:
    meta = (PLUGIN / "includes/class-pohoda-adapter-meta.php").read_text(encoding="utf-8")
    for key in (shop_plugin.TRANSFER_META_KEY, shop_plugin.STATUS_KEY, shop_plugin.HELD_REASON_KEY,
                shop_plugin.ERROR_KEY, shop_plugin.TRANSFERRED_KEY, "_pohoda_number", "_pohoda_invoice_number",
                "_pohoda_tracking_number", "_pohoda_credit_note_number", "_pohoda_state"):
        assert f"'{key}'" in meta, key
        assert key in (PLUGIN / "readme.txt").read_text(encoding="utf-8"), key
    rest = (PLUGIN / "includes/class-pohoda-adapter-rest.php").read_text(encoding="utf-8")
    namespace, route = shop_plugin.STATUS_PATH.removeprefix("/wp-json/").rsplit("/", 1)
    assert f"NAMESPACE = '{namespace}'" in rest and f"'/{route}'" in rest
    assert namespace.startswith("wc-")  # WooCommerce accepts its API keys only on wc/ and wc-* routes


# --------------------------------------------------------------------------- strings and translations


def test_pot_holds_every_string_and_the_czech_translation_all_of_them() -> None:
    strings = php_strings()
    assert "Mark for transfer to POHODA" in strings and len(strings) > 20
    pot = po_ids((PLUGIN / "languages/pohoda-adapter.pot").read_text(encoding="utf-8"))
    assert strings <= set(pot), strings - set(pot)
    cs = po_ids((PLUGIN / "languages/pohoda-adapter-cs_CZ.po").read_text(encoding="utf-8"))
    assert set(cs) == set(pot)
    assert all(forms and all(forms) for forms in cs.values()), [k for k, v in cs.items() if not all(v)]
    assert cs["Mark for transfer to POHODA"] == ["Označit k přenosu do POHODY"]
    assert cs["Remove the mark"] == ["Zrušit označení"]
    for msgid, forms in cs.items():  # placeholders survive the translation
        for form in forms:
            assert sorted(re.findall(r"%\d?\$?[sd]", form)) == sorted(re.findall(r"%\d?\$?[sd]", msgid)), msgid


def test_compiled_catalogue_reads_back_with_plurals() -> None:
    mo = shop_plugin.compile_po((PLUGIN / "languages/pohoda-adapter-cs_CZ.po").read_text(encoding="utf-8"))
    cat = gettext.GNUTranslations(io.BytesIO(mo))
    assert cat.gettext("Remove the mark") == "Zrušit označení"
    one, many = "%d order was not found.", "%d orders were not found."
    assert [cat.ngettext(one, many, n) % n for n in (1, 3, 5)] == [
        "1 objednávka nebyla nalezena.", "3 objednávky nebyly nalezeny.", "5 objednávek nebylo nalezeno."]
    assert cat.info()["language"] == "cs_CZ"


def test_compile_po_skips_fuzzy_and_untranslated_and_refuses_garbage() -> None:
    text = ('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            '#, fuzzy\nmsgid "Held"\nmsgstr "Čeká"\n\nmsgid "Error"\nmsgstr ""\n\n'
            'msgid "Reason"\nmsgstr ""\n"Dů"\n"vod"\n')
    cat = gettext.GNUTranslations(io.BytesIO(shop_plugin.compile_po(text)))
    assert cat.gettext("Held") == "Held" and cat.gettext("Error") == "Error" and cat.gettext("Reason") == "Důvod"
    with pytest.raises(shop_plugin.PluginError, match="neznámé klíčové slovo"):
        shop_plugin.compile_po('msgid "a"\nmsgtxt "b"\n')
    with pytest.raises(shop_plugin.PluginError, match="nemá msgstr"):
        shop_plugin.compile_po('msgid "a"\n')


def test_compile_po_agrees_with_msgfmt(tmp_path: Path) -> None:
    msgfmt, msgunfmt = shutil.which("msgfmt"), shutil.which("msgunfmt")
    if not (msgfmt and msgunfmt):
        pytest.skip("gettext tools are not installed; our .mo is checked by Python's gettext only")
    po = PLUGIN / "languages/pohoda-adapter-cs_CZ.po"
    theirs, ours = tmp_path / "theirs.mo", tmp_path / "ours.mo"
    subprocess.run([msgfmt, "-c", "-o", str(theirs), str(po)], check=True, timeout=60)
    ours.write_bytes(shop_plugin.compile_po(po.read_text(encoding="utf-8")))
    dump = [subprocess.run([msgunfmt, str(f)], check=True, capture_output=True, text=True, timeout=60).stdout
            for f in (theirs, ours)]
    drop = re.compile(r'^"POT-Creation-Date: .*\n', re.MULTILINE)  # msgfmt leaves it out of the .mo
    assert drop.sub("", dump[0]) == drop.sub("", dump[1])


# --------------------------------------------------------------------------- the zip


def test_zip_is_installable_stable_and_carries_the_mo() -> None:
    data = shop_plugin.build_zip()
    assert data == shop_plugin.build_zip()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert archive.testzip() is None
        assert names == sorted(names) and all(n.startswith("pohoda-adapter/") for n in names)
        expected = {f"pohoda-adapter/{n}" for n in shop_plugin.source_files()}
        expected.add("pohoda-adapter/languages/pohoda-adapter-cs_CZ.mo")
        assert set(names) == expected
        for required in ("pohoda-adapter.php", "uninstall.php", "readme.txt", "languages/pohoda-adapter.pot",
                         "languages/pohoda-adapter-cs_CZ.po"):
            assert f"pohoda-adapter/{required}" in names
        mo = archive.read("pohoda-adapter/languages/pohoda-adapter-cs_CZ.mo")
        assert gettext.GNUTranslations(io.BytesIO(mo)).gettext("Held") == "Čeká"
        assert {i.date_time for i in archive.infolist()} == {shop_plugin.ZIP_TIME}
        main = archive.read("pohoda-adapter/pohoda-adapter.php").decode("utf-8")
    assert "Plugin Name:" in main
    assert shop_plugin.zip_name() == f"pohoda-adapter-{shop_plugin.plugin_version()}.zip"


def test_zip_leaves_out_hidden_files_and_stale_mo(tmp_path: Path) -> None:
    folder = tmp_path / "pohoda-adapter"
    shutil.copytree(PLUGIN, folder)
    (folder / ".DS_Store").write_bytes(b"x")
    (folder / "languages" / "pohoda-adapter-cs_CZ.mo").write_bytes(b"stale")
    (folder / "notes.php~").write_text("backup", encoding="utf-8")
    assert shop_plugin.build_zip(folder) == shop_plugin.build_zip()
    (folder / "pohoda-adapter.php").unlink()
    with pytest.raises(shop_plugin.PluginError, match="chybí"):
        shop_plugin.build_zip(folder)


# --------------------------------------------------------------------------- detection


class FakeShop:
    def __init__(self, answer: object = None, error: Exception | None = None) -> None:
        self.answer, self.error = answer, error

    def plugin_status(self) -> object:
        if self.error is not None:
            raise self.error
        return self.answer


def test_detect() -> None:
    good = {"plugin": "pohoda-adapter", "version": "1.0.0", "transfer_meta_key": "_pohoda_transfer",
            "storage": "hpos", "meta_keys": {"number": "_pohoda_number"}}
    found = shop_plugin.detect(FakeShop(good))
    assert found.found and found.status is not None
    assert (found.status.version, found.status.storage, found.status.meta_keys) == (
        "1.0.0", "hpos", {"number": "_pohoda_number"})
    missing = shop_plugin.detect(FakeShop(None))
    assert not missing.found and "není nainstalován" in missing.problem
    assert not shop_plugin.detect(FakeShop({"plugin": "something-else"})).found
    refused = shop_plugin.detect(FakeShop(error=EshopAuthError()))
    assert not refused.found and refused.problem.startswith("Stav doplňku nelze zjistit")
    assert "nepodporuje" in shop_plugin.detect(object()).problem


# --------------------------------------------------------------------------- the page


def test_page_download_and_staff(client, lan_client, staff_login) -> None:
    html = client.get("/settings/plugin/").get_data(as_text=True)
    assert "Nahrát plugin" in html and "Označit k přenosu do POHODY" in html
    assert "Nejprve vyplňte připojení k e-shopu" in html
    assert 'href="/settings/plugin/"' in client.get("/settings/connections").get_data(as_text=True)
    assert client.get("/settings/plugin/download").status_code == 405
    got = client.post("/settings/plugin/download")
    assert got.status_code == 200 and got.mimetype == "application/zip"
    assert got.headers["Content-Disposition"] == f'attachment; filename="{shop_plugin.zip_name()}"'
    assert got.data == shop_plugin.build_zip()
    staff_login(lan_client)
    assert lan_client.get("/settings/plugin/").status_code == 403
    assert lan_client.post("/settings/plugin/download").status_code == 403
    assert lan_client.post("/settings/plugin/marking", data={"mode": "shop"}).status_code == 403


def test_one_click_switch_of_the_marking(app, client, data_dir) -> None:
    done = client.post("/settings/plugin/marking", data={"mode": "shop"}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "jen objednávky označené v e-shopu" in html
    assert "žádná objednávka se neoznačí" in html  # no shop configured: the plugin cannot be seen
    assert load_settings(data_dir)[0].orders.transfer_meta_key == shop_plugin.TRANSFER_META_KEY
    assert 'value="status"' in html and 'value="shop"' not in html
    back = client.post("/settings/plugin/marking", data={"mode": "status"}, follow_redirects=True)
    assert "podle stavu" in back.get_data(as_text=True)
    assert load_settings(data_dir)[0].orders.transfer_meta_key == ""
    assert client.post("/settings/plugin/marking", data={"mode": "nonsense"}).status_code == 400
    assert client.post("/settings/plugin/marking", data={"mode": "shop"}, csrf=False).status_code == 400
