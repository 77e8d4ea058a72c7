"""XML helpers of the mServer emulator: namespaces, request reading, answer writing.

The emulator stands in for POHODA, so it does not use the adapter's own
builders or parsers (``adapter.pohoda.*``); everything here is written from
the XSDs. Requests are read with lxml. Answers are written as text
fragments with every namespace declared once on ``rsp:responsePack`` (like
the real answers in ``samples/``), which lets big list answers be streamed
record by record into a spooled file instead of building a tree.
"""

from __future__ import annotations

import gzip
import re
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO

from lxml import etree

_BASE = "http://www.stormware.cz/schema/version_2/"
#: prefix → namespace URI; the answer declares all of them on the root.
NS: dict[str, str] = {
    "rsp": _BASE + "response.xsd",
    "rdc": _BASE + "documentresponse.xsd",
    "typ": _BASE + "type.xsd",
    "ftr": _BASE + "filter.xsd",
    "lst": _BASE + "list.xsd",
    "lStk": _BASE + "list_stock.xsd",
    "lAdb": _BASE + "list_addBook.xsd",
    "inv": _BASE + "invoice.xsd",
    "stk": _BASE + "stock.xsd",
    "ord": _BASE + "order.xsd",
    "pri": _BASE + "prijemka.xsd",
    "adb": _BASE + "addressbook.xsd",
    "dat": _BASE + "data.xsd",
    "int": _BASE + "intDoc.xsd",
}
_URI_TO_PREFIX = {uri: prefix for prefix, uri in NS.items()}

XML_DECLARATION = '<?xml version="1.0" encoding="Windows-1250"?>\n'
ENCODING = "cp1250"

# --------------------------------------------------------------------------- reading requests


def q(name: str) -> str:
    """Clark notation for a prefixed name: ``q("stk:code")`` → ``{uri}code``."""
    prefix, local = name.split(":", 1)
    return f"{{{NS[prefix]}}}{local}"


def pretty_name(tag: str) -> str:
    """A Clark-notation tag back in prefixed form (for notes and XPaths)."""
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        prefix = _URI_TO_PREFIX.get(uri)
        return f"{prefix}:{local}" if prefix else local
    return tag


def prettify_message(message: str) -> str:
    """Replace ``{uri}local`` occurrences in a libxml2 message by ``prefix:local``."""
    for uri, prefix in _URI_TO_PREFIX.items():
        message = message.replace(f"{{{uri}}}", f"{prefix}:")
    return message


_NAME = re.compile(r"[A-Za-z_][\w.-]*")
#: path → its steps in Clark notation, or None for a path that is not plain ``prefix:name/prefix:name``
_STEPS: dict[str, tuple[str, ...] | None] = {}


def _steps(path: str) -> tuple[str, ...] | None:
    """The Clark-notation steps of a plain child path (cached); None → let ElementPath handle it."""
    try:
        return _STEPS[path]
    except KeyError:
        pass
    steps: list[str] = []
    compiled: tuple[str, ...] | None = None
    for step in path.split("/"):
        prefix, sep, local = step.partition(":")
        if not sep or prefix not in NS or not _NAME.fullmatch(local):
            break
        steps.append(f"{{{NS[prefix]}}}{local}")
    else:
        compiled = tuple(steps)
    _STEPS[path] = compiled
    return compiled


def _first(el: etree._Element, steps: tuple[str, ...], index: int) -> etree._Element | None:
    """Depth-first, in document order: what ElementPath's ``find`` returns for the same child path."""
    tag = steps[index]
    if index == len(steps) - 1:
        return next(el.iterchildren(tag), None)
    for child in el.iterchildren(tag):
        found = _first(child, steps, index + 1)
        if found is not None:
            return found
    return None


def _all(el: etree._Element, steps: tuple[str, ...], index: int, out: list[etree._Element]) -> None:
    tag = steps[index]
    if index == len(steps) - 1:
        out.extend(el.iterchildren(tag))
        return
    for child in el.iterchildren(tag):
        _all(child, steps, index + 1, out)


def find(el: etree._Element | None, path: str) -> etree._Element | None:
    """The first element at ``path`` (prefixed names, ``/``-separated), or None.

    Plain child paths walk the children directly (ElementPath with a namespace map costs several
    times more per call); anything else goes to ElementPath.
    """
    if el is None:
        return None
    steps = _steps(path)
    if steps is None:
        return el.find(path, NS)
    if len(steps) == 1:
        return next(el.iterchildren(steps[0]), None)
    return _first(el, steps, 0)


