"""Command line of the mServer emulator (``python app.py emulate mserver …``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
import time
from pathlib import Path
from typing import Any

from adapter.emulators.mserver.emulator import MServerEmulator


def _fault_value(raw: str) -> Any:
    with contextlib.suppress(json.JSONDecodeError):
        return json.loads(raw)
    return raw


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (``python app.py emulate mserver …``)."""
    p = argparse.ArgumentParser(prog="mserver-emulator", description="Emulátor POHODA mServer (XML přes HTTP).")
    p.add_argument("--port", type=int, default=4444, help="port (0 = volný port)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--data", type=Path, required=True, help="složka s databází emulátoru")
    p.add_argument("--ico", default="12345678")
    p.add_argument("--user", default="admin")
    p.add_argument("--password", default="heslo")
    p.add_argument("--company", default="Novák s.r.o.")
    p.add_argument("--name", default="emulator", help="název konfigurace mServeru (v /status)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--seed-stock", type=int, default=0, help="počet zásob z katalogu (jen do prázdné databáze)")
    p.add_argument("--xsd-dir", type=Path, default=None)
    p.add_argument("--fault", action="append", default=[], metavar="KEY=VALUE",
                   help="porucha při startu, např. latency_ms=200 nebo busy=3 (opakovatelné)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until interrupted."""
    args = build_parser().parse_args(argv)
    faults = {}
    for item in args.fault:
        key, _, value = item.partition("=")
        faults[key.strip()] = _fault_value(value)
    started = time.perf_counter()
    emu = MServerEmulator(args.data, ico=args.ico, user=args.user, password=args.password, company=args.company,
                          seed=args.seed, seed_stock=args.seed_stock, xsd_dir=args.xsd_dir, name=args.name,
                          faults=faults)
    url = emu.start(args.host, args.port)
    print(f"POHODA mServer emulátor: {url}/xml (IČO {args.ico}, start {time.perf_counter() - started:.1f} s)",
          flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0
