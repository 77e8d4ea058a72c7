"""POHODA adaptér: the Flask app factory and the command line.

``create_app()`` builds everything and returns the app; nothing is built when
this module is imported. ``main()`` is the only code that reads argv or the
environment, starts waitress and opens the browser.

    python app.py [serve] [--host H] [--port P] [--data DIR] [--no-browser]
    python app.py --demo [--port P] [--no-browser]
    python app.py sync AGENDA [--data DIR] [--dry-run] [--full]
    python app.py emulate mserver|woocommerce …
    python app.py create-user NAME --role admin|staff [--data DIR] [--password-stdin]
    python app.py users [--data DIR]
    python app.py check [--data DIR]
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import logging
import sys
import threading
import time
import webbrowser
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

from adapter import config, ledger, tls_front
from adapter.config import AGENDAS, Settings, SettingsStore
from adapter.datadir import storage_errors_exit
from adapter.demo import DemoInfo
from adapter.sync.runner import JobFn, JobRunner, tune_threads
from adapter.web import accounts, security, throttle
from adapter.web.auth import is_loopback
from adapter.web.extension import EXTENSION_KEY, AdapterExtension

if TYPE_CHECKING:
    from adapter.sync.context import Connections

log = logging.getLogger("adapter.app")

ROOT = Path(__file__).resolve().parent
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8800
MB = 1024 * 1024

#: final run status → CLI exit code
EXIT_CODES = {"ok": 0, "partial": 1}


# =========================================================================== the app


def create_app(
    settings: Settings | None = None,
    *,
    data_dir: Path | None = None,
    connections: Connections | None = None,
    jobs: Mapping[str, JobFn] | None = None,
    start_scheduler: bool = False,
) -> Flask:
    """Build the app for one data folder.

    ``settings``, when given, is written into ``<data>/settings.toml`` (every
    field), so the file on disk and the app agree; without it the file is
    read. ``connections`` builds the POHODA/e-shop clients (default:
    ``adapter.sync.connections.default_connections()``); ``jobs`` replaces
    agenda job functions (tests).
    """
    if data_dir is None:
        data_dir = settings.data_dir if settings is not None else config.default_data_dir()
    data_dir = Path(data_dir)
    if settings is not None:
        config.save_settings(data_dir, _all_fields(settings))
    store = SettingsStore(data_dir, demo=bool(settings and settings.demo))
    if connections is None:
        from adapter.sync.connections import default_connections

        connections = default_connections()
    current = store.get()

    app = Flask("adapter", root_path=str(ROOT), template_folder="templates", static_folder="static")
    app.config.update(
        SECRET_KEY=security.load_secret_key(data_dir),
        SESSION_COOKIE_NAME="pohoda_adapter_" + hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:8],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=current.app.session_hours or 12),
        WTF_CSRF_TIME_LIMIT=None,  # a dashboard left open all day must still work
        MAX_CONTENT_LENGTH=current.payments.max_upload_mb * MB,
    )

    from adapter.backup import backup_if_due, check_ledger_at_start

    check_ledger_at_start(data_dir)  # raises LedgerCorrupt with what to do
    ledger.init_db(data_dir / "ledger.db")
    if current.backup.enabled:
        backup_if_due(data_dir, keep=current.backup.keep)
    with ledger.database.connection_context():
        interrupted = ledger.recover_interrupted()
    if interrupted:
        log.info("runs left running by a previous process marked interrupted: %s", interrupted)

    tune_threads()
    runner = JobRunner(store.get, connections, jobs=jobs)
    app.extensions[EXTENSION_KEY] = AdapterExtension(
        data_dir=data_dir, store=store, runner=runner, connections=connections, csrf=CSRFProtect()
    )
    _setup_request_hooks(app)
    from adapter.web import register

    register(app)
    app.extensions[EXTENSION_KEY].csrf.init_app(app)  # after the login guard: unknown users go to login first
    if start_scheduler:
        runner.start_scheduler()
        from adapter.alerts.checks import AlertWatch

        AlertWatch(store.get, connections, data_dir, runner.next_due).start()
    return app


def _all_fields(settings: Settings) -> dict[str, dict[str, Any]]:
    """Every field of every section, as save_settings takes them."""
    out = {}
    for name in config.SECTIONS:
        section = getattr(settings, name)
        out[name] = {f.name: getattr(section, f.name) for f in fields(section)}
    return out


def _setup_request_hooks(app: Flask) -> None:
    """Cross-site guard and headers, then one peewee connection per request."""
    security.install(app)
    throttle.install(app)

    @app.before_request
    def _connect_db() -> None:
        ledger.database.connect(reuse_if_open=True)
        settings = app.extensions[EXTENSION_KEY].settings
        request.max_content_length = settings.payments.max_upload_mb * MB

    @app.teardown_request
    def _close_db(_exc: BaseException | None) -> None:
        if not ledger.database.is_closed():
            ledger.database.close()


# =========================================================================== command line


def build_parser() -> argparse.ArgumentParser:
    """The CLI; ``--help`` lists every command."""
    parser = argparse.ArgumentParser(
        prog="app.py",
        description="POHODA adaptér — synchronizace e-shopu (WooCommerce) s účetnictvím POHODA.",
        epilog=f"Agendy: {', '.join(AGENDAS)}. Datová složka: --data nebo proměnná {config.DATA_DIR_ENV}.",
    )
    _serve_options(parser, None)
    parser.add_argument("--demo", action="store_true", help="ukázka: spustí aplikaci i emulátory POHODY a e-shopu")
    sub = parser.add_subparsers(dest="command", metavar="PŘÍKAZ")

    serve = sub.add_parser("serve", help="spustí webovou aplikaci (výchozí příkaz)")
    _serve_options(serve, argparse.SUPPRESS)

    sync = sub.add_parser("sync", help="spustí jednu synchronizaci v popředí")
    sync.add_argument("agenda", choices=list(AGENDAS), help="agenda: " + ", ".join(AGENDAS))
    sync.add_argument("--data", type=Path, default=argparse.SUPPRESS, help="datová složka")
    sync.add_argument("--dry-run", action="store_true", help="náhled: nic nezapisovat")
    sync.add_argument("--full", action="store_true", help="úplná kontrola místo přírůstkové")

    emulate = sub.add_parser("emulate", help="spustí emulátor mServeru nebo WooCommerce")
    emulate.add_argument("target", choices=["mserver", "woocommerce"])
    emulate.add_argument("rest", nargs=argparse.REMAINDER, help="volby emulátoru (viz emulate mserver --help)")

    create = sub.add_parser("create-user", help="vytvoří uživatele pro přístup ze sítě")
    create.add_argument("name")
    create.add_argument("--role", choices=list(accounts.ROLES), required=True, help="admin = správce, staff = obsluha")
    create.add_argument("--data", type=Path, default=argparse.SUPPRESS, help="datová složka")
    create.add_argument("--password-stdin", action="store_true", help="heslo přečíst ze standardního vstupu")

    check = sub.add_parser("check", help="zkontroluje POHODU, e-shop a data a odešle upozornění (pro Plánovač úloh)",
                           description="Kód ukončení: 0 vše v pořádku, 1 varování, 2 něco nefunguje.")
    check.add_argument("--data", type=Path, default=argparse.SUPPRESS, help="datová složka")

    users = sub.add_parser("users", help="vypíše uživatele")
    users.add_argument("--data", type=Path, default=argparse.SUPPRESS, help="datová složka")

    pay = sub.add_parser(
        "import-payments",
        help="načte CSV export vydaných faktur z POHODY a označí zaplacené objednávky",
        description="Přečte CSV export agendy Vydané faktury (sloupce Občj, K likvidaci, Datum) a vypíše náhled; "
        "s volbou --apply označí zaplacené objednávky v e-shopu. Kód ukončení: 0 v pořádku, 1 s chybami, 2 selhalo.",
    )
    pay.add_argument("file", type=Path, help="soubor CSV z POHODY")
    pay.add_argument("--data", type=Path, default=argparse.SUPPRESS, help="datová složka")
    pay.add_argument("--apply", action="store_true", help="změny opravdu provést (bez ní jen náhled)")
    return parser


def _serve_options(parser: argparse.ArgumentParser, default: Any) -> None:
    def d(value: Any) -> Any:
        return default if default is argparse.SUPPRESS else value

    parser.add_argument("--host", default=d(DEFAULT_HOST), help=f"adresa pro naslouchání (výchozí {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=d(DEFAULT_PORT), help=f"port (výchozí {DEFAULT_PORT})")
    parser.add_argument("--data", type=Path, default=d(None), help=f"datová složka (výchozí ${config.DATA_DIR_ENV} nebo instance/)")
    parser.add_argument("--no-browser", action="store_true", default=d(False), help="neotevírat prohlížeč")


@storage_errors_exit
def main(argv: Sequence[str] | None = None, *, jobs: Mapping[str, JobFn] | None = None,
         connections: Connections | None = None) -> int:
    """Run the command line; returns the exit code. ``jobs``/``connections`` are for tests."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    data = getattr(args, "data", None) or config.default_data_dir()
    command = args.command or "serve"
    if command == "emulate":
        return _emulate(args.target, args.rest)
    if command == "sync":
        return cmd_sync(data, args.agenda, dry_run=args.dry_run, full=args.full, jobs=jobs, connections=connections)
    if command == "create-user":
        return cmd_create_user(data, args.name, args.role, password_stdin=args.password_stdin)
    if command == "users":
        return cmd_users(data)
    if command == "check":
        from adapter.alerts.checks import cmd_check

        return cmd_check(data, connections=connections)
    if command == "import-payments":
        return cmd_import_payments(data, args.file, apply=args.apply, connections=connections)
    if args.demo:
        return cmd_demo(args.port, open_tab=not args.no_browser, jobs=jobs)
    return cmd_serve(data, args.host, args.port, open_tab=not args.no_browser, jobs=jobs, connections=connections)


