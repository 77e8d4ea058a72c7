"""Typed, checked reading of e-shop JSON (fava's ``WrappedImporter`` idea).

Every accessor checks the type of what it reads and raises
``EshopBadAnswer`` naming the place (``order 12 › line_items[0] › total``)
instead of letting a ``KeyError`` or ``TypeError`` escape. Numbers are
parsed to ``Decimal`` (the HTTP layer decodes JSON floats as ``Decimal``)
and bounded, so a garbage value cannot turn into a huge amount.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from adapter.errors import EshopBadAnswer, EshopError

T = TypeVar("T")

#: largest id we accept (MySQL BIGINT UNSIGNED would allow more, WordPress never gets there)
MAX_ID = 2**53
#: largest absolute amount or quantity we accept
MAX_AMOUNT = Decimal(10) ** 12

_SURPRISES = (KeyError, TypeError, ValueError, ArithmeticError, AttributeError, IndexError, InvalidOperation)


def bad_answer(where: str, what: str) -> EshopBadAnswer:
    """An ``EshopBadAnswer`` saying which field of which object surprised us."""
    return EshopBadAnswer(
        f"E-shop poslal data, kterým adaptér nerozumí ({where}: {what}). "
        "Zkuste akci zopakovat; pokud chyba trvá, pošlete záznam z historie běhů podpoře.",
        detail=f"{where}: {what}",
    )


@contextmanager
def guard(where: str) -> Iterator[None]:
    """Turn any unexpected Python error inside the block into ``EshopBadAnswer``."""
    try:
        yield
    except EshopError:
        raise
    except _SURPRISES as exc:
        raise bad_answer(where, f"{type(exc).__name__}: {exc}") from exc


def checked(where: str, convert: Callable[[JsonObject], T], data: object) -> T:
    """Run ``convert`` over a JSON object under :func:`guard`."""
    with guard(where):
        return convert(JsonObject(data, where))


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def to_decimal(value: object, where: str) -> Decimal:
    """A JSON number or numeric string as a bounded, finite ``Decimal``."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise bad_answer(where, f"očekáváno číslo, přišlo {_short(value)}")
    try:
        number = Decimal(value.strip().replace(",", ".")) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, ValueError):
        raise bad_answer(where, f"neplatné číslo {_short(value)}") from None
    if not number.is_finite() or abs(number) >= MAX_AMOUNT:
        raise bad_answer(where, f"číslo mimo rozsah {_short(value)}")
    return number


def to_datetime(value: object, where: str) -> datetime:
    """A WordPress GMT timestamp ("2024-05-01T10:00:00", maybe with a zone) as an aware UTC datetime."""
    if not isinstance(value, str):
        raise bad_answer(where, f"očekáváno datum, přišlo {_short(value)}")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise bad_answer(where, f"neplatné datum {_short(value)}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class JsonObject:
    """A JSON object with typed accessors that report their path on surprise."""

    __slots__ = ("data", "where")

    def __init__(self, data: object, where: str) -> None:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise bad_answer(where, f"očekáván objekt, přišlo {_short(data)}")
        self.data: dict[str, object] = data
        self.where = where

    def _at(self, key: str) -> str:
        return f"{self.where} › {key}"

    def has(self, key: str) -> bool:
        """True when ``key`` is present and not null."""
        return self.data.get(key) is not None

    def raw(self, key: str) -> object:
        """The untyped value (for meta data, which may be anything)."""
        return self.data.get(key)

    def text(self, key: str, default: str = "") -> str:
        """A string field; numbers are accepted as their text, null/absent gives ``default``."""
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return str(value)
        raise bad_answer(self._at(key), f"očekáván text, přišlo {_short(value)}")

    def integer(self, key: str, default: int | None = None) -> int:
        """An integer field (a numeric string is accepted); required when ``default`` is None."""
        value = self.data.get(key)
        if value is None or value == "":
            if default is None:
                raise bad_answer(self._at(key), "chybí")
            return default
        number = to_decimal(value, self._at(key))
        if number != number.to_integral_value() or abs(number) > MAX_ID:
            raise bad_answer(self._at(key), f"očekáváno celé číslo, přišlo {_short(value)}")
        return int(number)

    def ident(self, key: str = "id") -> int:
        """A required positive id."""
        number = self.integer(key)
        if number <= 0:
            raise bad_answer(self._at(key), f"neplatné id {number}")
        return number

    def decimal(self, key: str) -> Decimal:
        """A required number (JSON number or numeric string)."""
        value = self.data.get(key)
        if value is None or value == "":
            raise bad_answer(self._at(key), "chybí")
        return to_decimal(value, self._at(key))

    def decimal_or(self, key: str, default: Decimal | None) -> Decimal | None:
        """A number, or ``default`` when null, absent or the empty string."""
        value = self.data.get(key)
        if value is None or value == "":
            return default
        return to_decimal(value, self._at(key))

    def flag(self, key: str, default: bool = False) -> bool:
        """A boolean field."""
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        raise bad_answer(self._at(key), f"očekáváno true/false, přišlo {_short(value)}")

    def moment(self, key: str) -> datetime | None:
        """A GMT date-time field, or None."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        return to_datetime(value, self._at(key))

    def child(self, key: str) -> JsonObject:
        """A nested object (null/absent → empty)."""
        return JsonObject(self.data.get(key), self._at(key))

    def children(self, key: str) -> list[JsonObject]:
        """A list of objects (null/absent → empty)."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise bad_answer(self._at(key), f"očekáván seznam, přišlo {_short(value)}")
        return [JsonObject(item, f"{self._at(key)}[{i}]") for i, item in enumerate(value)]


def as_list(data: object, where: str) -> list[JsonObject]:
    """A JSON array of objects (a list endpoint's body)."""
    if not isinstance(data, list):
        raise bad_answer(where, f"očekáván seznam, přišlo {_short(data)}")
    return [JsonObject(item, f"{where}[{i}]") for i, item in enumerate(data)]


def meta_text(value: object) -> str:
    """A meta value as text: scalars as themselves, structures as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
