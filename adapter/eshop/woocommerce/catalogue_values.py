"""WooCommerce's set-up lists as typed records: payment gateways, shipping methods of every zone,
registered order statuses, tax rates and tax classes (REST ``/wc/v3``).

* ``payment_gateways`` — every gateway, switched off ones included (``enabled`` false);
* ``shipping/zones`` lists zone 0 ("Locations not covered by your other zones") first, then the
  user's zones; each zone's methods come from ``shipping/zones/<id>/methods``;
* WooCommerce v3 has no list of order statuses; ``reports/orders/totals`` lists every registered
  status (plugins' too) with its name and order count, the slug without its ``wc-`` prefix;
* ``taxes`` is paged (``per_page`` at most 100); ``taxes/classes`` starts with "standard".
"""

from __future__ import annotations

from adapter.eshop._json import as_list, guard
from adapter.eshop.shop_values import OrderStatus, PaymentGateway, ShippingMethod, TaxClass, TaxRate
from adapter.eshop.woocommerce.api import WooApi


class CatalogueValues(WooApi):
    """The set-up reads of :class:`adapter.eshop.woocommerce.connector.WooCommerce`."""

    def payment_gateways(self) -> list[PaymentGateway]:
        """Every payment gateway, in the shop's order."""
        with guard("WooCommerce.payment_gateways"):
            found = as_list(self._get("/payment_gateways"), "/payment_gateways")
            return [PaymentGateway(g.text("id"), g.text("title") or g.text("method_title"), g.flag("enabled"))
                    for g in found]

    def shipping_methods(self) -> list[ShippingMethod]:
        """The methods of every shipping zone (zone 0 included), zone by zone."""
        with guard("WooCommerce.shipping_methods"):
            out: list[ShippingMethod] = []
            for zone in as_list(self._get("/shipping/zones"), "/shipping/zones"):
                path = f"/shipping/zones/{zone.integer('id')}/methods"
                for m in as_list(self._get(path), path):
                    out.append(ShippingMethod(m.text("method_id"), m.text("title") or m.text("method_title"),
                                              zone.text("name"), m.flag("enabled", True)))
            return out

    def order_statuses(self) -> list[OrderStatus]:
        """Every registered order status with its name and order count."""
        with guard("WooCommerce.order_statuses"):
            found = as_list(self._get("/reports/orders/totals"), "/reports/orders/totals")
            return [OrderStatus(s.text("slug").removeprefix("wc-"), s.text("name"), s.integer("total", 0))
                    for s in found]

    def tax_rates(self) -> list[TaxRate]:
        """Every tax rate row."""
        with guard("WooCommerce.tax_rates"):
            return [TaxRate(t.ident(), t.text("country"), t.decimal("rate"), t.text("name"),
                            t.text("class") or "standard")
                    for t in self._pages("/taxes")]

    def tax_classes(self) -> list[TaxClass]:
        """Every tax class, "standard" first."""
        with guard("WooCommerce.tax_classes"):
            found = as_list(self._get("/taxes/classes"), "/taxes/classes")
            return [TaxClass(c.text("slug"), c.text("name")) for c in found]
