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
    module.calls = calls
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