def findall(el: etree._Element | None, path: str) -> list[etree._Element]:
    """All elements at ``path``; an empty list when ``el`` is None."""
    if el is None:
        return []
    steps = _steps(path)
    if steps is None:
        return list(el.findall(path, NS))
    out: list[etree._Element] = []
    _all(el, steps, 0, out)
    return out


def text(el: etree._Element | None, path: str | None = None) -> str | None:
    """Stripped text of ``el`` (or of its child at ``path``); None if absent."""
    target = el if path is None else find(el, path)
    if target is None:
        return None
    return (target.text or "").strip()


def decimal(el: etree._Element | None, path: str | None = None) -> Decimal | None:
    """A decimal value, or None when absent or empty."""
    return _decimal(text(el, path))


def _decimal(raw: str | None) -> Decimal | None:
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation as exc:  # the schema check normally catches this first
        raise ValueError(f"Neplatné číslo '{raw}'") from exc


class Children:
    """One element's first child of each name, for many lookups on the same element.

    ``find``/``text``/``decimal`` answer exactly like the module functions of the same
    name; a one-step path is a dictionary lookup instead of a walk over the children.
    """

    __slots__ = ("_first", "_repeated", "el")

    def __init__(self, el: etree._Element | None) -> None:
        self.el = el
        first: dict[object, etree._Element] = {}
        repeated: set[object] = set()
        if el is not None:
            for child in el:
                if child.tag in first:
                    repeated.add(child.tag)
                else:
                    first[child.tag] = child
        self._first = first
        self._repeated = repeated

    def find(self, path: str) -> etree._Element | None:
        """The first element at ``path`` (like :func:`find`)."""
        steps = _steps(path)
        if steps is None:
            return find(self.el, path)
        if len(steps) == 1:
            return self._first.get(steps[0])
        if steps[0] in self._repeated:  # several candidates for the first step: search them all
            return _first(self.el, steps, 0) if self.el is not None else None
        head = self._first.get(steps[0])
        return None if head is None else _first(head, steps, 1)

    def text(self, path: str) -> str | None:
        """Stripped text of the child at ``path`` (like :func:`text`)."""
        target = self.find(path)
        return None if target is None else (target.text or "").strip()

    def decimal(self, path: str) -> Decimal | None:
        """A decimal value of the child at ``path`` (like :func:`decimal`)."""
        return _decimal(self.text(path))


def boolean(raw: str | None, default: bool = False) -> bool:
    """An xsd:boolean value (``true``/``1``) with a default for None."""
    if raw is None or raw == "":
        return default
    return raw.strip() in ("true", "1")


def parse_date(raw: str | None) -> date | None:
    """An xsd:date, or None."""
    return date.fromisoformat(raw[:10]) if raw else None


def parse_datetime(raw: str | None) -> datetime | None:
    """An xsd:dateTime as a naive local time (POHODA works in local time)."""
    if not raw:
        return None
    value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    return value


def xpath_of(el: etree._Element) -> str:
    """A prefixed XPath of ``el`` like POHODA's ``rdc:XPath`` detail."""
    parts = []
    node: etree._Element | None = el
    while node is not None:
        name = pretty_name(node.tag)
        parent = node.getparent()
        if parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/".join(reversed(parts))


# --------------------------------------------------------------------------- writing answers


def cp1250_safe(value: str) -> str:
    """What POHODA can store: characters outside Windows-1250 become '?'."""
    if value.isascii():  # Windows-1250 keeps ASCII as it is
        return value
    return value.encode(ENCODING, errors="replace").decode(ENCODING)


def esc(value: object) -> str:
    """Escape a value for element text or a double-quoted attribute."""
    s = value if type(value) is str else str(value)
    if "&" in s or "<" in s or ">" in s or '"' in s:
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return s


def fmt(value: object) -> str:
    """Format a value the way POHODA writes it (Decimal without exponent, bools lower case)."""
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _attrs(attrs: Mapping[str, object] | None) -> str:
    if not attrs:
        return ""
    return "".join(f' {k}="{esc(fmt(v))}"' for k, v in attrs.items() if v is not None)


def tx(tag: str, value: object, attrs: dict[str, object] | None = None) -> str:
    """``<tag>value</tag>``, or "" when value is None or an empty string."""
    if value is None or value == "":
        return ""
    return f"<{tag}{_attrs(attrs) if attrs else ''}>{esc(fmt(value))}</{tag}>"


def nd(tag: str, *children: str, attrs: dict[str, object] | None = None, keep_empty: bool = False) -> str:
    """An element of already written children; "" when it would be empty (unless ``keep_empty``)."""
    body = "".join(children)
    if not body:
        return f"<{tag}{_attrs(attrs)}/>" if keep_empty else ""
    return f"<{tag}{_attrs(attrs)}>{body}</{tag}>"


