"""Named queries of the ``Pairing`` table: replacing it, the look-ups jobs use, the report's queries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, cast

from peewee import BooleanField, Case, CharField, IntegerField, TextField, fn

from adapter.ledger import Pairing, database, set_checkpoint

#: the Pairing fields a stored row fills, in this order
PAIRING_COLUMNS = ("status", "sku", "product_id", "parent_id", "shop_name", "shop_ean", "pohoda_code", "pohoda_id",
                   "pohoda_name", "pohoda_ean", "stores", "is_internet", "matched_by", "conflict", "updated_at")
#: rows per INSERT when the Pairing table is replaced
INSERT_CHUNK = 2000
#: field kinds whose Python values (str, int, bool, None) SQLite takes as they are
_AS_IS = (CharField, TextField, IntegerField, BooleanField)
#: statuses whose rows link a product to a POHODA code
LINKED = ("paired", "conflict")


def replace_pairing(rows: Iterable[Sequence[Any]], *, checkpoint: str, extra: dict[str, Any], now: datetime) -> None:
    """Replace the Pairing table with ``rows`` (values in :data:`PAIRING_COLUMNS` order) and set its checkpoint.

    One transaction; a plain ``executemany`` per chunk, because peewee's
    per-value SQL building is the slow part for 100,000 rows.
    """
    columns = [Pairing._meta.fields[name] for name in PAIRING_COLUMNS]
    sql = (f'INSERT INTO "{Pairing._meta.table_name}" ({", ".join(f.column_name for f in columns)}) '  # noqa: S608
           f'VALUES ({", ".join("?" for _ in columns)})')
    source = iter(rows)
    with database.atomic():
        Pairing.delete().execute()
        cursor = database.cursor()  # type: ignore[no-untyped-call,unused-ignore]
        while chunk := list(islice(source, INSERT_CHUNK)):
            cursor.executemany(sql, [tuple(f.db_value(v) for f, v in zip(columns, row, strict=True)) for row in chunk])
        set_checkpoint(checkpoint, now.isoformat(), extra, now=now)


class PairingStage:
    """A new pairing written row by row to a temporary table, then swapped in at once.

    The rows can be written while they are computed (no transaction held for
    that long); :meth:`swap` replaces the Pairing table in one short
    transaction (one ``INSERT … SELECT``), so readers see the old pairing or
    the new one, never a part.
    """

    TABLE = "pairing_stage"

    def __enter__(self) -> PairingStage:
        self.close()
        self._columns = [Pairing._meta.fields[name] for name in PAIRING_COLUMNS]
        names = ", ".join(f.column_name for f in self._columns)
        database.execute_sql(f"CREATE TEMP TABLE {self.TABLE} (seq INTEGER PRIMARY KEY, {names})")
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the temporary table."""
        database.execute_sql(f"DROP TABLE IF EXISTS temp.{self.TABLE}")

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        """Stage ``rows`` (values in :data:`PAIRING_COLUMNS` order).

        Text, integer and flag values go to SQLite as they are; the other columns
        (the time) through their field's conversion, once per distinct value.
        """
        columns = self._columns
        sql = (f"INSERT INTO temp.{self.TABLE} ({', '.join(f.column_name for f in columns)}) "  # noqa: S608
               f"VALUES ({', '.join('?' for _ in columns)})")
        converted: list[tuple[int, Any, dict[Any, Any]]] = [
            (i, f, {}) for i, f in enumerate(columns) if not isinstance(f, _AS_IS)]

        def row_values(row: Sequence[Any]) -> Sequence[Any]:
            if not converted:
                return row
            out = list(row)
            for i, f, seen in converted:
                value = out[i]
                if value not in seen:
                    seen.clear()  # one distinct value at a time is the common case (the refresh time)
                    seen[value] = f.db_value(value)
                out[i] = seen[value]
            return out

        source = iter(rows)
        cursor = database.cursor()  # type: ignore[no-untyped-call,unused-ignore]
        while chunk := list(islice(source, INSERT_CHUNK)):
            cursor.executemany(sql, [row_values(row) for row in chunk])

    def swap(self, *, checkpoint: str, extra: dict[str, Any], now: datetime) -> None:
        """Replace the Pairing table with the staged rows and set its checkpoint, in one transaction."""
        names = ", ".join(f.column_name for f in self._columns)
        with database.atomic():
            Pairing.delete().execute()
            database.execute_sql(f'INSERT INTO "{Pairing._meta.table_name}" ({names}) '  # noqa: S608
                                 f"SELECT {names} FROM temp.{self.TABLE} ORDER BY seq")
            set_checkpoint(checkpoint, now.isoformat(), extra, now=now)


