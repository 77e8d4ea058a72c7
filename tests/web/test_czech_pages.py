"""Every page of a demo-like app speaks Czech: one money format, statuses and VAT rates by name, no settings keys.

The demo's emulators are seeded, every agenda runs once as a preview and once for
real (the orders preview last), and then every page reachable from the menu is
read, with its detail pages (runs, ledger entries, order previews, pairing). What
a person reads on them (not the XML, JSON, code or the values typed into fields)
must not show a ``Decimal`` such as ``1234.50``, a WooCommerce status slug such as
``processing``, a POHODA VAT code such as ``high``, a run state in English or a
``[section]`` of the settings file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html as lxml_html

from adapter import ledger
from tests.fixtures_demo import DemoApp

pytestmark = pytest.mark.slow

#: detail pages read per kind (the demo has hundreds of ledger entries: a sample is enough)
PER_KIND = 12
#: what a person reads must not hold these
FORBIDDEN: dict[str, re.Pattern[str]] = {
    "an amount with a decimal point": re.compile(r"(?<![\d.,:/\w])\d{1,3}(?:\d{3})*\.\d{2}(?![\d.])"),
    "a WooCommerce status slug": re.compile(
        r"(?<![\w/-])(processing|on-hold|completed|cancelled|refunded|checkout-draft|pending)(?![\w/-])"),
    "a POHODA VAT rate code": re.compile(r"(?<![\w/-])(high|low|third)(?![\w/-])"),
    "a run state in English": re.compile(r"(?<![\w/-])(partial|interrupted|running|failed)(?![\w/-])"),
    "a settings-file section": re.compile(
        r"\[(eshop|orders|pohoda|payments|stock|invoices|products|customers|app|mail|states|documents|refunds"
        r"|pairing|alerts|currency|vat|advances|mappings|backup)\]"),
}
#: not read: documents shown as they are, code, and the values a person types
SKIPPED = ("script", "style", "pre", "code", "textarea", "input", "select", "kbd")
SKIPPED_CLASSES = ("xml-lines",)


@dataclass
class Site:
    """The pages read, by URL, as the visible text of each."""

    texts: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    last_real: dict[str, int] = field(default_factory=dict)
    last_preview: dict[str, int] = field(default_factory=dict)


def visible_text(page: str) -> str:
    """What a person reads on the page (the skipped elements and classes left out)."""
    root = lxml_html.fromstring(page)
    for element in root.iter(*SKIPPED):
        element.drop_tree()
    for name in SKIPPED_CLASSES:
        for element in root.find_class(name):
            element.drop_tree()
    body = root.find("body")
    return re.sub(r"[ \t\r\n]+", " ", " ".join((body if body is not None else root).itertext()))


def _kind(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return "/".join(p for p in parts[:2] if not p.isdigit()) + ("#" if any(p.isdigit() for p in parts) else "")


def _links(url: str, page: str) -> Iterator[str]:
    for href in re.findall(r'href="([^"#]+)"', page):
        parts = urlsplit(urljoin(url, href.replace("&amp;", "&")))
        if parts.netloc or parts.path.startswith("/static") or "logout" in parts.path:
            continue
        if any(word in parts.path for word in ("export", "download", ".csv", ".xml", ".json", ".pdf")):
            continue
        yield parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: Any, start: list[str]) -> Site:
    """Read the pages from ``start`` and those they link to, :data:`PER_KIND` detail pages per kind."""
    site, queue, seen, kinds = Site(), list(start), set(start), {}
    while queue:
        url = queue.pop(0)
        answer = client.get(url)
        site.statuses[url] = answer.status_code
        if answer.status_code != 200 or "html" not in answer.headers.get("Content-Type", ""):
            continue
        page = answer.get_data(as_text=True)
        site.texts[url] = visible_text(page)
        for link in _links(url, page):
            kind = _kind(urlsplit(link).path)
            if link in seen or kinds.get(kind, 0) >= PER_KIND:
                continue
            seen.add(link)
            kinds[kind] = kinds.get(kind, 0) + 1
            queue.append(link)
    return site


@pytest.fixture(scope="module")
def demo_site(demo_app: DemoApp) -> Site:
    start = ["/", *[f"/orders/preview/{key}" for key in demo_app.held_orders], "/pairing/?status=conflict"]
    start += [f"/runs/{run_id}" for runs in (demo_app.real, demo_app.preview) for run_id in runs.values()]
    with ledger.database.connection_context():  # documents POHODA answered, with both XMLs
        start += [f"/ledger/{e.id}" for agenda in ("orders", "invoices", "products")
                  for e in ledger.entries(agenda=agenda, state="ok", limit=1)]
    site = crawl(demo_app.app.test_client(), start)
    site.last_real, site.last_preview = demo_app.real, demo_app.preview
    return site


def test_every_page_answers(demo_site: Site) -> None:
    broken = {url: status for url, status in demo_site.statuses.items() if status >= 400}
    assert not broken, broken
    menu = ("/orders/", "/pairing/", "/runs/", "/ledger/", "/payments/", "/customers/", "/settings/")
    assert all(any(url.startswith(path) for url in demo_site.texts) for path in menu)
    assert len(demo_site.texts) > 60, "the crawl did not reach the detail pages"


@pytest.mark.parametrize("what", list(FORBIDDEN))
def test_no_page_shows_jargon(demo_site: Site, what: str) -> None:
    pattern = FORBIDDEN[what]
    found = {}
    for url, text in demo_site.texts.items():
        match = pattern.search(text)
        if match:
            found[url] = text[max(0, match.start() - 60) : match.end() + 40]
    assert not found, f"{what} on {len(found)} pages: {dict(list(found.items())[:5])}"


def test_amounts_are_in_the_one_money_format(demo_site: Site) -> None:
    preview_run = demo_site.texts[f"/runs/{demo_site.last_preview['orders']}"]
    assert re.search(r"\d,\d{2}\u00a0(Kč|€)", preview_run), "the orders preview shows no amount in the money format"


def test_preview_runs_show_their_xml_numbered_and_checked(demo_site: Site) -> None:
    for agenda in ("orders", "invoices", "products", "customers"):
        text = demo_site.texts[f"/runs/{demo_site.last_preview[agenda]}"]
        assert "XML 1:" in text and "schéma XML: platné" in text, agenda


def test_a_preview_is_never_the_agendas_last_state(demo_site: Site) -> None:
    dashboard = demo_site.texts["/"]
    for agenda in ("orders", "payments"):
        assert f"Běh #{demo_site.last_real[agenda]}" in dashboard
        assert f"Běh #{demo_site.last_preview[agenda]}" not in dashboard
    payments = demo_site.texts["/payments/"]
    assert f"Běh #{demo_site.last_real['payments']}" in payments
    assert f"Běh #{demo_site.last_preview['payments']} " not in payments.split("Poslední běhy")[0]


def test_a_preview_says_what_it_would_transfer(demo_site: Site) -> None:
    orders = demo_site.texts[f"/runs/{demo_site.last_preview['orders']}"]
    sent = re.search(r"Náhled: k přenosu (\d+)", orders)
    assert sent is not None and int(sent.group(1)) > 0, "the orders preview does not say how many orders it would send"
    assert not [url for url, text in demo_site.texts.items() if "Náhled: přeneseno" in text]


def test_the_demos_valid_documents_are_not_marked_invalid(demo_site: Site) -> None:
    marked = {url: text[text.find("schéma XML:"):][:40] for url, text in demo_site.texts.items()
              if re.search(r"schéma XML: \d+ chyb", text)}
    assert not marked, marked
    answered = [url for url, text in demo_site.texts.items() if url.startswith("/ledger/") and "Odpověď POHODY" in text
                and "Odeslaný XML" in text and "schéma XML: platné" in text]
    assert len(answered) >= 2, answered  # an order and an invoice (a stock card keeps only its item)
