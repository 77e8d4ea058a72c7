"""Create/update/delete rules of WooCommerce objects (products, variations, orders, notes, customers).

Error codes and messages follow the WooCommerce REST controllers and data
classes (``woocommerce_rest_{post_type}_invalid_id``, ``product_invalid_sku``,
``registration-error-email-exists`` …).
"""

from __future__ import annotations

from adapter.emulators.woocommerce.customers import CustomerRules
from adapter.emulators.woocommerce.products import ProductRules
from adapter.emulators.woocommerce.refunds import RefundRules


class Objects(ProductRules, RefundRules, CustomerRules):
    """The shop's objects over a ``Store``; every write stamps ``date_modified_gmt``.

    Each rule set lives in its own mixin (``products``, ``orders`` with
    ``refunds``, ``customers``) over :class:`~adapter.emulators.woocommerce.object_base.ObjectsBase`.
    """


__all__ = ["Objects"]
