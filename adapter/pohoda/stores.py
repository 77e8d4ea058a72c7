"""POHODA's warehouses (sklady): ``lst:listStoreRequest`` and its ``lst:listStore`` answer.

A stock listing cannot name a card's warehouse (``stk:stockHeader`` has no
such element), but its filter can ask for one warehouse (``ftr:store``). The
warehouse names listed here let the adapter list the stock warehouse by
warehouse and so know where every card is.
"""

from __future__ import annotations

from lxml import etree

from adapter.pohoda.envelope import Fields, PackItem, root, sub
from adapter.pohoda.lists import ListResult, parse_list

STO = "{http://www.stormware.cz/schema/version_2/store.xsd}"


def list_store_request() -> PackItem:
    """A ``lst:listStoreRequest`` for every warehouse."""
    req = root("lst:listStoreRequest", version="2.0", storeVersion="2.0")
    sub(req, "lst:requestStore")
    return Fields().item("lsto-all", req)


def _name(node: etree._Element) -> str:
    return (node.findtext(f"{STO}name") or "").strip()


def parse_store_names(xml: bytes) -> ListResult[str]:
    """The warehouse names (the codes ``ftr:store`` takes) of a ``lst:listStore`` answer, in its order."""
    return parse_list(xml, "lst:listStore", "lst:store", _name)
