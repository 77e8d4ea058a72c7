"""A real WordPress + WooCommerce shop on loopback, for the test suite.

:func:`start_shop` builds one from the release tarballs vendored in ``tests/realshop/dist``
(WordPress 6.8.3, WooCommerce 10.0.2; origin and licence in ``dist/SOURCE.md``, sums checked
against ``dist/SHA256SUMS`` first) in a private temp folder: a private MariaDB instance
and PHP's built-in web server, both on free 127.0.0.1 ports. It installs WordPress, configures
WooCommerce like a Czech shop (CZK, prices incl. VAT, tax classes 21/12/0 %), creates a
read/write and a read-only REST key, seeds the demo catalogue (SKUs equal the mServer
emulator's codes for ``--seed 1 --seed-stock 40``), customers and 11 orders, and keeps two
database dumps: the legacy posts order storage and HPOS. :meth:`RealShop.reset` restores the
dump of the current storage in a second or two; nothing is seeded twice.

:func:`missing_tools` says what is not installed (Debian: ``php8.2-cli php8.2-mysql …
mariadb-server``; ``python3 dev.py test`` installs them as root).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PHP_DIR = HERE / "php"
REPO = HERE.parent.parent
DIST = HERE / "dist"  # vendored with the repository: a fresh clone needs nothing beside it
SUMS = DIST / "SHA256SUMS"
WP_TAR = DIST / "wordpress-6.8.3.tar.xz"
WC_TAR = DIST / "woocommerce-10.0.2.tar.xz"

CK = "ck_realshop00000000000000000000000000000001"
CS = "cs_realshop00000000000000000000000000000001"
RO_CK = "ck_realshopread000000000000000000000000002"
RO_CS = "cs_realshopread000000000000000000000000002"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin-local-only"
DB_NAME = "wordpress"
DB_USER = "wp"
DB_PASS = "wp-local-only"
STORAGES = ("posts", "hpos")

TOOLS = ("php", "mariadbd", "mariadb-install-db", "mariadb", "mariadb-dump", "mariadb-admin")
PHP_MODULES = ("mysqli", "xml", "mbstring", "curl", "intl", "gd", "zip", "bcmath")

# Switch the order storage to HPOS: create the tables, copy every order, make them authoritative.
HPOS_PHP = r"""
use Automattic\WooCommerce\Internal\DataStores\Orders\DataSynchronizer;
use Automattic\WooCommerce\Utilities\OrderUtil;
$ds = wc_get_container()->get( DataSynchronizer::class );
if ( ! $ds->check_orders_table_exists() ) { $ds->create_database_tables(); }
update_option( 'woocommerce_custom_orders_table_data_sync_enabled', 'yes' );
while ( $batch = $ds->get_next_batch_to_process( 100 ) ) { $ds->process_batch( $batch ); }
update_option( 'woocommerce_custom_orders_table_enabled', 'yes' );
update_option( 'woocommerce_custom_orders_table_data_sync_enabled', 'no' );
echo OrderUtil::custom_orders_table_usage_is_enabled() ? 'hpos' : 'posts';
"""

STORAGE_PHP = r"""
use Automattic\WooCommerce\Utilities\OrderUtil;
echo OrderUtil::custom_orders_table_usage_is_enabled() ? 'hpos' : 'posts';
"""


class ShopUnavailable(RuntimeError):
    """The real shop cannot be built here (a tool or the tarballs are missing)."""


class ShopFailed(RuntimeError):
    """Building or starting the real shop failed; the message holds the log tail."""


def missing_tools() -> list[str]:
    """What the real shop needs and this machine lacks (empty when all is there)."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if "php" not in missing:
        found = subprocess.run(["php", "-m"], capture_output=True, text=True, check=False).stdout.lower()
        missing += [f"php-{m}" for m in PHP_MODULES if m not in found.split()]
    missing += [str(tar) for tar in (SUMS, WP_TAR, WC_TAR) if not tar.is_file()]
    return missing


def expected_sums() -> dict[str, str]:
    """File name → sha256 from ``dist/SHA256SUMS`` (``sha256sum`` format)."""
    sums: dict[str, str] = {}
    for line in SUMS.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.strip().partition("  ")
        if digest and name:
            sums[name.lstrip("*")] = digest.lower()
    return sums


