"""Building e-shop connections in tests from flat keyword arguments; counting requests in flight."""

from __future__ import annotations

import threading
from dataclasses import fields
from typing import Any

import pytest

from adapter.config import EshopSettings, OrdersSettings, PaymentsSettings
from adapter.eshop._http import JsonHttp
from adapter.eshop.base import EshopConnection

_SECTIONS = {"shop": EshopSettings, "orders": OrdersSettings, "payments": PaymentsSettings}


def connection(url: str, key: str, secret: str, **kw: Any) -> EshopConnection:
    """A WooCommerce connection; each keyword goes to the settings section that declares it, else to the
    connection's own tuning (``timeout_read`` is ``[eshop] timeout``, ``order_overlap_seconds`` whole minutes
    of ``[orders] overlap_minutes``)."""
    if "timeout_read" in kw:
        kw["timeout"] = kw.pop("timeout_read")
    if "order_overlap_seconds" in kw:
        seconds = kw.pop("order_overlap_seconds")
        assert seconds % 60 == 0, "the overlap is configured in whole minutes"
        kw["overlap_minutes"] = seconds // 60
    parts: dict[str, dict[str, Any]] = {name: {} for name in _SECTIONS}
    for name, section in _SECTIONS.items():
        for f in fields(section):
            if f.name in kw:
                parts[name][f.name] = kw.pop(f.name)
    shop = EshopSettings(**{"platform": "woocommerce", "url": url, "consumer_key": key, "consumer_secret": secret,
                            **parts["shop"]})
    return EshopConnection(shop, OrdersSettings(**parts["orders"]), PaymentsSettings(**parts["payments"]), **kw)


def in_flight_peaks(monkeypatch: pytest.MonkeyPatch, wanted: str) -> dict[str, int]:
    """Record how many requests whose path contains ``wanted`` were in flight at once (client side)."""
    state = {"now": 0, "peak": 0, "calls": 0}
    lock = threading.Lock()
    send = JsonHttp._send

    def counting(self: JsonHttp, method: str, path: str, *args: Any) -> Any:
        if wanted not in path:
            return send(self, method, path, *args)
        with lock:
            state["now"] += 1
            state["calls"] += 1
            state["peak"] = max(state["peak"], state["now"])
        try:
            return send(self, method, path, *args)
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(JsonHttp, "_send", counting)
    return state
