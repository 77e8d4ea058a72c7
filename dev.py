"""Bootstrap: install into .venv and start the demo, or run the whole test suite.

Usage (needs only Python 3.11+; works on Linux, macOS and Windows):

    python3 dev.py demo      # install, then start the app with both emulators (demo mode)
    python3 dev.py test      # install everything the tests need, then run the whole suite
    python3 dev.py bench     # install, then run every benchmark and print one table

Extra arguments after the command go to the app (demo) or to pytest (test).
"""

from __future__ import annotations

import os
import shutil
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
    print(f"» Instaluji závislosti ({target}) …", flush=True)
    subprocess.run(
        [str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target],
        cwd=ROOT,
        check=True,
    )
    return py


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


def main(argv: list[str]) -> int:
    """Entry point."""
    if not argv or argv[0] not in ("demo", "test", "bench"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "demo":
        py = ensure_venv("")
        return subprocess.call([str(py), "app.py", "--demo", *rest], cwd=ROOT)
    if command == "bench":
        py = ensure_venv("test,bench")
        return subprocess.call([str(py), "-m", "bench", *rest], cwd=ROOT)
    py = ensure_venv("test,bench")
    ensure_chromium()
    return subprocess.call([str(py), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
