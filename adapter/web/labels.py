"""Czech labels and help texts for every settings field, and the settings pages.

One table, so the settings pages are generated from ``config.section_fields``
and a new option needs one line here (a test checks that every field has one).
"""

from __future__ import annotations

from adapter.alerts.settings import FIELD_LABELS as ALERTS_LABELS
from adapter.backup import FIELD_LABELS as BACKUP_LABELS
from adapter.config import AGENDAS
from adapter.mail import FIELD_LABELS as MAIL_LABELS
from adapter.mappings.settings import FIELD_LABELS as MAPPINGS_LABELS
from adapter.web.labels_eu import EU_CHOICE_LABELS, EU_FIELDS, EU_PAGE, EU_TITLES
from adapter.writeback import FIELD_LABELS as WRITEBACK_LABELS

#: section → Czech heading
SECTION_TITLES: dict[str, str] = {
    "pohoda": "POHODA (mServer)",
    "eshop": "E-shop",
    "pairing": "Párování produktů se zásobami",
    "app": "Aplikace",
    "mail": "Odchozí pošta (SMTP)",
    "alerts": "Upozornění e-mailem",
    "backup": "Záloha evidence",
    "mappings": "Nenamapované hodnoty",
    **AGENDAS,
    **EU_TITLES,
}

#: settings page → (Czech title, sections on it)
PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "connections": ("Připojení", ("pohoda", "eshop")),
    **{agenda: (title, (agenda,)) for agenda, title in AGENDAS.items()},
    "other": ("Párování a aplikace", ("pairing", "app")),
    "alerts": ("Upozornění a e-mail", ("mail", "alerts", "backup", "mappings")),
    "eu": EU_PAGE,
}