def has_pairing() -> bool:
    """True when a pairing was ever stored."""
    return bool(Pairing.select().limit(1).exists())


def _linked() -> Any:
    return Pairing.product_id.is_null(False) & (Pairing.pohoda_code != "") & Pairing.status.in_(LINKED)


def pairing_links() -> list[tuple[int, int | None, str, str, int | None]]:
    """(product id, parent id, SKU, POHODA code, card id) of every product linked to a code."""
    P = Pairing
    query = P.select(P.product_id, P.parent_id, P.sku, P.pohoda_code, P.pohoda_id).where(_linked())
    return list(cast(Iterable[tuple[int, int | None, str, str, int | None]], query.tuples()))


def paired_product_ids() -> set[int]:
    """Ids of shop products the stored pairing links to a POHODA code."""
    query = Pairing.select(Pairing.product_id).where(_linked())
    return {pid for (pid,) in cast(Iterable[tuple[int]], query.tuples())}


def mark_paired(product_id: int, *, code: str, card_id: int | None, name: str, ean: str, internet: bool,
                now: datetime) -> None:
    """Show an e-shop-only product as paired with the card just created for it."""
    P = Pairing
    P.update(status="paired", pohoda_code=code, pohoda_id=card_id, pohoda_name=name[:255], pohoda_ean=ean,
             is_internet=internet, matched_by="sku", conflict="", updated_at=now).where(
        (P.product_id == product_id) & (P.status == "eshop_only")).execute()


def pairing_query(*, status: str = "", conflict_like: str = "", search: str = "") -> Any:
    """The report's rows: conflicts first, then e-shop-only, POHODA-only, paired (a peewee query)."""
    P = Pairing
    query = P.select()
    if status:
        query = query.where(P.status == status)
    if conflict_like:
        query = query.where(P.conflict ** conflict_like)
    if search:
        like = f"%{search}%"
        query = query.where(
            (P.sku ** like) | (P.pohoda_code ** like) | (P.shop_name ** like) | (P.pohoda_name ** like)
            | (P.shop_ean ** like) | (P.pohoda_ean ** like)
        )
    rank = Case(P.status, (("conflict", 0), ("eshop_only", 1), ("pohoda_only", 2)), 3)
    return query.order_by(rank, P.sku, P.pohoda_code, P._meta.primary_key)


def pairing_status_counts() -> dict[str, int]:
    """Rows per status (only the statuses present)."""
    P = Pairing
    query = P.select(P.status, fn.COUNT(P._meta.primary_key)).group_by(P.status)
    return {str(s): int(n) for s, n in cast(Iterable[tuple[str, int]], query.tuples())}


def conflict_count(like: str) -> int:
    """Conflict rows whose reason matches the LIKE pattern."""
    P = Pairing
    return int(P.select().where((P.status == "conflict") & (P.conflict ** like)).count())


def pairings_by_sku(skus: Sequence[str]) -> dict[str, Pairing]:
    """The first stored row of each SKU (SKUs without a row are left out)."""
    known: dict[str, Pairing] = {}
    for i in range(0, len(skus), 500):
        for row in Pairing.select().where(Pairing.sku.in_(list(skus[i : i + 500]))):
            known.setdefault(row.sku, row)
    return known
