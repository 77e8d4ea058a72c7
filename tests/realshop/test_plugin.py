"""The companion plugin in the real shop: installed from its zip in wp-admin, orders marked there, the adapter's run.

Chromium (Playwright) logs into wp-admin, uploads and activates the plugin, bulk-marks three
orders (plus a held one and one it unmarks again), the adapter's ordinary orders run sends
exactly the three to the mServer emulator, and the order screens show POHODA's number and the
held order's reason. Both order storages (legacy posts and HPOS).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from adapter import ledger, shop_plugin
from adapter.config import EshopSettings
from adapter.eshop.base import EshopConnection, connect
from adapter.sync.connections import default_connections
from adapter.sync.runner import JobRunner
from tests.realshop.shop import RealShop
from tests.sync.orders.support import settings_for

pytestmark = pytest.mark.browser

PLUGIN_FOLDER = "wp-content/plugins/pohoda-adapter"
MARKED = (2, 5, 6)  # seeded order numbers (see tests/realshop/php/seed.php)
HELD = 9  # has the SKU NEZNAMY-1-0001, which POHODA does not know
UNMARKED = 10  # marked, then unmarked before the run


@pytest.fixture(params=["posts", "hpos"])
def shop(real_shop: RealShop, request: pytest.FixtureRequest) -> Iterator[RealShop]:
    """The seeded shop in one order storage, with no copy of the plugin on disk; cleaned up after."""
    folder = real_shop.wp_root / PLUGIN_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    real_shop.set_storage(request.param)
    yield real_shop
    shutil.rmtree(folder, ignore_errors=True)
    real_shop.set_storage("posts")


@pytest.fixture
def admin(browser: Any, shop: RealShop) -> Iterator[Any]:
    """A wp-admin page logged in as the shop's administrator (plugin texts in Czech)."""
    shop.php("update_user_meta( 1, 'locale', 'cs_CZ' );")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = context.new_page()
    for attempt in (1, 2):  # PHP's built-in server on a loaded CI host once left the login hanging for a minute
        page.goto(shop.site_url + "/wp-login.php")
        page.fill("#user_login", shop.admin_user)
        page.fill("#user_pass", shop.admin_password)
        page.click("#wp-submit")
        try:
            page.wait_for_url("**/wp-admin/**", timeout=30_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    yield page
    context.close()


def seeded_ids(shop: RealShop) -> dict[int, int]:
    """Seeded order number → order id."""
    raw = json.loads(shop.php("echo wp_json_encode( get_option( 'rw_seed' )['orders'] );"))
    return {int(n): int(i) for n, i in raw.items()}


def orders_list(shop: RealShop) -> str:
    if shop.storage == "hpos":
        return shop.site_url + "/wp-admin/admin.php?page=wc-orders"
    return shop.site_url + "/wp-admin/edit.php?post_type=shop_order"


def order_screen(shop: RealShop, order_id: int) -> str:
    if shop.storage == "hpos":
        return shop.site_url + f"/wp-admin/admin.php?page=wc-orders&action=edit&id={order_id}"
    return shop.site_url + f"/wp-admin/post.php?post={order_id}&action=edit"


def install_from_zip(page: Any, shop: RealShop, tmp_path: Path) -> None:
    """Plugins › Add New › Upload Plugin, then Activate — as staff would do it."""
    archive = tmp_path / shop_plugin.zip_name()
    archive.write_bytes(shop_plugin.build_zip())
    page.goto(shop.site_url + "/wp-admin/plugin-install.php?tab=upload")
    page.set_input_files("#pluginzip", str(archive))
    page.click("#install-plugin-submit")
    page.locator("a.button-primary", has_text="Activate Plugin").click()
    page.wait_for_url("**/plugins.php**")
    assert page.locator("tr[data-slug='pohoda-adapter'].active").count() == 1


def bulk(page: Any, shop: RealShop, ids: list[int], action: str) -> str:
    """Tick the orders on the list, run a bulk action; the notices shown afterwards."""
    page.goto(orders_list(shop))
    box = "id[]" if shop.storage == "hpos" else "post[]"
    for order_id in ids:
        page.check(f"input[name='{box}'][value='{order_id}']")
    page.select_option("#bulk-action-selector-top", action)
    page.click("#doaction")
    page.wait_for_load_state()
    return str(page.locator(".pohoda-adapter-notice").all_inner_texts())


def order_meta(shop: RealShop, order_id: int) -> dict[str, str]:
    code = (f"$o = wc_get_order( {order_id} ); $m = array();"
            " foreach ( $o->get_meta_data() as $d ) { $m[ $d->key ] = $d->value; } echo wp_json_encode( (object) $m );")
    return {k: str(v) for k, v in json.loads(shop.php(code) or "{}").items()}


def order_notes(shop: RealShop, order_id: int) -> list[str]:
    """The order's notes, as WooCommerce stores them."""
    notes = shop.php(f"echo wp_json_encode( wp_list_pluck( wc_get_order_notes( array( 'order_id' => {order_id} ) ),"
                     " 'content' ) );")
    return [str(n) for n in json.loads(notes)]


def adapter_run(shop: RealShop, ms_url: str, data_dir: Path) -> ledger.Run:
    settings = settings_for(data_dir, ms_url, shop.site_url, transfer_meta_key=shop_plugin.TRANSFER_META_KEY)
    settings = replace(settings, eshop=replace(settings.eshop, consumer_key=shop.ck, consumer_secret=shop.cs))
    run, ran = JobRunner(lambda: settings, default_connections()).run_inline("orders", "cli")
    assert ran
    return run


def test_mark_in_wp_admin_transfer_and_see_pohoda_in_the_shop(
    shop: RealShop, admin: Any, mserver_factory: Any, tmp_path: Path
) -> None:
    ids = seeded_ids(shop)
    page = admin
    install_from_zip(page, shop, tmp_path)
    found = shop_plugin.detect(connect(EshopConnection(EshopSettings(url=shop.site_url, consumer_key=shop.ck,
                                                                     consumer_secret=shop.cs), attempts=1)))
    assert found.status is not None and found.status.storage == shop.storage, found.problem
    assert found.status.version == shop_plugin.plugin_version()

    marked = [ids[n] for n in MARKED]
    notices = bulk(page, shop, marked, "pohoda_adapter_flag")
    assert "3 objednávky označeny k přenosu do POHODY" in notices
    assert "3 objednávky" in notices  # the Czech plural of the .mo in the zip
    assert page.locator("td.column-pohoda_adapter [data-state='flagged']").count() == 3
    bulk(page, shop, [ids[HELD], ids[UNMARKED]], "pohoda_adapter_flag")
    notices = bulk(page, shop, [ids[UNMARKED]], "pohoda_adapter_unflag")
    assert "Označení zrušeno u 1 objednávky" in notices
    assert shop_plugin.TRANSFER_META_KEY not in order_meta(shop, ids[UNMARKED])

    ms = mserver_factory(seed_stock=40)
    data_dir = tmp_path / "adapter"
    data_dir.mkdir()
    ledger.init_db(data_dir / "ledger.db")
    try:
        run = adapter_run(shop, ms.url, data_dir)
        held = {e.key: e.error for e in ledger.entries(agenda="orders", state="held")}
        assert run.ok_count == 3 and set(held) == {str(ids[HELD])}, (run.message, held)
        received = {o.ext_id: o for o in ms.received_orders()}
        assert set(received) == {str(i) for i in marked}

        for order_id in marked:
            page.goto(order_screen(shop, order_id))
            box = page.locator("#pohoda-adapter")
            assert received[str(order_id)].number in box.inner_text()
            assert box.locator("[data-state='transferred']").count() == 1
            assert "Přeneseno" in box.inner_text()
            # the plugin shows POHODA's number, so the default ``[orders] transfer_note = auto`` adds no note
            assert not [n for n in order_notes(shop, order_id) if "Přeneseno do POHODY jako objednávka" in n]
        page.goto(order_screen(shop, ids[HELD]))
        held_box = page.locator("#pohoda-adapter").inner_text()
        assert "Čeká" in held_box and "NEZNAMY-1-0001" in held_box
        page.goto(orders_list(shop))
        assert page.locator("td.column-pohoda_adapter [data-state='transferred']").count() == 3
        assert page.locator("td.column-pohoda_adapter [data-state='held']").count() == 1

        # an order already transferred: the action says so and changes nothing
        before = order_meta(shop, marked[0])
        notices = bulk(page, shop, [marked[0]], "pohoda_adapter_unflag")
        assert f"Už přeneseno do POHODY, beze změny: {marked[0]}" in notices
        assert order_meta(shop, marked[0]) == before

        # marked later: the ordinary incremental run finds it
        bulk(page, shop, [ids[UNMARKED]], "pohoda_adapter_flag")
        again = adapter_run(shop, ms.url, data_dir)
        assert again.ok_count == 1, again.message
        assert {o.ext_id for o in ms.received_orders()} == {str(i) for i in [*marked, ids[UNMARKED]]}
    finally:
        ledger.database.close()


def test_a_user_without_edit_shop_orders_sees_nothing(shop: RealShop, admin: Any, tmp_path: Path) -> None:
    install_from_zip(admin, shop, tmp_path)
    order_id = seeded_ids(shop)[1]
    out = shop.php(f"""
        $uid = wp_insert_user( array( 'user_login' => 'bez-prav', 'user_pass' => 'heslo-bez-prav-1',
            'user_email' => 'bez-prav@example.cz', 'role' => 'subscriber' ) );
        wp_set_current_user( $uid );
        $order = wc_get_order( {order_id} );
        ob_start(); Pohoda_Adapter_View::box( $order ); Pohoda_Adapter_Admin::hpos_column( 'pohoda_adapter', $order );
        $html = ob_get_clean();
        echo wp_json_encode( array(
            'bulk'    => Pohoda_Adapter_Admin::bulk_actions( array( 'trash' => 'Trash' ) ),
            'columns' => Pohoda_Adapter_Admin::columns( array( 'order_status' => 'Status' ) ),
            'actions' => Pohoda_Adapter_Admin::order_actions( array(), $order ),
            'marked'  => Pohoda_Adapter_Marking::apply( array( {order_id} ), true )['changed'],
            'html'    => $html,
            'flag'    => wc_get_order( {order_id} )->get_meta( '{shop_plugin.TRANSFER_META_KEY}' ),
        ) );
    """)
    got = json.loads(out)
    assert got == {"bulk": {"trash": "Trash"}, "columns": {"order_status": "Status"}, "actions": [],
                   "marked": [], "html": "", "flag": ""}


def test_order_screen_action_marks_and_unmarks(shop: RealShop, admin: Any, tmp_path: Path) -> None:
    install_from_zip(admin, shop, tmp_path)
    order_id = seeded_ids(shop)[11]
    page = admin

    def act(action: str) -> str:
        page.goto(order_screen(shop, order_id))
        page.select_option("select[name='wc_order_action']", action)
        page.click("button.save_order")
        page.wait_for_load_state()
        return str(page.locator(".pohoda-adapter-notice").all_inner_texts())

    assert "adaptér ji převezme při příštím běhu" in act("pohoda_adapter_flag")
    assert order_meta(shop, order_id)[shop_plugin.TRANSFER_META_KEY] == "yes"
    assert page.locator("#pohoda-adapter [data-state='flagged']").count() == 1
    assert "Objednávka už byla označena" in act("pohoda_adapter_flag")
    assert "Označení k přenosu do POHODY bylo zrušeno" in act("pohoda_adapter_unflag")
    assert shop_plugin.TRANSFER_META_KEY not in order_meta(shop, order_id)
    assert sum("POHODY" in n for n in order_notes(shop, order_id)) == 2  # one note per change, none for the repeat