#: (section, key) → (label, help)
FIELDS: dict[tuple[str, str], tuple[str, str]] = {
    # POHODA
    ("pohoda", "url"): ("Adresa mServeru", "Např. http://127.0.0.1:444. mServer spustíte v POHODĚ: Databáze › POHODA mServer."),
    ("pohoda", "user"): ("Uživatel POHODY", "Uživatel s právem k XML komunikaci a k účetní jednotce."),
    ("pohoda", "password"): ("Heslo uživatele", "Heslo se nikdy nezobrazuje. Prázdné pole = ponechat stávající."),
    ("pohoda", "ico"): ("IČO účetní jednotky", "8 číslic; každá dávka nese IČO a POHODA ji jinou účetní jednotkou odmítne."),
    ("pohoda", "application"): ("Název aplikace", "Jak se adaptér představí POHODĚ (hlavička STW-Application)."),
    ("pohoda", "connect_timeout"): ("Čekání na spojení (s)", "Jak dlouho čekat na navázání spojení s mServerem."),
    ("pohoda", "read_timeout"): ("Čekání na odpověď (s)", "Velké dávky a exporty zásob mohou trvat i minuty."),
    ("pohoda", "pull_user"): (
        "Uživatel pro stahování z POHODY",
        "Přihlašovací jméno, které zadáte v POHODĚ u „Obecného internetového obchodu“. Prázdné = adresy pro POHODU jsou vypnuté.",
    ),
    ("pohoda", "pull_password"): ("Heslo pro stahování z POHODY", "Heslo se nikdy nezobrazuje. Prázdné pole = ponechat stávající."),
    # e-shop
    ("eshop", "platform"): ("Platforma e-shopu", "Zatím je podporován WooCommerce (REST API v3)."),
    ("eshop", "url"): ("Adresa e-shopu", "Např. https://www.obchod.cz (bez /wp-json)."),
    ("eshop", "consumer_key"): (
        "Consumer key",
        "Klíč API z WooCommerce › Nastavení › Pokročilé › REST API (oprávnění Číst/Zapisovat); začíná ck_.",
    ),
    ("eshop", "consumer_secret"): ("Consumer secret", "Tajný klíč (cs_…) se nikdy nezobrazuje. Prázdné pole = ponechat stávající."),
    ("eshop", "verify_tls"): ("Ověřovat certifikát HTTPS", "Vypínejte jen pro testovací e-shop s vlastním certifikátem."),
    ("eshop", "query_string_auth"): (
        "Klíče v adrese požadavku",
        "Zapněte, pokud hosting zahazuje hlavičku Authorization (WooCommerce pak hlásí 401).",
    ),
    ("eshop", "timeout"): ("Čekání na e-shop (s)", "Jak dlouho čekat na odpověď e-shopu."),
    # pairing
    ("pairing", "case_sensitive"): ("Rozlišovat velká a malá písmena", "Vypnuto: SKU „abc-1“ se spáruje s kódem „ABC-1“."),
    ("pairing", "ean_fallback"): ("Párovat podle EAN", "Když SKU nenajde zásobu, zkusit EAN."),
    # app
    ("app", "login_on_loopback"): (
        "Přihlášení i na tomto počítači",
        "Vypnuto: na počítači s adaptérem se nikdo nepřihlašuje; z jiných počítačů v síti vždy ano.",
    ),
    ("app", "session_hours"): ("Délka přihlášení (hodiny)", "Po této době je třeba se přihlásit znovu."),
    ("app", "lan_https"): ("HTTPS v síti", "Při spuštění pro síť (--host) šifrovat spojení. Vypněte jen za vlastní "
                           "reverzní proxy s HTTPS (pak ale čtěte v README, kdy proxy ruší důvěru „tento počítač“)."),
    ("app", "tls_cert"): ("Vlastní certifikát (PEM)", "Cesta k souboru certifikátu; prázdné = adaptér si vytvoří vlastní "
                          "a jeho otisk ukáže zde i v konzoli."),
    ("app", "tls_key"): ("Klíč certifikátu (PEM)", "Cesta k soukromému klíči k vlastnímu certifikátu."),
    # orders
    ("orders", "transfer_statuses"): (
        "Stavy objednávek k přenosu",
        "Kódy stavů WooCommerce oddělené čárkou (seznam kódů níže). Objednávka v jiném stavu čeká.",
    ),
    ("eshop", "parallel_requests"): (
        "Souběžné požadavky",
        "Kolik požadavků smí adaptér poslat e-shopu najednou při načítání produktů a zápisu zásob (1 až 16). "
        "Pokud hosting e-shopu hlásí přetížení (HTTP 429), nastavte 1.",
    ),
    ("products", "price_type"): (
        "Typ ceny",
        "Typ ceny (cenová skupina) nových zásob v POHODĚ, např. SK. POHODA jej při založení karty vyžaduje spolu s členěním skladu.",
    ),
    ("orders", "currency_rates"): (
        "Kurzy cizích měn",
        "Pevné kurzy pro objednávky v cizí měně: na každý řádek „EUR = 25,30“ (Kč za 1 jednotku) "
        "nebo „HUF = 6,45/100“ (Kč za 100 jednotek). Objednávka v měně bez kurzu počká s důvodem „chybí kurz“.",
    ),
    ("orders", "rate_meta_key"): (
        "Kurz z objednávky (meta)",
        "Meta pole objednávky, ve kterém e-shop ukládá kurz (Kč za 1 jednotku měny). Má přednost před pevnými kurzy.",
    ),
    ("orders", "transfer_meta_key"): (
        "Příznak k přenosu (meta)",
        "Je-li vyplněn, přenáší se objednávky s tímto meta polem místo podle stavu.",
    ),
    ("orders", "reserve_stock"): ("Rezervovat zásoby", "Objednávka v POHODĚ rezervuje zboží na skladě."),
    ("orders", "numbering"): ("Číslování objednávek", "Podle číselné řady POHODY, nebo převzít číslo z e-shopu."),
    ("orders", "numbering_series"): ("Číselná řada", "Zkratka číselné řady v POHODĚ; prázdné = výchozí."),
    ("orders", "store"): ("Sklad", "Zkratka skladu pro skladové položky; prázdné = sklad zásoby."),
    ("orders", "batch_size"): ("Velikost dávky", "Kolik dokladů poslat v jednom požadavku (1–500)."),
    ("orders", "vat_rates"): (
        "Sazby DPH",
        "Řádek „sazba v e-shopu (%) = kód sazby DPH v POHODĚ“, např. 21 = kód základní sazby (kódy níže).",
    ),
    ("orders", "payment_map"): ("Formy úhrady", "Řádek „platební metoda e-shopu = forma úhrady v POHODĚ“, např. cod = dobírka."),
    ("orders", "carrier_map"): ("Dopravci", "Řádek „způsob dopravy e-shopu = dopravce v POHODĚ“."),
    ("orders", "transferred_status"): ("Stav po přenosu", "Volitelně nastavit objednávce v e-shopu tento stav po úspěšném přenosu."),
    ("orders", "transfer_note"): (
        "Poznámka o přenosu",
        "Soukromá poznámka „Přeneseno do POHODY jako objednávka …“ u každé přenesené objednávky (jeden požadavek "
        "na e-shop navíc za objednávku). Automaticky = jen když e-shop nemá doplněk POHODA adaptér; doplněk ukazuje "
        "číslo z POHODY přímo na objednávce.",
    ),
    ("orders", "recheck_days"): ("Úplná kontrola (dní)", "Úplná kontrola projde objednávky za tolik posledních dní."),
    ("orders", "overlap_minutes"): ("Překryv (minuty)", "Přírůstkový běh se vrací o tolik minut zpět, aby nic nevypadlo."),
    # invoices
    ("invoices", "mode"): (
        "Způsob vystavení",
        "Z přenesené objednávky (POHODA vyskladní zboží), nebo samostatně s textovými položkami (POHODA zásoby NEpohne).",
    ),
    ("invoices", "invoice_statuses"): ("Stavy objednávek k fakturaci", "Kódy stavů WooCommerce oddělené čárkou (seznam kódů níže)."),
    ("invoices", "due_days"): ("Splatnost (dní)", "Datum splatnosti = datum vystavení + tolik dní."),
    ("invoices", "numbering_series"): ("Číselná řada", "Zkratka číselné řady faktur v POHODĚ; prázdné = výchozí."),
    ("invoices", "batch_size"): ("Velikost dávky", "Kolik faktur poslat v jednom požadavku (1–500)."),
    # stock
    ("stock", "quantity"): ("Množství do e-shopu", "Dostupné = stav − rezervace; fyzické = stav zásoby."),
    ("stock", "stores"): ("Sklady", "Zkratky skladů oddělené čárkou, jejichž stavy se sčítají; prázdné = všechny."),
    ("stock", "internet_only"): ("Jen zásoby „Internet“", "Posílat jen zásoby označené v POHODĚ příznakem Internet."),
    ("stock", "push_prices"): ("Posílat i ceny", "Prodejní ceny z POHODY se zapíší do e-shopu."),
    ("stock", "price_includes_vat"): ("Ceny s DPH", "Musí odpovídat nastavení e-shopu „ceny zadávány s daní“."),
    ("stock", "price_level"): ("Cenová hladina", "Název cenové hladiny v POHODĚ; prázdné = prodejní cena zásoby."),
    ("stock", "action_prices"): ("Akční ceny", "Akční ceny z POHODY se stanou zlevněnými cenami v e-shopu."),
    ("stock", "nightly_full"): ("Noční úplná kontrola", "Jednou za noc porovnat všechny zásoby, nejen změněné."),
    ("stock", "nightly_hour"): ("Hodina noční kontroly", "0–23 (místní čas)."),
    ("stock", "overlap_minutes"): ("Překryv (minuty)", "Přírůstkový běh se vrací o tolik minut zpět."),
    ("stock", "page_size"): ("Zásob v jednom požadavku", "Velikost stránky exportu zásob z mServeru."),
    # products
    ("products", "update_existing"): ("Aktualizovat existující zásoby", "Přepsat i název, cenu a EAN zásob, které už v POHODĚ jsou."),
    ("products", "create_all_unpaired"): (
        "Zakládat všechny nespárované produkty",
        "Pozor: Synchronizovat pak založí zásobu pro každý produkt bez zásoby v POHODĚ, i pro překlep v SKU "
        "(objednávka s ním pak projde na prázdnou zásobu). Vypnuto = jen produkty zaškrtnuté v Párování.",
    ),
    ("products", "store"): ("Sklad", "Zkratka skladu pro nové zásoby."),
    ("products", "storage"): ("Členění skladu", "Volitelně uzel členění skladu pro nové zásoby."),
    ("products", "unit"): ("Měrná jednotka", "Např. ks."),
    ("products", "is_internet"): ("Příznak Internet", "Nové zásoby označit v POHODĚ příznakem Internet."),
    ("products", "price_includes_vat"): ("Ceny s DPH", "Ceny v e-shopu jsou zadávány s daní."),
    ("products", "initial_quantity"): (
        "Počáteční stav příjemkou",
        "Stav skladu z e-shopu přenést jednorázově jako příjemku (zásoba samotná množství nenese).",
    ),
    # customers
    ("customers", "to_pohoda"): ("Zákazníci do POHODY", "Zákazníky e-shopu zapisovat do Adresáře (podle IČO / externího ID)."),
    ("customers", "to_eshop"): ("Adresář do e-shopu", "Adresy z POHODY zakládat jako zákazníky e-shopu (párování podle e-mailu). Pozor: WooCommerce novému zákazníkovi obvykle pošle e-mail o založení účtu."),
    ("customers", "guests_with_ico"): ("I hosté s IČO", "Také fakturační adresy objednávek bez účtu, které nesou IČO."),
    ("customers", "user_filter"): ("Uživatelský filtr", "Název uživatelského filtru v POHODĚ, který omezí adresy posílané do e-shopu."),
    ("customers", "master"): ("Při změně na obou stranách vyhrává", "Která strana má přednost, když se adresa změnila v obou systémech."),
    # payments
    ("payments", "tolerance"): ("Tolerance (Kč)", "Zbývá-li k úhradě nejvýše tato částka, faktura se bere jako zaplacená."),
    ("payments", "paid_status"): ("Stav zaplacené objednávky", "Stav WooCommerce, který objednávka dostane po zaplacení."),
    ("payments", "awaiting_statuses"): ("Stavy čekající na platbu", "Kódy stavů oddělené čárkou; jen objednávky v těchto stavech se označí jako zaplacené."),
    ("payments", "max_upload_mb"): ("Největší nahrávaný soubor (MB)", "Limit pro nahrání exportu faktur z POHODY."),
    ("payments", "overlap_minutes"): ("Překryv (minuty)", "Přírůstkový běh se vrací o tolik minut zpět."),
    # refunds (Dobropisy a storna)
    ("refunds", "cancel_statuses"): ("Stavy zrušené objednávky", "Kódy stavů WooCommerce oddělené čárkou, které znamenají zrušení (seznam kódů níže)."),
    ("refunds", "on_cancel"): ("Zrušená objednávka v POHODĚ", "Smazat přijatou objednávku, dokud není vyfakturovaná ani vyřízená, nebo ji jen vypsat k ručnímu vyřízení."),
    ("refunds", "number_series"): ("Číselná řada dobropisů", "Zkratka číselné řady dobropisů (opravných daňových dokladů) v POHODĚ; prázdné = výchozí."),
    ("refunds", "accounting"): ("Předkontace", "Zkratka předkontace dobropisu v POHODĚ; prázdné = výchozí."),
    ("refunds", "text"): ("Text dobropisu", "{number} = číslo objednávky z e-shopu."),
    ("refunds", "return_store"): ("Sklad pro vrácené zboží", "Vyplněno: položky dobropisu jsou skladové a POHODA vrácené zboží naskladní do tohoto skladu. Prázdné: textové položky, zásoby se nepohnou."),
    ("refunds", "batch_size"): ("Velikost dávky", "Kolik dobropisů poslat v jednom požadavku (1–500)."),
    ("refunds", "link_mode"): ("Vazba na fakturu", "Opravný doklad k faktuře (inv:correctiveDocument), nebo jen číslo faktury jako párový symbol."),
    ("refunds", "sign_mode"): ("Znaménko dobropisu", "Záporné množství (výchozí), nebo záporná cena položky."),
    **EU_FIELDS,
}

