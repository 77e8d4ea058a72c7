"""Settings: one frozen, typed object loaded from ``<data>/settings.toml``.

The file is meant to be edited by people as well as by the UI: a file that
holds only the fixed keys (``[pohoda]`` and ``[eshop]``) is complete, and
every agenda option has the default a careful user would pick. Problems are
returned as a list of :class:`FieldError` (shown next to the field in the UI),
never raised, so a typo in one option never stops the app.

Writes go through :func:`save_settings`, which keeps the user's comments and
layout (tomlkit) and replaces the file atomically.

* :mod:`adapter.config.sections` — the sections and their fields, declared once;
* :mod:`adapter.config.parsing` — reading and checking a TOML document;
* :mod:`adapter.config.store` — writing settings.toml, :class:`SettingsStore`.

Every public name is importable from ``adapter.config`` itself.
"""

from __future__ import annotations

from adapter.config.parsing import load_settings, parse_section, section_fields, settings_from_mapping
from adapter.config.sections import (
    AGENDAS,
    CHOICES,
    DATA_DIR_ENV,
    PARALLEL_REQUESTS_MAX,
    SECRET_FIELDS,
    SECTIONS,
    SETTINGS_FILE,
    VAT_CODES,
    AgendaBase,
    AppSettings,
    CustomersSettings,
    DocumentsSettings,
    EshopSettings,
    FieldError,
    InvoicesSettings,
    OrdersSettings,
    PairingSettings,
    PaymentsSettings,
    PohodaSettings,
    ProductsSettings,
    RefundsSettings,
    Settings,
    StatesSettings,
    StockSettings,
)
from adapter.config.store import SettingsStore, default_data_dir, save_settings, to_toml_value

__all__ = [
    "AGENDAS",
    "CHOICES",
    "DATA_DIR_ENV",
    "PARALLEL_REQUESTS_MAX",
    "SECRET_FIELDS",
    "SECTIONS",
    "SETTINGS_FILE",
    "VAT_CODES",
    "AgendaBase",
    "AppSettings",
    "CustomersSettings",
    "DocumentsSettings",
    "EshopSettings",
    "FieldError",
    "InvoicesSettings",
    "OrdersSettings",
    "PairingSettings",
    "PaymentsSettings",
    "PohodaSettings",
    "ProductsSettings",
    "RefundsSettings",
    "Settings",
    "SettingsStore",
    "StatesSettings",
    "StockSettings",
    "default_data_dir",
    "load_settings",
    "parse_section",
    "save_settings",
    "section_fields",
    "settings_from_mapping",
    "to_toml_value",
]
