"""WooCommerce REST API v3 emulator, as a package.

``emulator`` holds :class:`WooEmulator` (lifecycle, faults, admin routes,
request routing), ``server`` the socket server, ``cli`` the command line,
``auth`` OAuth 1.0a and Basic authentication, ``api`` the REST routes,
``rest`` requests, answers, errors and argument validation, ``objects`` the
create/update/delete rules (with ``products``, ``orders`` and ``customers``),
``shapes`` the JSON WooCommerce renders, ``dates`` and ``totals`` its clock and
order arithmetic, ``store`` the SQLite store and ``seed`` the seeded data.
The names below are the package's public face
(``from adapter.emulators.woocommerce import WooEmulator, main``).
"""

from __future__ import annotations

from adapter.emulators.woocommerce.cli import main
from adapter.emulators.woocommerce.emulator import Faults, WooEmulator
from adapter.emulators.woocommerce.server import _Handler as _Handler

__all__ = ["Faults", "WooEmulator", "main"]