def ns_declarations() -> str:
    """``xmlns:…`` attributes for every prefix in :data:`NS`."""
    return "".join(f' xmlns:{p}="{u}"' for p, u in NS.items())


def pack_open(*, pack_id: str, state: str, note: str, ico: str, key: str, program_version: str) -> str:
    """The opening ``rsp:responsePack`` tag (version 2.0)."""
    attrs = {
        "version": "2.0",
        "id": pack_id,
        "state": state,
        "programVersion": program_version,
        "ico": ico or None,
        "key": key or None,
        "note": note,
    }
    return f"<rsp:responsePack{_attrs(attrs)}{ns_declarations()}>"


PACK_CLOSE = "</rsp:responsePack>"


def item_open(item_id: str, state: str, note: str = "") -> str:
    """The opening ``rsp:responsePackItem`` tag."""
    return f"<rsp:responsePackItem{_attrs({'version': '2.0', 'id': item_id, 'state': state, 'note': note or None})}>"


ITEM_CLOSE = "</rsp:responsePackItem>"


def detail(state: str, note: str, *, errno: int | None = None, xpath: str = "",
           requested: str | None = None, produced: str | None = None) -> str:
    """One ``rdc:detail`` (state ok/warning/error)."""
    group = ""
    if xpath:
        group = tx("rdc:XPath", xpath) + tx("rdc:valueRequested", requested) + tx("rdc:valueProduced", produced)
    return nd("rdc:detail", tx("rdc:state", state), tx("rdc:errno", errno), tx("rdc:note", note), group)


def document_response(tag: str, state: str, details: Iterable[str] = (), *, record_id: int | None = None,
                      number: str = "", code: str = "", action: str = "") -> str:
    """An agenda ``…Response`` (``rdc:documentResponseType``)."""
    details_xml = "".join(details)
    produced = ""
    if record_id is not None:
        produced = nd(
            "rdc:producedDetails",
            tx("rdc:id", record_id),
            tx("rdc:number", number),
            tx("rdc:code", code),
            tx("rdc:actionType", action),
        )
    return nd(tag, nd("rdc:importDetails", details_xml), produced, attrs={"version": "2.0", "state": state},
              keep_empty=True)


def list_open(tag: str, now: datetime, state: str = "ok") -> str:
    """Opening tag of a list answer (``rdc:listVersionType`` attributes)."""
    attrs = {"version": "2.0", "dateTimeStamp": now, "dateValidFrom": now.date(), "state": state}
    return f"<{tag}{_attrs(attrs)}>"


class BodyWriter:
    """Encode text chunks to Windows-1250 into a spooled file, optionally gzip/deflate-compressed.

    Keeps at most ``max_memory`` bytes in RAM; bigger answers spill to a
    temporary file, so a 100 000-card list never sits in memory as a tree
    or as one big string.
    """

    def __init__(self, compression: str = "", max_memory: int = 8 * 1024 * 1024) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=max_memory)  # noqa: SIM115
        self.compression = compression
        self._gzip: gzip.GzipFile | None = None
        self._deflate = None
        if compression == "gzip":
            self._gzip = gzip.GzipFile(fileobj=self.file, mode="wb", compresslevel=5)
        elif compression == "deflate":
            self._deflate = zlib.compressobj(5)
        self._buffer: list[str] = []
        self._buffered = 0

    def write(self, chunk: str) -> None:
        """Queue one text chunk (flushed in blocks of ~64 kB)."""
        self._buffer.append(chunk)
        self._buffered += len(chunk)
        if self._buffered > 65536:
            self._flush()

    def write_all(self, chunks: Iterable[str]) -> None:
        """Write every chunk of an iterable."""
        for chunk in chunks:
            self.write(chunk)

    def _flush(self) -> None:
        data = "".join(self._buffer).encode(ENCODING, errors="xmlcharrefreplace")
        self._buffer.clear()
        self._buffered = 0
        if self._gzip is not None:
            self._gzip.write(data)
        elif self._deflate is not None:
            self.file.write(self._deflate.compress(data))
        else:
            self.file.write(data)

    def finish(self) -> tuple[IO[bytes], int]:
        """Flush, close the compressor and return (file positioned at 0, length)."""
        self._flush()
        if self._gzip is not None:
            self._gzip.close()
        elif self._deflate is not None:
            self.file.write(self._deflate.flush())
        length = self.file.tell()
        self.file.seek(0)
        return self.file, length


def iter_file(file: IO[bytes], limit: int, block: int = 65536) -> Iterator[bytes]:
    """Read up to ``limit`` bytes of ``file`` in blocks."""
    left = limit
    while left > 0:
        data = file.read(min(block, left))
        if not data:
            return
        left -= len(data)
        yield data
