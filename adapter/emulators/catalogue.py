"""One realistic Czech catalogue, shared by the mServer and WooCommerce emulators.

With the same ``seed`` and ``size`` both emulators see the same goods: POHODA
holds the stock cards, the shop the products. Most shop SKUs equal POHODA
codes; a known few do not (``expected`` says how many of each kind), so the
pairing report and the tests can check their counts against the seed.

Shape of the shop side, derived from the cards:

* most cards are simple products with ``sku == code``;
* about 10 % of cards are grouped (2–4 at a time) as variations of a
  variable product whose parent has no SKU of its own;
* ``pohoda_only`` cards are not in the shop at all;
* ``shop_unknown`` products carry a SKU POHODA does not know;
* ``shop_no_sku`` products have no SKU;
* ``shop_duplicate`` products repeat the SKU of another product (a conflict);
* a few cards sit in two warehouses (one code, several stores).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import Any, Literal

STORES = ("HLAVNI", "PRODEJNA", "EXPEDICE")
STORAGE_NODES = ("Zboží/Kuchyně", "Zboží/Zahrada", "Zboží/Dílna", "Zboží/Domácnost", "Zboží/Hračky")
VAT_PERCENT = {"high": Decimal(21), "low": Decimal(12), "none": Decimal(0)}

_NOUNS = [
    ("Hrnek", "Kuchyně"), ("Konvice", "Kuchyně"), ("Pánev", "Kuchyně"), ("Kastrol", "Kuchyně"),
    ("Prkénko", "Kuchyně"), ("Nůž", "Kuchyně"), ("Struhadlo", "Kuchyně"), ("Sklenice", "Kuchyně"),
    ("Konev", "Zahrada"), ("Hrábě", "Zahrada"), ("Rýč", "Zahrada"), ("Květináč", "Zahrada"),
    ("Zahradní hadice", "Zahrada"), ("Sekačka", "Zahrada"), ("Nůžky na živý plot", "Zahrada"),
    ("Kladivo", "Dílna"), ("Šroubovák", "Dílna"), ("Vrtačka", "Dílna"), ("Pilka", "Dílna"),
    ("Kleště", "Dílna"), ("Svinovací metr", "Dílna"), ("Žárovka", "Domácnost"), ("Ručník", "Domácnost"),
    ("Povlečení", "Domácnost"), ("Polštář", "Domácnost"), ("Deka", "Domácnost"), ("Svíčka", "Domácnost"),
    ("Stavebnice", "Hračky"), ("Plyšový méďa", "Hračky"), ("Dřevěné kostky", "Hračky"), ("Puzzle", "Hračky"),
]
_ADJECTIVES = [
    "keramický", "nerezový", "smaltovaný", "dřevěný", "skleněný", "bavlněný", "lněný", "ocelový",
    "ruční", "zahradní", "dětský", "velký", "malý", "žlutý", "zelený", "červený", "modrý", "černý",
    "bílý", "šedý", "úsporný", "skládací", "prémiový", "klasický", "moderní", "český",
]
_VARIANT_AXES = [
    ("velikost", ["S", "M", "L", "XL"]),
    ("barva", ["červená", "modrá", "zelená", "žlutá"]),
    ("objem", ["0,3 l", "0,5 l", "1 l", "1,5 l"]),
]
_UNITS = ["ks", "ks", "ks", "ks", "bal", "sada", "m"]


@dataclass(frozen=True, slots=True)
class CatalogueCard:
    """A POHODA stock card as the mServer emulator seeds it."""

    id: int
    code: str
    ean: str
    name: str
    unit: str
    vat_rate: Literal["high", "low", "none"]
    price_excl: Decimal  #: selling price without VAT (POHODA default)
    price_incl: Decimal  #: the same with VAT, rounded to haléře
    stores: tuple[tuple[str, Decimal], ...]  #: (warehouse code, quantity)
    storage: str
    is_internet: bool
    in_shop: bool


@dataclass(frozen=True, slots=True)
class CatalogueProduct:
    """An e-shop product or variation as the WooCommerce emulator seeds it."""

    key: int  #: 1-based position; the emulator uses it as the product id
    kind: Literal["simple", "variable", "variation"]
    name: str
    sku: str  #: "" for no SKU
    ean: str
    regular_price: Decimal  #: with VAT, as Czech shops show prices
    stock: int
    tax_class: str  #: "" (standard 21 %), "reduced-rate" (12 %), "zero-rate"
    parent_key: int | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    pohoda_code: str | None = None  #: the card it corresponds to, if any
    role: Literal["paired", "unknown", "no_sku", "duplicate", "parent"] = "paired"


@dataclass(frozen=True, slots=True)
class Expected:
    """Counts a consumer can assert against."""

    cards: int
    pohoda_only: int
    shop_unknown: int
    shop_no_sku: int
    shop_duplicate: int
    multi_store_cards: int
    variable_parents: int
    variations: int
    paired_codes: int  #: cards whose code exists as a shop SKU (duplicates counted once)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Everything both emulators seed from."""

    seed: int
    cards: tuple[CatalogueCard, ...]
    products: tuple[CatalogueProduct, ...]
    expected: Expected
    unknown_skus: tuple[str, ...] = field(default=())
    duplicate_skus: tuple[str, ...] = field(default=())


