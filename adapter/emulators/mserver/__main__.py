"""``python -m adapter.emulators.mserver --port 4444 --data DIR``."""

from __future__ import annotations

from adapter.emulators.mserver.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
