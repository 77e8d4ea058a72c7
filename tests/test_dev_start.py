"""dev.py starts fast the second time: pip runs only when the requirements (or the extras) changed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    spec = importlib.util.spec_from_file_location("dev_under_test", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    venv = tmp_path / ".venv"
    python = venv / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "VENV", venv)
    monkeypatch.setattr(module, "venv_python", lambda: python)
    calls: list[list[str]] = []
    monkeypatch.setattr(module.subprocess, "run", lambda args, **kw: calls.append(list(args)))
    module.calls = calls  # type: ignore[attr-defined]
    return module


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")
def test_pip_runs_once_until_something_changes(dev: Any, tmp_path: Path) -> None:
    dev.ensure_venv("")
    assert len(dev.calls) == 1 and "pip" in dev.calls[0]
    dev.ensure_venv("")
    assert len(dev.calls) == 1, "nothing changed: the second start must not run pip"
    dev.ensure_venv("test,bench")
    dev.ensure_venv("bench,test")
    dev.ensure_venv("")
    assert len(dev.calls) == 2, "other extras install once, then both are remembered"
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '2'\n", encoding="utf-8")
    dev.ensure_venv("")
    assert len(dev.calls) == 3, "changed requirements install again"


def test_run_windows_bat_pauses_when_the_app_ends_with_an_error() -> None:
    text = (ROOT / "run_windows.bat").read_text(encoding="utf-8")
    after = text.split('app.py %*', 1)[1]
    assert 'if not "%RC%"=="0"' in after and "pause" in after.split("exit /b", 1)[0]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")
def test_install_command_runs_pip_only_when_needed(dev: Any, tmp_path: Path) -> None:
    assert dev.main(["install"]) == 0
    assert dev.main(["install"]) == 0
    assert len(dev.calls) == 1, "run_windows.bat's second start must not run pip"
    dev.ensure_venv("")  # what `dev.py demo` does first: the same stamp, so no pip either
    assert len(dev.calls) == 1


def test_a_failed_pip_says_what_to_do_and_leaves_no_stamp(dev: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(args: list[str], **_kw: Any) -> None:
        raise dev.subprocess.CalledProcessError(1, args)

    monkeypatch.setattr(dev.subprocess, "run", failing)
    with pytest.raises(SystemExit, match=r"Instalace závislostí selhala.*připojení k internetu"):
        dev.ensure_venv("")
    assert not (dev.VENV / ".installed").exists(), "the next start must try pip again"


def _bat_lines() -> list[str]:
    raw = (ROOT / "run_windows.bat").read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), "cmd.exe needs CRLF line ends"
    return [line.strip() for line in raw.decode("ascii").splitlines() if not line.strip().lower().startswith("rem")]


def test_run_windows_bat_installs_through_dev_py_and_its_stamp() -> None:
    lines = _bat_lines()
    assert not any("pip install" in line for line in lines), "pip only through dev.py, which checks the stamp"
    install = lines.index("%PY% dev.py install")
    start = next(n for n, line in enumerate(lines) if 'app.py %*' in line)
    assert install < start, "install (or skip it) before the app starts"
    assert lines[install + 1] == "if errorlevel 1 goto :fail"
    assert not any(line.startswith("%PY% -m venv") for line in lines), "dev.py creates .venv itself"
    fail = lines[lines.index(":fail"):]
    assert "pause" in fail
    removal = [line for line in fail if "rmdir" in line and ".venv" in line]
    assert removal and all(line.startswith("if defined FRESH") for line in removal), \
        "a failed update must not throw away a working .venv"