def cmd_import_payments(data: Path, file: Path, *, apply: bool, connections: Connections | None = None) -> int:
    """``import-payments FILE [--apply]``: preview (or apply) POHODA's CSV export of issued invoices."""
    from adapter.sync.payments.cli import import_payments_cli

    settings, _errors = config.load_settings(data)
    return import_payments_cli(settings, file, apply=apply, out=sys.stdout, connections=connections)


def _emulate(target: str, rest: list[str]) -> int:
    if target == "mserver":
        from adapter.emulators import mserver

        return int(mserver.main(rest) or 0)
    from adapter.emulators import woocommerce

    return int(woocommerce.main(rest) or 0)


# --------------------------------------------------------------------------- serve


def open_browser_tab(url: str, delay: float = 1.0) -> threading.Thread:
    """Open ``url`` in the default browser shortly after start (sqlite-web's pattern)."""

    def _open() -> None:
        time.sleep(delay)
        webbrowser.open_new_tab(url)

    thread = threading.Thread(target=_open, name="open-browser", daemon=True)
    thread.start()
    return thread


def _users_exist(data: Path) -> bool:
    ledger.init_db(data / "ledger.db")
    with ledger.database.connection_context():
        return accounts.has_users()


def cmd_serve(data: Path, host: str, port: int, *, open_tab: bool = True, jobs: Mapping[str, JobFn] | None = None,
              connections: Connections | None = None, demo: DemoInfo | None = None) -> int:
    """Serve the app with waitress until Ctrl+C."""
    from adapter.backup import LedgerCorrupt

    host = DEFAULT_HOST if host == "localhost" else host
    if not is_loopback(host) and not _users_exist(data):
        print(
            f"Adresu {host} nelze použít, dokud neexistuje žádný uživatel: aplikace by byla přístupná "
            "komukoli v síti bez přihlášení.\nNejprve vytvořte správce:\n"
            f"    python app.py create-user JMÉNO --role admin --data {data}\n"
            "nebo jej vytvořte na stránce Uživatelé (na tomto počítači) a spusťte aplikaci znovu.",
            file=sys.stderr,
        )
        return 2
    try:
        context = tls_front.lan_context(config.load_settings(data)[0], host)  # HTTPS for the LAN; prints the fingerprint
    except tls_front.TlsError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    try:
        app = create_app(data_dir=data, jobs=jobs, connections=connections, start_scheduler=True)
    except LedgerCorrupt as exc:
        print(exc.message, file=sys.stderr)
        return 2
    ext: AdapterExtension = app.extensions[EXTENSION_KEY]
    ext.demo = demo
    url = f"{'https' if context else 'http'}://{DEFAULT_HOST if host in ('0.0.0.0', '::') else host}:{port}/"  # noqa: S104
    print(f"POHODA adaptér běží na {url} (data: {data}). Ukončíte jej klávesami Ctrl+C.", flush=True)
    if open_tab:
        open_browser_tab(url)
    try:
        tls_front.serve(app, host=host, port=port, threads=throttle.SERVER_THREADS, ident="POHODA adapter", context=context)
    finally:
        ext.runner.shutdown()
    return 0


