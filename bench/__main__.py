"""Run every benchmark and print one table: ``python -m bench [--quick] [--only csv,peer] [--json FILE]``.

Each benchmark module (``bench/bench_<name>.py``) has ``collect(quick) ->
list[dict]``; every module runs in its own fresh Python process, so the peak
RSS shown is that process's own (``ru_maxrss``), unless a row measured a more
precise figure itself (e.g. the stock job runs in a process of its own, the
list parsing figure is a process that only streams; a row that shares its
process with a bigger benchmark shows "–"). ``--quick`` runs
scaled-down sizes (a smoke test of the aggregator in well under a minute).

Columns: time in seconds (wall clock unless the note says CPU), peak RSS in
MB, requests made to POHODA (mServer) and to the shop, the ratio to the floor
or to the peer it is compared with, and the target with ✓/✗. Notes (validity,
sizes, the CPU figures) are listed under the table. Exit code 0 when every
benchmark ran (targets missed are shown, not fatal), 1 when one could not run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: short name → module, in the order of the table
BENCHMARKS: dict[str, str] = {
    "stock": "bench.bench_stock",
    "orders": "bench.bench_orders",
    "csv": "bench.bench_csv",
    "pohoda": "bench.bench_pohoda",
    "payments": "bench.bench_payments",
    "customers": "bench.bench_customers",
    "peer": "bench.bench_peer",
    #: a real WordPress + WooCommerce (PHP + MariaDB); one line saying why when they are missing
    "realshop": "bench.bench_realshop",
}

MARK = "@@BENCH-ROWS@@"

_CHILD = """
import json, sys
sys.path.insert(0, {root!r})
import importlib
from bench.scratch import stop_on_sigterm
stop_on_sigterm()
module = importlib.import_module({module!r})
rows = module.collect(quick={quick!r})
try:  # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forked parent
    with open("/proc/self/status") as fh:
        peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    try:
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * (1024 if sys.platform == "darwin" else 1))
    except ImportError:  # Windows
        peak = None
print({mark!r} + json.dumps({{"rows": rows, "process_peak_rss_mb": peak}}, default=str), flush=True)
"""

COLUMNS = ("benchmark", "time (s)", "peak RSS (MB)", "requests POHODA / shop", "ratio", "target", "")


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop a benchmark that ran too long: SIGTERM first, so it removes its temporary data and emulators."""
    proc.terminate()
    try:
        proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


def run_module(name: str, module: str, *, quick: bool, timeout: float | None = None) -> list[dict[str, Any]]:
    """Run one benchmark module's ``collect`` in a fresh process; rows (a failed module gives one row)."""
    code = _CHILD.format(root=str(ROOT), module=module, quick=quick, mark=MARK)
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        with subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=err,
                              text=True) as proc:
            try:
                stdout, _ = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                stop(proc)
                return [_failed(name, f"nedoběhl do {timeout:.0f} s", time.perf_counter() - started)]
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    payload = next((line[len(MARK):] for line in reversed(stdout.splitlines()) if line.startswith(MARK)), None)
    if proc.returncode != 0 or payload is None:
        tail = [line for line in stderr.strip().splitlines() if line.strip()][-1:] or [f"exit code {proc.returncode}"]
        return [_failed(name, tail[0][:200], time.perf_counter() - started)]
    data = json.loads(payload)
    rows = data["rows"]
    for row in rows:
        if row.pop("rss", True) is False:  # the process also held other benchmarks' data: no honest figure
            row["peak_rss_mb"] = None
        elif row.get("peak_rss_mb") is None:
            row["peak_rss_mb"] = data["process_peak_rss_mb"]
        row.setdefault("group", name)
    return rows


def _failed(name: str, why: str, seconds: float) -> dict[str, Any]:
    return {"name": f"{name}: NEPROBĚHL", "seconds": seconds, "peak_rss_mb": None, "pohoda_requests": None,
            "shop_requests": None, "ratio": None, "ratio_of": "", "target": "", "ok": False, "note": why,
            "group": name, "failed": True}


# --------------------------------------------------------------------------- the table


def _num(value: Any, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def _requests(row: dict[str, Any]) -> str:
    p, s = row.get("pohoda_requests"), row.get("shop_requests")
    if p is None and s is None:
        return "–"
    return f"{_num(p, ',')} / {_num(s, ',')}"


def _ratio(row: dict[str, Any]) -> str:
    ratio = row.get("ratio")
    if ratio is None:
        return "–"
    of = row.get("ratio_of") or ""
    return f"{ratio:.2f}× {of}".strip()


def _mark(ok: Any) -> str:
    return "" if ok is None else ("✓" if ok else "✗")


def render(rows: list[dict[str, Any]]) -> str:
    """One Markdown table (readable in a terminal too) plus numbered notes."""
    notes: list[str] = []
    cells: list[tuple[str, ...]] = []
    for row in rows:
        name = row["name"]
        if row.get("note"):
            notes.append(str(row["note"]))
            name = f"{name} [{len(notes)}]"
        cells.append((name, _num(row.get("seconds"), ".2f"), _num(row.get("peak_rss_mb"), ".0f"), _requests(row),
                      _ratio(row), row.get("target") or "", _mark(row.get("ok"))))
    widths = [max(len(c[i]) for c in [COLUMNS, *cells]) for i in range(len(COLUMNS))]
    right = {1, 2, 3}

    def line(values: tuple[str, ...]) -> str:
        parts = [v.rjust(w) if i in right else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))]
        return "| " + " | ".join(parts) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2))
                          for i, w in enumerate(widths)) + "|"
    out = [line(COLUMNS), rule, *(line(c) for c in cells)]
    if notes:
        out.append("")
        out += [f"[{n}] {text}" for n, text in enumerate(notes, 1)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks, print the table; exit 1 when a benchmark could not run."""
    parser = argparse.ArgumentParser(prog="python -m bench", description="Every benchmark, one table.")
    parser.add_argument("--quick", action="store_true", help="scaled-down sizes (smoke test)")
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON to this file")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per benchmark module")
    args = parser.parse_args(argv)
    chosen = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for name in chosen:
        print(f"» {name} …", file=sys.stderr, flush=True)
        rows += run_module(name, BENCHMARKS[name], quick=args.quick, timeout=args.timeout)
    print(render(rows))
    print(f"\n{'quick' if args.quick else 'full'} run, {time.perf_counter() - started:.0f} s in all, "
          f"Python {sys.version.split()[0]} on {sys.platform}")
    if args.json is not None:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 1 if any(r.get("failed") for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
