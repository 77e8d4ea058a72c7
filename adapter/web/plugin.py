"""Blueprint ``plugin`` (admin): the WooCommerce companion plugin — download, installation, marking mode.

The page offers the plugin's zip (:func:`adapter.shop_plugin.build_zip`),
a short Czech installation guide, whether the shop answers the plugin's
status endpoint, and one button that switches the order marking to "only
orders marked in the shop" (``[orders] transfer_meta_key`` = the plugin's
flag) or back to the order statuses.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from adapter import shop_plugin
from adapter.config import Settings
from adapter.errors import AdapterError
from adapter.web.auth import admin_required
from adapter.web.extension import get_ext

log = logging.getLogger(__name__)

bp = Blueprint("plugin", __name__, url_prefix="/settings/plugin")


def _detect(settings: Settings) -> shop_plugin.Detection:
    """Ask the shop for the plugin; a shop that is not set up or not reachable says why."""
    eshop = settings.eshop
    if not (eshop.url and eshop.consumer_key and eshop.consumer_secret):
        return shop_plugin.Detection(None, "Nejprve vyplňte připojení k e-shopu v Nastavení › Připojení.")
    shop = None
    try:
        shop = get_ext().connections.eshop(settings)
        return shop_plugin.detect(shop)
    except AdapterError as exc:
        return shop_plugin.Detection(None, f"E-shop nelze zeptat na doplněk: {exc.message}")
    finally:
        if shop is not None:
            shop.close()


@bp.route("/")
@admin_required
def index() -> Any:
    """The plugin page."""
    settings = get_ext().settings
    try:
        version, name = shop_plugin.plugin_version(), shop_plugin.zip_name()
    except shop_plugin.PluginError as exc:
        version, name = "", ""
        flash(f"{exc} Doplněk nelze stáhnout; přeinstalujte adaptér.", "error")
    return render_template(
        "plugin/index.html",
        version=version,
        zip_name=name,
        detection=_detect(settings),
        meta_key=settings.orders.transfer_meta_key,
        plugin_key=shop_plugin.TRANSFER_META_KEY,
        statuses=settings.orders.transfer_statuses,
    )


@bp.route("/download", methods=["POST"])
@admin_required
def download() -> Any:
    """The installable zip (a POST from the page's button: the app's GET pages are all text)."""
    try:
        data, name = shop_plugin.build_zip(), shop_plugin.zip_name()
    except shop_plugin.PluginError as exc:
        log.error("plugin zip cannot be built: %s", exc)
        abort(500)
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@bp.route("/marking", methods=["POST"])
@admin_required
def marking() -> Any:
    """One click: transfer only orders marked in the shop (``mode=shop``), or go back to statuses."""
    mode = request.form.get("mode", "")
    ext = get_ext()
    if mode == "shop":
        found = _detect(ext.settings)
        key = found.status.transfer_meta_key if found.status else shop_plugin.TRANSFER_META_KEY
        ext.store.save({"orders": {"transfer_meta_key": key}})
        flash("Do POHODY se nyní přenášejí jen objednávky označené v e-shopu (akce „Označit k přenosu do POHODY“).",
              "success")
        if not found.found:
            flash(f"{found.problem} Dokud doplněk v e-shopu nepoběží, žádná objednávka se neoznačí "
                  "a nic se nepřenese.", "warn")
    elif mode == "status":
        if not ext.settings.orders.transfer_statuses:
            flash("Nejprve v Nastavení › Přijaté objednávky zvolte Stavy objednávek k přenosu.", "error")
            return redirect(url_for("plugin.index"))
        ext.store.save({"orders": {"transfer_meta_key": ""}})
        flash("Do POHODY se opět přenášejí objednávky podle stavu v e-shopu.", "success")
    else:
        abort(400)
    return redirect(url_for("plugin.index"))