def verify_tarballs() -> None:
    """Check both tarballs against ``SHA256SUMS``; :class:`ShopFailed` names the file that differs."""
    sums = expected_sums()
    for tar in (WP_TAR, WC_TAR):
        wanted = sums.get(tar.name)
        if wanted is None:
            raise ShopFailed(f"{SUMS} lists no sha256 for {tar.name}")
        digest = hashlib.sha256()
        with tar.open("rb") as data:
            for block in iter(lambda: data.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != wanted:
            raise ShopFailed(
                f"{tar} is damaged: sha256 {digest.hexdigest()}, {SUMS.name} says {wanted} "
                "(a Git LFS pointer or a partial checkout? see dist/SOURCE.md)"
            )


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(cmd: list[str], *, what: str, timeout: float = 300, **kw: object) -> str:
    """Run ``cmd``; its stdout, or :class:`ShopFailed` with the output tail."""
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, **kw)  # type: ignore[call-overload]
    if done.returncode != 0:
        tail = (done.stdout[-1500:] + "\n" + done.stderr[-2500:]).strip()
        raise ShopFailed(f"{what} failed (exit {done.returncode}):\n{tail}")
    out: str = done.stdout
    return out


@dataclass
class RealShop:
    """One running WordPress + WooCommerce; see the module docstring."""

    root: Path
    http_port: int
    db_port: int
    storage: str = "posts"
    ck: str = CK
    cs: str = CS
    ro_ck: str = RO_CK
    ro_cs: str = RO_CS
    admin_user: str = ADMIN_USER
    admin_password: str = ADMIN_PASSWORD
    timings: dict[str, float] = field(default_factory=dict)
    _procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    # ------------------------------------------------------------------ addresses

    @property
    def site_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def api_url(self) -> str:
        return self.site_url + "/wp-json/wc/v3/"

    @property
    def wp_root(self) -> Path:
        return self.root / "wp"

    @property
    def socket_path(self) -> Path:
        return self.root / "run" / "mysqld.sock"

    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "RW_URL": self.site_url,
            "RW_CK": self.ck,
            "RW_CS": self.cs,
            "RW_RO_CK": self.ro_ck,
            "RW_RO_CS": self.ro_cs,
        }

    # ------------------------------------------------------------------ PHP and SQL

    def php(self, code: str) -> str:
        """Run PHP ``code`` with WordPress (and WooCommerce) loaded; its stdout."""
        body = code.strip()
        body = body.removeprefix("<?php").strip()
        script = self.root / "run" / f"snippet-{time.monotonic_ns()}.php"
        script.write_text(
            "<?php\n"
            f"$rw_dir = {str(self.wp_root)!r};\n"
            f"require {str(PHP_DIR / 'bootstrap.php')!r};\n"
            "wp_set_current_user( 1 );\n"
            "add_filter( 'pre_wp_mail', '__return_true' );\n"
            f"{body}\n",
            encoding="utf-8",
        )
        try:
            return _run(["php", "-d", "memory_limit=512M", str(script)], what="PHP snippet", env=self._env())
        finally:
            script.unlink(missing_ok=True)

    def sql(self, statement: str) -> str:
        """Run SQL on the shop's database as root (tab-separated output, no headers)."""
        return _run(
            ["mariadb", f"--socket={self.socket_path}", "-uroot", "-N", "-B", DB_NAME, "-e", statement],
            what="SQL",
        )

    def _dump_path(self, storage: str) -> Path:
        return self.root / f"seeded-{storage}.sql"

    def _dump(self, storage: str) -> None:
        with self._dump_path(storage).open("wb") as out:
            subprocess.run(
                ["mariadb-dump", f"--socket={self.socket_path}", "-uroot", "--single-transaction", DB_NAME],
                stdout=out, check=True, timeout=120,
            )

    def reset(self) -> None:
        """Restore the seeded database of the current storage (about a second)."""
        started = time.monotonic()
        with self._dump_path(self.storage).open("rb") as dump:
            done = subprocess.run(
                ["mariadb", f"--socket={self.socket_path}", "-uroot", DB_NAME],
                stdin=dump, capture_output=True, check=False, timeout=120,
            )
        if done.returncode != 0:
            raise ShopFailed(f"restoring the {self.storage} dump failed: {done.stderr.decode()[-2000:]}")
        self.timings["last reset"] = time.monotonic() - started

    def set_storage(self, kind: str) -> None:
        """Switch the order storage to ``kind`` ("posts" or "hpos") and reset to the seeded state."""
        if kind not in STORAGES:
            raise ValueError(f"storage must be one of {STORAGES}, not {kind!r}")
        self.storage = kind
        self.reset()

    def actual_storage(self) -> str:
        """What WooCommerce itself says it uses now ("posts" or "hpos")."""
        return self.php(STORAGE_PHP).strip()

    # ------------------------------------------------------------------ build

    def build(self) -> None:
        """From nothing to two seeded dumps and both servers running."""
        self._step("unpack", self._unpack)
        self._step("mariadb", self._start_mariadb)
        self._step("install", self._install)
        self._step("seed", self._seed)
        self._dump("posts")
        self._step("hpos", self._make_hpos)
        self.storage = "posts"
        self.reset()
        self._step("php server", self._start_php)

    def _step(self, name: str, action: object) -> None:
        started = time.monotonic()
        action()  # type: ignore[operator]
        self.timings[name] = time.monotonic() - started

    def _unpack(self) -> None:
        wp = self.wp_root
        wp.mkdir(parents=True)
        with tarfile.open(WP_TAR) as tar:
            for member in tar.getmembers():
                parts = member.name.split("/", 1)
                if len(parts) < 2 or not parts[1]:
                    continue
                member.name = parts[1]
                tar.extract(member, wp, filter="tar")
        plugins = wp / "wp-content" / "plugins"
        plugins.mkdir(parents=True, exist_ok=True)
        with tarfile.open(WC_TAR) as tar:
            tar.extractall(plugins, filter="tar")
        # The 10.0.2 tarball ships src/Caching/WpCacheEngine.php while HPOS code autoloads "WPCacheEngine":
        # fine on case-insensitive disks, a fatal error here. Give the autoloader the name it asks for.
        caching = plugins / "woocommerce" / "src" / "Caching"
        if not (caching / "WPCacheEngine.php").exists():
            (caching / "WPCacheEngine.php").symlink_to("WpCacheEngine.php")
        shutil.copy(PHP_DIR / "router.php", wp / "router.php")
        (wp / "wp-config.php").write_text(self._wp_config(), encoding="utf-8")

    def _wp_config(self) -> str:
        salts = "\n".join(
            f"define( '{name}', '{os.urandom(24).hex()}' );"
            for name in ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY",
                         "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT")
        )
        return f"""<?php
define( 'DB_NAME', '{DB_NAME}' );
define( 'DB_USER', '{DB_USER}' );
define( 'DB_PASSWORD', '{DB_PASS}' );
define( 'DB_HOST', '127.0.0.1:{self.db_port}' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
{salts}
$table_prefix = 'wp_';
define( 'WP_HOME', '{self.site_url}' );
define( 'WP_SITEURL', '{self.site_url}' );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_LOG', '{self.log_dir / "wp-debug.log"}' );
define( 'WP_DEBUG_DISPLAY', false );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_ENVIRONMENT_TYPE', 'local' );
if ( ! defined( 'ABSPATH' ) ) {{ define( 'ABSPATH', __DIR__ . '/' ); }}
require_once ABSPATH . 'wp-settings.php';
"""

    def _as_root(self) -> bool:
        return hasattr(os, "geteuid") and os.geteuid() == 0

    def _start_mariadb(self) -> None:
        db = self.root / "db"
        db.mkdir()
        user = ["--user=mysql"] if self._as_root() else []
        if self._as_root():
            for folder in (db, self.root / "run", self.log_dir):
                shutil.chown(folder, "mysql", "mysql")
        _run(
            ["mariadb-install-db", "--no-defaults", *user, f"--datadir={db}",
             "--auth-root-authentication-method=socket", "--skip-test-db"],
            what="mariadb-install-db",
        )
        self._procs["mariadb"] = subprocess.Popen(
            ["mariadbd", "--no-defaults", *user, f"--datadir={db}", f"--socket={self.socket_path}",
             "--bind-address=127.0.0.1", f"--port={self.db_port}", f"--pid-file={self.root / 'run' / 'mariadb.pid'}",
             f"--log-error={self.log_dir / 'mariadb.err'}", "--skip-name-resolve",
             "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=0", "--skip-log-bin"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait(
            lambda: subprocess.run(
                ["mariadb-admin", f"--socket={self.socket_path}", "ping"], capture_output=True, check=False
            ).returncode == 0,
            "mariadbd", self.log_dir / "mariadb.err",
        )
        _run(
            ["mariadb", f"--socket={self.socket_path}", "-uroot", "-e",
             f"CREATE DATABASE {DB_NAME} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
             f"CREATE USER '{DB_USER}'@'127.0.0.1' IDENTIFIED BY '{DB_PASS}';"
             f"GRANT ALL ON {DB_NAME}.* TO '{DB_USER}'@'127.0.0.1'; FLUSH PRIVILEGES;"],
            what="creating the database",
        )

    def _install(self) -> None:
        _run(["php", "-d", "memory_limit=512M", str(PHP_DIR / "install.php"), str(self.wp_root)],
             what="install.php", env=self._env())

    def _seed(self) -> None:
        _run(["php", "-d", "memory_limit=512M", str(PHP_DIR / "seed.php"), str(self.wp_root)],
             what="seed.php", env=self._env())

    def _make_hpos(self) -> None:
        got = self.php(HPOS_PHP).strip()
        if not got.endswith("hpos"):
            raise ShopFailed(f"switching to HPOS failed: {got[-1000:]}")
        self._dump("hpos")

    def _start_php(self) -> None:
        log = (self.log_dir / "php-server.log").open("ab")
        self._procs["php"] = subprocess.Popen(
            ["php", "-d", "memory_limit=512M", "-d", "max_execution_time=120",
             "-d", f"error_log={self.log_dir / 'php-error.log'}", "-d", "log_errors=1", "-d", "display_errors=0",
             "-S", f"127.0.0.1:{self.http_port}", "-t", str(self.wp_root), str(self.wp_root / "router.php")],
            cwd=self.wp_root, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            env={**self._env(), "PHP_CLI_SERVER_WORKERS": "4"}, start_new_session=True,
        )
        log.close()

        def ping() -> bool:
            try:
                with urllib.request.urlopen(self.site_url + "/router-ping", timeout=2) as answer:
                    return bool(answer.status == 200)
            except OSError:
                return False

        self._wait(ping, "php -S", self.log_dir / "php-server.log")

    def _wait(self, ready: object, name: str, log: Path, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        proc = self._procs.get(name.split()[0].replace("mariadbd", "mariadb"))
        while time.monotonic() < deadline:
            if ready():  # type: ignore[operator]
                return
            if proc is not None and proc.poll() is not None:
                break
            time.sleep(0.2)
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
        raise ShopFailed(f"{name} did not start:\n{tail}")

    # ------------------------------------------------------------------ stop

    def stop(self) -> None:
        """Stop PHP and MariaDB (their whole process groups) and remove the data folder; idempotent."""
        for name in ("php", "mariadb"):
            proc = self._procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if self.root.name.startswith("realshop-"):
            shutil.rmtree(self.root, ignore_errors=True)


def start_shop(base: Path | None = None) -> RealShop:
    """Build and start a real shop in a fresh temp folder; stopped again if anything fails."""
    missing = missing_tools()
    if missing:
        raise ShopUnavailable("missing: " + ", ".join(missing))
    verify_tarballs()
    root = Path(tempfile.mkdtemp(prefix="realshop-", dir=base))
    root.chmod(0o755)  # mariadbd runs as "mysql" and must reach its folders
    for sub in ("run", "log"):
        (root / sub).mkdir()
    shop = RealShop(root=root, http_port=free_port(), db_port=free_port())
    try:
        shop.build()
    except BaseException:
        shop.stop()
        raise
    return shop