#: fields every agenda has
COMMON: dict[str, tuple[str, str]] = {
    "enabled": ("Zapnuto", "Agenda se zobrazuje na přehledu a spouští ji plánovač."),
    "schedule_minutes": ("Spouštět automaticky každých (minut)", "0 = jen ručně, záložkou nebo Plánovačem úloh Windows."),
}

#: Czech names of enumerated values
CHOICE_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("eshop", "platform"): {"woocommerce": "WooCommerce"},
    ("orders", "numbering"): {"pohoda": "číselná řada POHODY", "eshop": "číslo objednávky z e-shopu"},
    ("orders", "transfer_note"): {"auto": "automaticky (jen bez doplňku POHODA adaptér)", "always": "vždy",
                                  "never": "nikdy"},
    ("invoices", "mode"): {"linked": "z přenesené objednávky (pohyb zásob)", "standalone": "samostatně, textové položky"},
    ("stock", "quantity"): {"available": "dostupné (stav − rezervace)", "physical": "fyzický stav"},
    ("customers", "master"): {"pohoda": "POHODA", "eshop": "e-shop"},
    ("mail", "security"): {"starttls": "STARTTLS (port 587)", "tls": "TLS (port 465)", "none": "bez šifrování"},
    ("mappings", "unmapped"): {"hold": "objednávka počká", "default": "odeslat s výchozí hodnotou"},
    ("refunds", "on_cancel"): {"delete": "smazat, dokud to jde (jinak vypsat)", "list": "jen vypsat"},
    ("refunds", "link_mode"): {"corrective": "opravný doklad k faktuře", "text": "číslo faktury jako párový symbol"},
    ("refunds", "sign_mode"): {"quantity": "záporné množství", "price": "záporná cena"},
    **EU_CHOICE_LABELS,
}
FIELDS.update({**MAIL_LABELS, **ALERTS_LABELS, **BACKUP_LABELS, **MAPPINGS_LABELS, **WRITEBACK_LABELS})


#: settings holding WooCommerce statuses: codes in the file, Czech names on the page
STATUS_FIELDS: frozenset[tuple[str, str]] = frozenset({
    ("orders", "transfer_statuses"), ("orders", "transferred_status"), ("invoices", "invoice_statuses"),
    ("payments", "paid_status"), ("payments", "awaiting_statuses"), ("refunds", "cancel_statuses"),
    ("states", "status_map"),
})
#: settings holding POHODA's VAT rate codes: the codes with their Czech names beside the field
VAT_CODE_FIELDS: frozenset[tuple[str, str]] = frozenset({("orders", "vat_rates")})
#: of those, the ones with one status: a select of the Czech names ("" = leave the status alone)
SINGLE_STATUS_FIELDS: dict[tuple[str, str], str] = {
    ("orders", "transferred_status"): "— stav neměnit —",
    ("payments", "paid_status"): "",
}


def field_label(section: str, key: str) -> tuple[str, str]:
    """(label, help) for one field."""
    if (section, key) in FIELDS:
        return FIELDS[(section, key)]
    if key in COMMON:
        return COMMON[key]
    return key, ""
