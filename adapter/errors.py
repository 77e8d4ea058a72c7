"""The adapter's error hierarchy.

Every error carries a Czech message for the user that says what happened and
what to do. The message defaults to the class docstring, so most subclasses
are a single line (the fava ``FavaAPIError`` pattern). Errors with parameters
format their message in ``__init__``.
"""

from __future__ import annotations


class AdapterError(Exception):
    """Nastala chyba adaptéru."""

    #: retrying later may help (busy server, timeout, network)
    transient: bool = False

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        self.message = message or (self.__doc__ or type(self).__name__).strip()
        #: technical detail for logs and the ledger (never a secret)
        self.detail = detail
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class SettingsError(AdapterError):
    """Nastavení je neplatné. Opravte je na stránce Nastavení."""


# --------------------------------------------------------------------------- POHODA


class PohodaError(AdapterError):
    """Komunikace s POHODOU selhala."""


class MServerUnavailable(PohodaError):
    """mServer neběží nebo není dostupný — spusťte jej v POHODĚ: Databáze › POHODA mServer a zkontrolujte adresu v Nastavení › Připojení."""

    transient = True


class MServerBusy(PohodaError):
    """mServer je zaneprázdněný nebo neodpověděl včas. Adaptér to zkusí znovu; pokud potíže trvají, zkontrolujte, zda POHODA neprovádí údržbu nebo zálohu."""

    transient = True


class MServerAuthError(PohodaError):
    """POHODA odmítla přihlášení. Zkontrolujte jméno a heslo uživatele mServeru v Nastavení › Připojení a jeho práva v POHODĚ (Nastavení › Přístupová práva)."""


class MServerForbidden(PohodaError):
    """Uživatel nemá přístup k této účetní jednotce. V POHODĚ mu přidělte práva k účetní jednotce a k XML komunikaci."""


class MServerHtmlAnswer(PohodaError):
    """mServer odpověděl HTML stránkou místo XML — obvykle chybí práva uživatele k XML importu nebo je agenda zamčená jinou instancí POHODY. Zkontrolujte práva uživatele a zavřete zamčenou agendu."""


class MServerBadUrl(PohodaError):
    """Na zadané adrese neodpovídá POHODA mServer (chybná cesta nebo port). Zadejte adresu ve tvaru http://127.0.0.1:444."""


class PackError(PohodaError):
    """POHODA odmítla celou dávku."""

    def __init__(self, note: str, *, detail: str = "") -> None:
        self.note = note
        super().__init__(
            f"POHODA odmítla celou dávku: {note or 'bez udání důvodu'}. Odstraňte příčinu uvedenou POHODOU "
            "(např. práva uživatele k XML importu, zamčenou agendu nebo uzavřené účetní období) a spusťte "
            "synchronizaci znovu; nic z dávky se neuložilo dvakrát.",
            detail=detail,
        )


class IcoMismatch(PohodaError):
    """IČO v nastavení neodpovídá účetní jednotce, kterou obsluhuje mServer."""

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(
            f"IČO v nastavení ({expected}) neodpovídá účetní jednotce v POHODĚ ({found or 'neznámé'}). "
            "Opravte IČO v Nastavení › Připojení, nebo spusťte mServer pro správnou účetní jednotku."
        )


class ResponseParseError(PohodaError):
    """Odpověď POHODY nelze přečíst (poškozené nebo neočekávané XML). Zkuste akci zopakovat; pokud chyba trvá, pošlete záznam z historie běhů podpoře."""


# --------------------------------------------------------------------------- e-shop


class EshopError(AdapterError):
    """Komunikace s e-shopem selhala."""


class EshopUnavailable(EshopError):
    """E-shop není dostupný (síť, DNS nebo server neodpovídá). Zkontrolujte adresu e-shopu a připojení k internetu; adaptér to zkusí znovu."""

    transient = True


class EshopRateLimited(EshopError):
    """E-shop omezil počet požadavků (HTTP 429). Adaptér počká a zkusí to znovu."""

    transient = True


class EshopServerError(EshopError):
    """E-shop vrátil chybu serveru (HTTP 5xx). Adaptér to zkusí znovu; pokud chyba trvá, kontaktujte správce e-shopu."""

    transient = True


class EshopAuthError(EshopError):
    """E-shop odmítl klíče API (HTTP 401). Vytvořte nové klíče ve WooCommerce › Nastavení › Pokročilé › REST API (oprávnění Číst/Zapisovat) a vložte je do Nastavení › Připojení."""


class EshopForbidden(EshopError):
    """Klíč API nemá potřebné oprávnění (HTTP 403). Ve WooCommerce nastavte klíči oprávnění Číst/Zapisovat."""


class EshopNotFound(EshopError):
    """Adresa API e-shopu nebyla nalezena (HTTP 404). Zkontrolujte adresu e-shopu a ve WordPressu nastavte Trvalé odkazy jinak než „Základní“ (Plain)."""


class EshopBadAnswer(EshopError):
    """E-shop neodpověděl platnými daty (místo JSON přišla např. přihlašovací stránka nebo stránka firewallu). Zkontrolujte adresu e-shopu a bezpečnostní pluginy."""


class EshopRejected(EshopError):
    """E-shop požadavek odmítl."""


# --------------------------------------------------------------------------- files


class ImportFileError(AdapterError):
    """Soubor nelze načíst."""
