"""The WooCommerce connector (REST API v3): :class:`WooCommerce`.

* :mod:`~adapter.eshop.woocommerce.connector` — the :class:`adapter.eshop.base.Eshop` methods;
* :mod:`~adapter.eshop.woocommerce.api` — HTTP set-up, paging, batches, order notes;
* :mod:`~adapter.eshop.woocommerce.marks` — marking many orders as transferred;
* :mod:`~adapter.eshop.woocommerce.auth` — request signing (Basic, query keys, OAuth 1.0a);
* :mod:`~adapter.eshop.woocommerce.mapping` — WooCommerce JSON ↔ :mod:`adapter.records`.
"""

from __future__ import annotations

from adapter.eshop.woocommerce.api import API, PER_PAGE
from adapter.eshop.woocommerce.auth import make_authorizer, oauth_params, oauth_signature, shop_base_url
from adapter.eshop.woocommerce.connector import PRODUCT_FIELDS, WooCommerce

__all__ = [
    "API",
    "PER_PAGE",
    "PRODUCT_FIELDS",
    "WooCommerce",
    "make_authorizer",
    "oauth_params",
    "oauth_signature",
    "shop_base_url",
]