def cmd_demo(port: int, *, open_tab: bool = True, jobs: Mapping[str, JobFn] | None = None) -> int:
    """Start both emulators, a configured throwaway data folder and the app."""
    from adapter.demo import start_demo

    demo = start_demo()
    try:
        print(demo.describe(), flush=True)
        return cmd_serve(demo.data_dir, DEFAULT_HOST, port, open_tab=open_tab, jobs=jobs, demo=demo.info)
    finally:
        demo.stop()


# --------------------------------------------------------------------------- sync


def cmd_sync(data: Path, agenda: str, *, dry_run: bool = False, full: bool = False,
             jobs: Mapping[str, JobFn] | None = None, connections: Connections | None = None) -> int:
    """Run one sync in the foreground; exit 0 ok, 1 partial, 2 failed/interrupted/running/bad settings."""
    store = SettingsStore(data)
    problems = [e for e in store.errors() if e.section in ("", "pohoda", "eshop", agenda)]
    if problems:
        print("Nastavení je neplatné:", file=sys.stderr)
        for e in problems:
            print(f"  [{e.section}] {e.key}: {e.message}" if e.section else f"  {e.message}", file=sys.stderr)
        return 2
    if connections is None:
        from adapter.sync.connections import default_connections

        connections = default_connections()
    ledger.init_db(data / "ledger.db")
    tune_threads()
    runner = JobRunner(store.get, connections, jobs=jobs)
    with ledger.database.connection_context():
        ledger.recover_interrupted()
        stop = threading.Event()
        watcher = threading.Thread(target=_watch_progress, args=(agenda, stop), daemon=True)
        watcher.start()
        try:
            run, ran_here = runner.run_inline(agenda, "cli", dry_run=dry_run, full=full)
        except Exception as exc:  # e.g. a job module that is not installed yet
            stop.set()
            watcher.join()
            print(f"\nSynchronizaci nelze spustit: {getattr(exc, 'message', type(exc).__name__)}", file=sys.stderr)
            return 2
        stop.set()
        watcher.join()
    if not ran_here:
        print(f"{AGENDAS[agenda]}: synchronizace už běží (běh #{run.id}, spuštěn {run.started_at:%H:%M:%S}).", file=sys.stderr)
        return 2
    print(f"{AGENDAS[agenda]}: {run.status} — {run.message}")
    return EXIT_CODES.get(run.status, 2)


