"""House rule: SQL lives in ``adapter/ledger/`` behind named functions; ``sync/`` and ``web/`` hold none.

Every module under ``adapter/sync/`` and ``adapter/web/`` is read: its code must not call ``execute_sql``
nor open a ``.cursor(``, and none of its strings (f-strings included, their holes as ``{}``) may be an
SQL statement. A failure names the module and line; move the statement behind a named query in the ledger.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("adapter/sync", "adapter/web")

#: calls that reach the database around the ledger's named queries
_CALLS = ("execute_sql", ".cursor(")
#: SQL statements, as the ledger writes them (upper-case keywords)
_STATEMENT = re.compile(
    r"\bCREATE\s+(TEMP\s+|TEMPORARY\s+)?(TABLE|INDEX|VIEW|TRIGGER)\b|\bCREATE\s+TEMP\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b"
    r"|\bSELECT\b[\s\S]*\bFROM\b|\bDELETE\s+FROM\b|\bDROP\s+(TABLE|INDEX)\b|\bUPDATE\s+\S+\s+SET\b|\bPRAGMA\s+\w")


def _strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Each string of the module with its line: plain constants, and each f-string whole (holes as ``{}``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
                                       for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def sql_found(source: str) -> list[str]:
    """What in ``source`` breaks the rule, as "line N: what" (empty when nothing does)."""
    found = [f"line {n}: {call}" for n, line in enumerate(source.splitlines(), start=1)
             for call in _CALLS if call in line]
    for line, text in _strings(ast.parse(source)):
        if match := _STATEMENT.search(text):
            found.append(f"line {line}: SQL {match.group(0)[:40]!r}")
    return list(dict.fromkeys(found))  # an f-string's pieces are strings too


def _modules() -> list[Path]:
    return sorted(p for folder in CHECKED for p in (ROOT / folder).rglob("*.py"))


def test_the_checked_folders_have_modules() -> None:
    assert len(_modules()) > 20


@pytest.mark.parametrize("module", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_sql_outside_the_ledger(module: Path) -> None:
    assert sql_found(module.read_text(encoding="utf-8")) == [], (
        f"{module.relative_to(ROOT)} holds SQL: put it behind a named query in adapter/ledger/")


@pytest.mark.parametrize("source", [
    "database.execute_sql('x')",
    "cur = database.cursor()",
    "SQL = 'CREATE TEMP TABLE t (a)'",
    "SQL = ('INSERT INTO temp.t '\n       'VALUES (?)')",
    "SQL = 'INSERT OR IGNORE INTO t VALUES (?)'",
    "def f(cols):\n    return f'SELECT {cols} FROM temp.t WHERE a = ?'",
    "SQL = '''SELECT a,\n  b\n FROM t'''",
    "SQL = 'DELETE FROM temp.t WHERE known = 1'",
    "SQL = 'CREATE INDEX IF NOT EXISTS temp.i ON t (a)'",
    "SQL = 'UPDATE entry SET state = ?'",
    "SQL = 'PRAGMA temp.cache_size = -4096'",
])
def test_the_check_finds_sql(source: str) -> None:
    assert sql_found(source)


@pytest.mark.parametrize("source", [
    "from adapter.ledger import pairing as pairing_queries\nrows = pairing_queries.pairing_links()",
    "MESSAGE = 'Vyberte sklad z POHODY a uložte nastavení.'",
    "HELP = 'Select the warehouse from the list.'",
    "def f(scratch):\n    scratch.add_codes(rows)",
])
def test_the_check_leaves_plain_code_alone(source: str) -> None:
    assert sql_found(source) == []
