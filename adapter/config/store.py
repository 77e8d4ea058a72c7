"""Writing settings.toml (keeping the user's comments) and the store that reloads it when it changes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomlkit

from adapter.config.bounds import load_document
from adapter.config.parsing import load_settings
from adapter.config.sections import DATA_DIR_ENV, SETTINGS_FILE, FieldError, Settings


def to_toml_value(value: Any) -> Any:
    """A settings value as TOML can store it."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def save_settings(data_dir: Path, changes: Mapping[str, Mapping[str, Any]]) -> None:
    """Apply ``changes`` (section → key → value) to settings.toml atomically, keeping comments."""
    path = data_dir / SETTINGS_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    doc = load_document(path)
    for section, values in changes.items():
        if section not in doc:
            doc[section] = tomlkit.table()
        table = doc[section]
        for key, value in values.items():
            table[key] = to_toml_value(value)
    text = tomlkit.dumps(doc)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".toml", dir=data_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise





def default_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``$POHODA_ADAPTER_DATA`` or ``instance/`` beside app.py."""
    env = environ.get(DATA_DIR_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "instance"


class SettingsStore:
    """Holds the current Settings and reloads them when settings.toml changes on disk."""

    def __init__(self, data_dir: Path, *, demo: bool = False) -> None:
        self.data_dir = data_dir
        self.demo = demo
        self._stamp: tuple[int, int] | None = None
        self._settings, self._errors = load_settings(data_dir, demo=demo)
        self._stamp = self._file_stamp()

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.data_dir / SETTINGS_FILE).stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def get(self) -> Settings:
        """The current settings (re-read if the file changed)."""
        stamp = self._file_stamp()
        if stamp != self._stamp:
            self._settings, self._errors = load_settings(self.data_dir, demo=self.demo)
            self._stamp = stamp
        return self._settings

    def errors(self) -> list[FieldError]:
        """Problems found in the current file."""
        self.get()
        return list(self._errors)

    def save(self, changes: Mapping[str, Mapping[str, Any]]) -> None:
        """Write changes and reload."""
        save_settings(self.data_dir, changes)
        self._stamp = None
        self.get()
