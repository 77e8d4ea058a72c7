"""The real connections a job uses: an mServer client and the e-shop connector.

Built from Settings on demand; tests and demo mode use exactly these against
the emulators, so nothing here is faked.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapter.config import Settings
from adapter.errors import SettingsError
from adapter.eshop.base import Eshop, EshopConnection, connect
from adapter.pohoda.client import MServerClient


def eshop_connection(settings: Settings) -> EshopConnection:
    """The e-shop connection described by the settings (their sections passed as they are)."""
    return EshopConnection(settings.eshop, settings.orders, settings.payments)


@dataclass(frozen=True)
class DefaultConnections:
    """Builds real clients from settings."""

    def pohoda(self, settings: Settings) -> MServerClient:
        """An mServer client; missing settings give a Czech SettingsError."""
        p = settings.pohoda
        missing = [name for name, value in (("adresa", p.url), ("uživatel", p.user), ("IČO", p.ico)) if not value]
        if missing:
            raise SettingsError(
                "Připojení k POHODĚ není nastavené (chybí: " + ", ".join(missing) + "). Vyplňte je v Nastavení › Připojení."
            )
        return MServerClient(
            p.base_url,
            p.user,
            p.password,
            p.ico,
            application=p.application,
            connect_timeout=p.connect_timeout,
            read_timeout=p.read_timeout,
        )

    def eshop(self, settings: Settings) -> Eshop:
        """The configured e-shop connector; missing settings give a Czech SettingsError."""
        if not settings.eshop_configured:
            raise SettingsError(
                "Připojení k e-shopu není nastavené (adresa a klíče API). Vyplňte je v Nastavení › Připojení."
            )
        return connect(eshop_connection(settings))


def default_connections() -> DefaultConnections:
    """The connections the app uses outside tests that inject their own."""
    return DefaultConnections()
