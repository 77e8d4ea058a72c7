"""The two shops a contract test runs against, behind one small interface.

A :class:`Side` is either the WooCommerce emulator (seeded like the real shop: catalogue
``seed=1, size=40``, so the SKUs are the same) or the real WordPress + WooCommerce (reset to
its seeded state, in the posts or the HPOS order storage). Tests talk to both through
:class:`~tests.contract.client.RestClient` and the connector, never through either shop's insides,
except through the few helpers here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adapter.emulators.woocommerce import WooEmulator
from tests.contract.client import RestClient
from tests.realshop.shop import CK, CS, RO_CK, RO_CS, RealShop


@dataclass
class Side:
    """One shop under contract: where it is, its keys, and what it is."""

    name: str  #: "emulator", "real-posts" or "real-hpos"
    api_url: str
    ck: str
    cs: str
    ro_ck: str
    ro_cs: str
    emulator: WooEmulator | None = None
    real: RealShop | None = None

    @property
    def site_url(self) -> str:
        return self.api_url.split("/wp-json/")[0]

    @property
    def storage(self) -> str:
        """The order storage: the emulator behaves like the legacy posts storage."""
        return "hpos" if self.name == "real-hpos" else "posts"

    def client(self, *, read_only: bool = False) -> RestClient:
        if read_only:
            return RestClient(self.api_url, self.ro_ck, self.ro_cs)
        return RestClient(self.api_url, self.ck, self.cs)


def emulator_side(folder: Path) -> Side:
    """A started emulator seeded like the real shop; the caller stops ``side.emulator``."""
    emu = WooEmulator(folder, key=CK, secret=CS, seed=1, seed_products=40, seed_orders=11,
                      read_only_key=(RO_CK, RO_CS))
    emu.start()
    return Side("emulator", emu.url + "/wp-json/wc/v3/", CK, CS, RO_CK, RO_CS, emulator=emu)


def real_side(shop: RealShop, storage: str = "posts") -> Side:
    """The real shop, reset to its seeded state in ``storage``."""
    shop.set_storage(storage)
    return Side(f"real-{storage}", shop.api_url, shop.ck, shop.cs, shop.ro_ck, shop.ro_cs, real=shop)