def _watch_progress(agenda: str, stop: threading.Event) -> None:
    """A single live progress line on stderr (updated with \\r) while the run goes."""
    live = sys.stderr.isatty()
    shown = ""
    with ledger.database.connection_context():
        while not stop.wait(0.5):
            run = ledger.running_run(agenda)
            if run is None:
                continue
            total = f"/{run.total}" if run.total else ""
            line = f"{AGENDAS[agenda]}: {run.phase} {run.done}{total} (ok {run.ok_count}, chyb {run.error_count}, čeká {run.held_count})"
            if line != shown and live:
                sys.stderr.write("\r" + line[:150].ljust(len(shown[:150])))
                sys.stderr.flush()
            shown = line
    if live and shown:
        sys.stderr.write("\n")


# --------------------------------------------------------------------------- users


def cmd_create_user(data: Path, name: str, role: str, *, password_stdin: bool = False) -> int:
    """Create an account; the password is prompted twice (or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Heslo: ")
        if getpass.getpass("Heslo znovu: ") != password:
            print("Hesla se neshodují.", file=sys.stderr)
            return 2
    ledger.init_db(data / "ledger.db")
    with ledger.database.connection_context():
        try:
            user = accounts.create_user(name, password, role)
        except accounts.AccountError as exc:
            print(str(exc), file=sys.stderr)
            return 2
    print(f"Uživatel „{user.username}“ ({accounts.ROLES[user.role]}) byl vytvořen.")
    return 0


def cmd_users(data: Path) -> int:
    """List the accounts."""
    ledger.init_db(data / "ledger.db")
    with ledger.database.connection_context():
        users = accounts.list_users()
        if not users:
            print("Žádní uživatelé. Vytvořte správce: python app.py create-user JMÉNO --role admin")
        for user in users:
            last = user.last_login_at.astimezone().strftime("%Y-%m-%d %H:%M") if user.last_login_at else "nikdy"
            state = "" if user.active else "  (zablokován)"
            print(f"{user.username:<24} {accounts.ROLES.get(user.role, user.role):<10} poslední přihlášení: {last}{state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
