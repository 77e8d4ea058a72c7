"""Czech labels of the EU sales settings (``[vat]``, ``[currency]``, ``[advances]``), merged into :mod:`labels`."""

from __future__ import annotations

EU_TITLES: dict[str, str] = {
    "vat": "DPH: OSS, přenesení daňové povinnosti, vývoz",
    "currency": "Cizí měny a kurzy",
    "advances": "Zálohové faktury",
}

EU_PAGE = ("DPH, měny a zálohy", ("vat", "currency", "advances"))

EU_FIELDS: dict[tuple[str, str], tuple[str, str]] = {
    ("vat", "oss"): ("Režim OSS", "Objednávky spotřebitelů z jiných států EU ponesou DPH země zákazníka (hlavička MOSS). "
                                  "Zapněte po registraci k OSS (nad 10 000 EUR ročně)."),
    ("vat", "home_country"): ("Domovský stát", "Kód země účetní jednotky, obvykle CZ."),
    ("vat", "rates"): ("Sazby DPH zemí EU", "Na řádek ZEMĚ = základní / snížená, druhá snížená, např. SK = 23 / 19, 5. "
                                           "Základní sazba země se v POHODĚ zapíše jako základní, první snížená jako snížená a druhá jako druhá snížená."),
    ("vat", "reverse_charge_text"): ("Text o přenesení daňové povinnosti", "Připojí se k poznámce dokladu pro plátce DPH z EU."),
    ("vat", "rounding"): ("Zaokrouhlení", "line = každá položka na haléře jako POHODA, rozdíl proti e-shopu položkou Zaokrouhlení."),
    ("vat", "classification_reverse_charge"): ("Členění DPH – dodání do EU", "Zkratka členění DPH v POHODĚ, např. UDdodEU."),
    ("vat", "classification_export"): ("Členění DPH – vývoz", "Zkratka členění DPH v POHODĚ pro vývoz mimo EU."),
    ("vat", "classification_oss"): ("Členění DPH – OSS", "Prázdné = POHODA určí členění podle státu OSS."),
    ("vat", "ip_country_meta"): ("Meta klíč země IP adresy", "Meta objednávky se zemí IP adresy zákazníka (důkazní prostředek OSS)."),
    ("vat", "evidence_billing"): ("Důkazní prostředek – adresa", "Zkratka důkazního prostředku OSS „fakturační adresa“ v POHODĚ."),
    ("vat", "evidence_ip"): ("Důkazní prostředek – IP adresa", "Zkratka důkazního prostředku OSS „IP adresa“ v POHODĚ."),
    ("vat", "period_style"): ("Účetní období OSS", "quarter = čtvrtletí (Q4/2026), month = měsíc (2026/12)."),
    ("vat", "vies_check"): ("Ověřovat DIČ ve VIES", "Vypnuto = kontroluje se jen tvar DIČ."),
    ("vat", "vies_url"): ("Adresa služby VIES", "REST služba Evropské komise pro ověření DIČ."),
    ("currency", "source"): ("Zdroj kurzů", "cnb = denní kurzy ČNB (jednou denně, uloženy v evidenci), fixed = jen pevné kurzy."),
    ("currency", "cnb_url"): ("Adresa kurzů ČNB", "Denní kurzový lístek ČNB v textovém formátu."),
    ("currency", "fixed_rates"): ("Pevné kurzy", "Na řádek MĚNA = Kč za jednotku (EUR = 25,30) nebo za množství (HUF = 6,45/100); "
                                                "použijí se, když kurz ČNB není k dispozici."),
    ("advances", "enabled"): ("Zálohové faktury", "Objednávky placené předem dostanou při přenosu zálohovou fakturu."),
    ("advances", "payment_methods"): ("Platební metody se zálohou", "Kódy platebních metod e-shopu, např. bacs (bankovní převod)."),
    ("advances", "tax_document"): ("Daňový doklad k přijaté platbě", "Po zaplacení vystavit i daňový doklad k přijaté platbě."),
    ("advances", "numbering_series"): ("Číselná řada záloh", "Číselná řada zálohových faktur v POHODĚ (nepovinné)."),
}

EU_CHOICE_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("vat", "rounding"): {"line": "po položkách (jako POHODA)"},
    ("vat", "period_style"): {"quarter": "čtvrtletí", "month": "měsíc"},
    ("currency", "source"): {"cnb": "ČNB (denní kurzy)", "fixed": "pevné kurzy"},
}
