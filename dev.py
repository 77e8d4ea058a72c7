"""Bootstrap: install into .venv and start the demo, or run the whole test suite.

Usage (needs only Python 3.11+; works on Linux, macOS and Windows):

    python3 dev.py demo      # install, then start the app with both emulators (demo mode)
    python3 dev.py test      # install everything the tests need, then run the whole suite
    python3 dev.py bench     # install, then run every benchmark and print one table
    python3 dev.py install   # only install (run_windows.bat uses it: pip runs only when needed)

Extra arguments after the command go to the app (demo) or to pytest (test).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
CHROMIUM = Path("/usr/bin/chromium")


def venv_python() -> Path:
    """The interpreter inside .venv."""
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def ensure_venv(extras: str) -> Path:
    """Create .venv on first use and install the project with ``extras``."""
    if sys.version_info < (3, 11):  # noqa: UP036 — dev.py may be started by an older python3 to say this
        sys.exit("POHODA adaptér potřebuje Python 3.11 nebo novější (needs Python 3.11+).")
    py = venv_python()
    if not py.exists():
        print("» Vytvářím virtuální prostředí .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f".[{extras}]" if extras else "."
    stamp = VENV / ".installed"
    wanted = install_stamp(extras)
    if stamp.is_file() and wanted in stamp.read_text(encoding="utf-8").split():
        return py  # nothing changed since the last install: start at once
    print(f"» Instaluji závislosti ({target}) …", flush=True)
    try:
        subprocess.run(
            [str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target],
            cwd=ROOT,
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        sys.exit(f"» Instalace závislostí selhala (pip skončil kódem {exc.returncode}). Zkontrolujte připojení "
                 "k internetu a spusťte příkaz znovu; pip se spustí znovu, dokud instalace neproběhne celá.")
    with stamp.open("a", encoding="utf-8") as out:  # one line per extras installed from this pyproject.toml
        out.write(wanted + "\n")
    return py


def install_stamp(extras: str) -> str:
    """What the installed environment was made from: pyproject.toml's content and the extras asked for.

    Any change of the requirements (or wanting other extras) makes a new stamp, so pip runs again.
    """
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(f"|{','.join(sorted(e for e in extras.split(',') if e))}|{sys.version_info[:2]}".encode())
    return digest.hexdigest()[:32]


def ensure_chromium() -> None:
    """Install Debian's chromium for the browser tests when it is missing and we can."""
    if CHROMIUM.exists() or not sys.platform.startswith("linux"):
        return
    apt = shutil.which("apt-get")
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if apt is None or not is_root:
        print("» Chromium chybí a nelze jej nainstalovat (není apt-get/root): prohlížečové testy se přeskočí.")
        return
    print("» Instaluji Chromium pro prohlížečové testy (apt-get) …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([apt, "-qq", "update"], check=True, env=env)
    subprocess.run([apt, "-y", "-qq", "install", "chromium"], check=True, env=env)


REAL_SHOP_PACKAGES = (
    "php8.2-cli", "php8.2-mysql", "php8.2-xml", "php8.2-mbstring", "php8.2-curl", "php8.2-intl",
    "php8.2-gd", "php8.2-zip", "php8.2-bcmath", "mariadb-server", "mariadb-client",
)
REAL_SHOP_TOOLS = ("php", "mariadbd", "mariadb-install-db", "mariadb", "mariadb-dump", "mariadb-admin")


def real_shop_missing() -> list[str]:
    """The commands the real-shop tests need and this machine lacks."""
    missing = [tool for tool in REAL_SHOP_TOOLS if shutil.which(tool) is None]
    if not missing:
        modules = subprocess.run(["php", "-m"], capture_output=True, text=True, check=False).stdout.lower()
        missing += [f"php-{m}" for m in ("mysqli", "xml", "mbstring", "intl") if m not in modules.split()]
    return missing


def ensure_real_shop() -> None:
    """Install PHP and MariaDB for the real WordPress + WooCommerce tests (Debian's packages).

    Mandatory when ``CI=true`` (exits loudly when it cannot); elsewhere a missing tool only
    makes those tests skip with the reason.
    """
    ci = os.environ.get("CI") == "true"
    if not real_shop_missing():
        return
    apt = shutil.which("apt-get")
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if apt is None or not is_root or not sys.platform.startswith("linux"):
        message = "PHP a MariaDB chybí a nelze je nainstalovat (není apt-get/root)"
        if ci:
            sys.exit(f"» {message}: testy proti skutečnému WooCommerce jsou v CI povinné.")
        print(f"» {message}: testy proti skutečnému WooCommerce se přeskočí.")
        return
    print("» Instaluji PHP a MariaDB pro testy proti skutečnému WooCommerce (apt-get) …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run([apt, "-qq", "update"], check=False, env=env).returncode == 0 and subprocess.run(
        [apt, "-y", "-qq", "install", "--no-install-recommends", *REAL_SHOP_PACKAGES], check=False, env=env
    ).returncode == 0
    missing = real_shop_missing()
    if (not done or missing) and ci:
        sys.exit(f"» Instalace PHP/MariaDB selhala (chybí: {', '.join(missing) or '?'}); v CI jsou povinné.")
    if missing:
        print(f"» Instalace PHP/MariaDB selhala (chybí: {', '.join(missing)}): testy se přeskočí.")


def run_app(command: list[str]) -> int:
    """Run the app and wait for it; the app alone handles Ctrl+C (the console sends it to both of us),
    SIGTERM is passed on, so it stops cleanly and the demo removes its folder."""
    proc = subprocess.Popen(command, cwd=ROOT)
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    previous_term = signal.signal(signal.SIGTERM, lambda signum, _frame: proc.send_signal(signum))
    try:
        return proc.wait()
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)


def main(argv: list[str]) -> int:
    """Entry point."""
    if not argv or argv[0] not in ("demo", "test", "bench", "install"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "install":
        ensure_venv("")
        return 0
    if command == "demo":
        py = ensure_venv("")
        return run_app([str(py), "app.py", "--demo", *rest])
    if command == "bench":
        py = ensure_venv("test,bench")
        return subprocess.call([str(py), "-m", "bench", *rest], cwd=ROOT)
    py = ensure_venv("test,bench")
    ensure_chromium()
    ensure_real_shop()
    return subprocess.call([str(py), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
