"""The "Test připojení" buttons: ask POHODA / the e-shop who they are (the settings page shows the result)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adapter.errors import AdapterError

if TYPE_CHECKING:
    from adapter.config import Settings
    from adapter.sync.context import Connections

log = logging.getLogger(__name__)


@dataclass
class ConnResult:
    """What a connection test found, for the result partial."""

    ok: bool
    facts: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""


def _unexpected(side: str, exc: Exception) -> ConnResult:
    # the type only: messages of foreign exceptions may quote URLs with keys
    log.warning("%s connection test crashed: %s", side, type(exc).__name__)
    return ConnResult(ok=False, error=f"Test skončil neočekávanou chybou ({type(exc).__name__}). Zkontrolujte adresu a zkuste to znovu.")


def check_pohoda(settings: Settings, connections: Connections) -> ConnResult:
    """Ask mServer for its status and the company it serves; compare the IČO."""
    if not settings.pohoda.url:
        return ConnResult(ok=False, error="Vyplňte adresu mServeru, např. http://127.0.0.1:444.")
    client = None
    try:
        client = connections.pohoda(settings)
        status = client.status(company_detail=True)
    except AdapterError as exc:
        return ConnResult(ok=False, error=exc.message)
    except Exception as exc:  # a test button must never crash the page
        return _unexpected("POHODA", exc)
    finally:
        if client is not None:
            client.close()
    result = ConnResult(
        ok=True,
        facts=[
            ("mServer", " ".join(p for p in (status.name, status.server) if p) or "odpovídá"),
            ("Stav", status.status or "neuveden"),
            ("Účetní jednotka", status.company or "neuvedena"),
            ("IČO", status.ico or "neuvedeno"),
            ("Rok", status.year or "neuveden"),
        ],
    )
    if status.processing:
        result.warnings.append(f"mServer právě zpracovává {status.processing} požadavků.")
    if settings.pohoda.ico and status.ico and status.ico != settings.pohoda.ico:
        result.warnings.append(
            f"IČO v nastavení ({settings.pohoda.ico}) neodpovídá účetní jednotce v POHODĚ ({status.ico}). "
            "POHODA by dávky odmítla: opravte IČO, nebo spusťte mServer pro správnou účetní jednotku."
        )
    elif not settings.pohoda.ico:
        result.warnings.append("Vyplňte IČO účetní jednotky" + (f" (POHODA hlásí {status.ico})." if status.ico else "."))
    return result


def check_eshop(settings: Settings, connections: Connections) -> ConnResult:
    """Ask the e-shop for its name and product count."""
    if not (settings.eshop.url and settings.eshop.consumer_key and settings.eshop.consumer_secret):
        return ConnResult(ok=False, error="Vyplňte adresu e-shopu, consumer key a consumer secret.")
    shop = None
    try:
        shop = connections.eshop(settings)
        info = shop.info()
        shop.check_write()  # a harmless write: a read-only key fails here
    except AdapterError as exc:
        return ConnResult(ok=False, error=exc.message)
    except Exception as exc:
        return _unexpected("e-shop", exc)
    finally:
        if shop is not None:
            shop.close()
    facts = [("E-shop", info.name or "bez názvu"), ("Adresa", info.url), ("Produktů", str(info.product_count))]
    facts.append(("Oprávnění klíče", "čtení i zápis"))
    if info.currency:
        facts.append(("Měna", info.currency))
    if info.version:
        facts.append(("Verze", info.version))
    result = ConnResult(ok=True, facts=facts)
    if info.prices_include_tax != settings.stock.price_includes_vat and settings.stock.push_prices:
        result.warnings.append("E-shop zadává ceny " + ("s daní" if info.prices_include_tax else "bez daně")
                               + ", ale nastavení zásob říká opak — opravte „Ceny s DPH“ u Zásob.")
    return result