def _ean13(rng: random.Random) -> str:
    digits = [2, 0, *map(int, f"{rng.randrange(10**10):010d}")]  # 20–29: in-store numbering range
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _tax_class(rate: str) -> str:
    return {"high": "", "low": "reduced-rate", "none": "zero-rate"}[rate]


def generate(seed: int = 1, size: int = 200) -> Catalogue:
    """Build the catalogue for ``seed`` with ``size`` POHODA stock cards.

    Deterministic: the same arguments give the same catalogue in every
    process, which is how the two emulators agree without talking. Small
    catalogues are cached (tests build them often); big ones are not, so a
    100,000-card catalogue does not stay in memory for the life of a process.
    """
    if size <= 20_000:
        return _generate_cached(seed, size)
    return _generate(seed, size)


@lru_cache(maxsize=16)
def _generate_cached(seed: int, size: int) -> Catalogue:
    return _generate(seed, size)


@dataclass(frozen=True, slots=True)
class _Quotas:
    """How many of each special kind a catalogue of ``size`` cards gets."""

    pohoda_only: int
    unknown: int
    no_sku: int
    duplicate: int
    multi_store: int

    @classmethod
    def for_size(cls, size: int) -> _Quotas:
        return cls(
            pohoda_only=max(1, size // 50),  # 2 %
            unknown=max(1, size // 100),  # 1 %
            no_sku=max(1, size // 200),
            duplicate=max(1, size // 250),
            multi_store=max(1, size // 40),
        )


@dataclass(slots=True)
class _ProductList:
    """Shop products as they are appended, with the running key and the variant counts."""

    items: list[CatalogueProduct] = field(default_factory=list)
    key: int = 0
    variable_parents: int = 0
    variations: int = 0

    def add(self, **fields: Any) -> CatalogueProduct:
        """Append a product with the next key."""
        self.key += 1
        product = CatalogueProduct(key=self.key, **fields)
        self.items.append(product)
        return product


def _generate(seed: int, size: int) -> Catalogue:
    rng = random.Random(seed * 1_000_003 + size)
    quotas = _Quotas.for_size(size)
    cards = [_card(rng, i) for i in range(size)]
    _keep_some_out_of_shop(cards, quotas)
    _add_second_stores(rng, cards, quotas)
    products = _ProductList()
    _shop_products(rng, [c for c in cards if c.in_shop], products)
    unknown_skus = _unknown_products(rng, seed, quotas.unknown, products)
    _no_sku_products(quotas.no_sku, products)
    duplicate_skus = _duplicate_products(quotas.duplicate, products)
    expected = Expected(
        cards=size,
        pohoda_only=quotas.pohoda_only,
        shop_unknown=quotas.unknown,
        shop_no_sku=quotas.no_sku,
        shop_duplicate=quotas.duplicate,
        multi_store_cards=sum(1 for c in cards if len(c.stores) > 1),
        variable_parents=products.variable_parents,
        variations=products.variations,
        paired_codes=len({p.sku for p in products.items if p.pohoda_code}),
    )
    return Catalogue(
        seed=seed,
        cards=tuple(cards),
        products=tuple(products.items),
        expected=expected,
        unknown_skus=tuple(unknown_skus),
        duplicate_skus=tuple(duplicate_skus),
    )


def _card(rng: random.Random, i: int) -> CatalogueCard:
    """Stock card number ``i + 1``, in the shop, in one warehouse."""
    noun, node = _NOUNS[rng.randrange(len(_NOUNS))]
    adj = _ADJECTIVES[rng.randrange(len(_ADJECTIVES))]
    rate = rng.choices(("high", "low", "none"), weights=(85, 12, 3))[0]
    price_excl = _money(Decimal(rng.randrange(1900, 899900)) / 100)
    price_incl = _money(price_excl * (1 + VAT_PERCENT[rate] / 100))
    main_store = STORES[0] if rng.random() < 0.85 else STORES[2]
    stores: tuple[tuple[str, Decimal], ...] = ((main_store, Decimal(rng.randrange(0, 120))),)
    return CatalogueCard(
        id=i + 1,
        code=f"{node[:3].upper().replace('Ů', 'U').replace('Í', 'I')}{i + 1:06d}",
        ean=_ean13(rng),
        name=f"{noun} {adj} {i + 1}",
        unit=_UNITS[rng.randrange(len(_UNITS))],
        vat_rate=rate,  # type: ignore[arg-type]
        price_excl=price_excl,
        price_incl=price_incl,
        stores=stores,
        storage=f"Zboží/{node}",
        is_internet=True,
        in_shop=True,
    )


def _keep_some_out_of_shop(cards: list[CatalogueCard], quotas: _Quotas) -> None:
    """POHODA-only cards: the last few, also not flagged for the internet half the time."""
    size = len(cards)
    for idx in range(size - quotas.pohoda_only, size):
        cards[idx] = _replace(cards[idx], in_shop=False, is_internet=idx % 2 == 0)


def _add_second_stores(rng: random.Random, cards: list[CatalogueCard], quotas: _Quotas) -> None:
    """Multi-store cards: every seventh card gets a second warehouse with its own quantity."""
    for idx in range(0, quotas.multi_store * 7, 7):
        if idx >= len(cards) - quotas.pohoda_only:
            break
        c = cards[idx]
        cards[idx] = _replace(c, stores=(*c.stores, (STORES[1], Decimal(rng.randrange(0, 30)))))


def _shop_products(rng: random.Random, shop_cards: list[CatalogueCard], products: _ProductList) -> None:
    """One simple product per shop card, except runs of 2–4 cards grouped as a variable product."""
    i = 0
    while i < len(shop_cards):
        force_group = products.variable_parents == 0 and i == 5 and len(shop_cards) >= 20  # small ones get one too
        if (force_group or rng.random() < 0.04) and i + 4 < len(shop_cards):
            group = shop_cards[i : i + rng.randrange(2, 5)]
            _variable_product(rng, group, products)
            i += len(group)
            continue
        card = shop_cards[i]
        products.add(kind="simple", name=card.name, **_paired_with(card))
        i += 1


def _paired_with(card: CatalogueCard) -> dict[str, Any]:
    """The fields a shop product paired with ``card`` takes from it (SKU = code, price with VAT, all stock)."""
    return {
        "sku": card.code,
        "ean": card.ean,
        "regular_price": card.price_incl,
        "stock": int(sum(q for _, q in card.stores)),
        "tax_class": _tax_class(card.vat_rate),
        "pohoda_code": card.code,
    }


def _variable_product(rng: random.Random, group: list[CatalogueCard], products: _ProductList) -> None:
    """A parent without SKU and one variation per card of ``group`` along one attribute axis."""
    axis, values = _VARIANT_AXES[rng.randrange(len(_VARIANT_AXES))]
    base = group[0]
    parent = products.add(
        kind="variable",
        name=base.name.rsplit(" ", 1)[0] + " – více variant",
        sku="",
        ean="",
        regular_price=base.price_incl,
        stock=0,
        tax_class=_tax_class(base.vat_rate),
        role="parent",
    )
    products.variable_parents += 1
    for j, card in enumerate(group):
        products.add(
            kind="variation",
            name=f"{card.name} ({axis}: {values[j]})",
            parent_key=parent.key,
            attributes=((axis, values[j]),),
            **_paired_with(card),
        )
        products.variations += 1


def _unknown_products(rng: random.Random, seed: int, count: int, products: _ProductList) -> list[str]:
    """Shop products whose SKU POHODA does not know; returns their SKUs."""
    skus = []
    for n in range(count):
        sku = f"NEZNAMY-{seed}-{n + 1:04d}"
        skus.append(sku)
        products.add(
            kind="simple", name=f"Novinka bez karty v POHODĚ {n + 1} – čaj Earl Grey",
            sku=sku, ean=_ean13(rng), regular_price=_money(Decimal(rng.randrange(4900, 99900)) / 100),
            stock=rng.randrange(0, 20), tax_class="reduced-rate", role="unknown",
        )
    return skus


def _no_sku_products(count: int, products: _ProductList) -> None:
    """Gift vouchers without a SKU."""
    for n in range(count):
        products.add(
            kind="simple", name=f"Dárkový poukaz {n + 1} (bez kódu)", sku="", ean="",
            regular_price=Decimal(500 * (n + 1)), stock=0, tax_class="", role="no_sku",
        )


def _duplicate_products(count: int, products: _ProductList) -> list[str]:
    """Copies of paired simple products under the same SKU (a conflict); returns the repeated SKUs."""
    simple_paired = [p for p in products.items if p.kind == "simple" and p.role == "paired"]
    skus = []
    for n in range(count):
        original = simple_paired[(n * 37) % len(simple_paired)]
        skus.append(original.sku)
        products.add(
            kind="simple", name=f"{original.name} (duplicitní SKU)", sku=original.sku,
            ean=original.ean, regular_price=original.regular_price, stock=original.stock,
            tax_class=original.tax_class, role="duplicate", pohoda_code=original.sku,
        )
    return skus


def _replace(card: CatalogueCard, **changes: object) -> CatalogueCard:
    from dataclasses import replace

    return replace(card, **changes)  # type: ignore[arg-type]


# Czech customers for orders and the address book, shared for the same reason.

_FIRST = ["Jan", "Petr", "Jana", "Eva", "Tomáš", "Lucie", "Jiří", "Marie", "Pavel", "Kateřina", "Zdeněk", "Věra"]
_LAST = ["Novák", "Svoboda", "Novotná", "Dvořák", "Černá", "Procházka", "Kučerová", "Veselý", "Horák", "Němcová"]
_CITIES = [
    ("Praha 4", "140 00"), ("Brno", "602 00"), ("Ostrava", "702 00"), ("Plzeň", "301 00"),
    ("České Budějovice", "370 01"), ("Hradec Králové", "500 02"), ("Ústí nad Labem", "400 01"),
    ("Olomouc", "779 00"), ("Liberec", "460 01"), ("Žďár nad Sázavou", "591 01"),
]
_STREETS = ["Náměstí Míru", "Husova", "Žižkova", "Masarykova", "Dělnická", "Příční", "Zahradní", "Nádražní"]
_COMPANIES = ["Řeznictví U Bílého koně s.r.o.", "Stavby Šťastný a.s.", "Květinářství Růžička", "Pekárna Čermák s.r.o."]


@dataclass(frozen=True, slots=True)
class CataloguePerson:
    """A customer both systems can know."""

    key: int
    first_name: str
    last_name: str
    email: str
    phone: str
    street: str
    city: str
    zip: str
    company: str = ""
    ico: str = ""
    dic: str = ""


def valid_ico(rng: random.Random) -> str:
    """A random IČO with a correct mod-11 checksum."""
    while True:
        digits = [rng.randrange(10) for _ in range(7)]
        s = sum(d * w for d, w in zip(digits, range(8, 1, -1), strict=True))
        check = (11 - s % 11) % 10
        return "".join(map(str, digits)) + str(check)


@cache
def people(seed: int = 1, count: int = 50) -> tuple[CataloguePerson, ...]:
    """Deterministic Czech customers; every fifth is a company with IČO/DIČ."""
    rng = random.Random(seed * 7_919 + count)
    out = []
    for i in range(count):
        first = _FIRST[rng.randrange(len(_FIRST))]
        last = _LAST[rng.randrange(len(_LAST))]
        city, zip_code = _CITIES[rng.randrange(len(_CITIES))]
        company = ico = dic = ""
        if i % 5 == 0:
            company = _COMPANIES[rng.randrange(len(_COMPANIES))]
            ico = valid_ico(rng)
            dic = "CZ" + ico
        ascii_last = last.lower().translate(str.maketrans("áčďéěíňóřšťúůýž", "acdeeinorstuuyz"))
        out.append(
            CataloguePerson(
                key=i + 1,
                first_name=first,
                last_name=last,
                email=f"{ascii_last}.{i + 1}@example.cz",
                phone=f"+420 6{rng.randrange(10, 99)} {rng.randrange(100, 999)} {rng.randrange(100, 999)}",
                street=f"{_STREETS[rng.randrange(len(_STREETS))]} {rng.randrange(1, 200)}",
                city=city,
                zip=zip_code,
                company=company,
                ico=ico,
                dic=dic,
            )
        )
    return tuple(out)


@cache
def address_book(seed: int = 1, count: int = 8) -> tuple[CataloguePerson, ...]:
    """Contacts the accountant typed into POHODA's Adresář by hand: other people than the shop's
    customers (their own e-mail domain, so none is a shop customer yet), every fifth a company."""
    from dataclasses import replace

    return tuple(replace(p, email=p.email.replace("@example.cz", "@adresar.example.cz")) for p in people(seed + 1, count))
