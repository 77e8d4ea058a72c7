"""A fresh clone needs nothing beside it: no ``../shared``, no download.

Stormware's XSDs ship in the package (see ``tests/pohoda/test_schema_shipped.py``), the POHODA
samples with the tests, and the WordPress + WooCommerce release tarballs the real-shop tests
build from are vendored in ``tests/realshop/dist`` with their sha256 sums. The slow tests copy
the checkout into a temp folder with no ``shared`` beside it and run tests there with ``CI=true``
(where a skip of the real shop is a failure).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.realshop import shop as realshop

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "tests" / "realshop" / "dist"
# a path built toward a folder beside the checkout: ../shared, parent / "shared", parents[n] / "shared"
OUTSIDE = re.compile(r"""\.\./shared\b|(parent|parents\[\d\]|\.\.)['"]?\s*[/,]\s*['"]shared['"]""")


def test_the_tarballs_are_vendored_with_their_sums_and_origin() -> None:
    assert realshop.DIST == DIST
    assert (DIST / "SOURCE.md").is_file(), "where the tarballs come from (and their licence) must be noted"
    sums = realshop.expected_sums()
    assert set(sums) == {realshop.WP_TAR.name, realshop.WC_TAR.name}
    source = (DIST / "SOURCE.md").read_text(encoding="utf-8")
    for name, digest in sums.items():
        assert name in source and digest in source, f"SOURCE.md must name {name} and its sha256"
    realshop.verify_tarballs()  # raises when a file differs from SHA256SUMS


def test_git_keeps_the_tarballs_as_binary_and_does_not_ignore_them() -> None:
    assert "*.tar.xz binary" in (ROOT / ".gitattributes").read_text(encoding="utf-8").splitlines()
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    names = [realshop.WP_TAR, realshop.WC_TAR, realshop.SUMS]
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *map(str, names)],
                             cwd=ROOT, capture_output=True, text=True, check=False)
    assert ignored.stdout == "", f"ignored by .gitignore: {ignored.stdout}"
    attrs = subprocess.run(["git", "check-attr", "binary", str(realshop.WP_TAR)],
                           cwd=ROOT, capture_output=True, text=True, check=True)
    assert attrs.stdout.strip().endswith("binary: set")


def test_a_damaged_tarball_is_refused_with_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = tmp_path / realshop.WP_TAR.name
    damaged.write_bytes(b"version https://git-lfs.github.com/spec/v1\n")
    monkeypatch.setattr(realshop, "WP_TAR", damaged)
    with pytest.raises(realshop.ShopFailed, match=r"wordpress-6\.8\.3\.tar\.xz is damaged"):
        realshop.verify_tarballs()


def test_nothing_reads_from_a_folder_beside_the_checkout() -> None:
    places = [ROOT / "dev.py", ROOT / "app.py", ROOT / ".ci" / "run"]
    for folder in ("adapter", "tests", "bench"):
        places += (ROOT / folder).rglob("*.py")
    places += (ROOT / "tests" / "realshop" / "php").glob("*.php")
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
             for p in places if p != Path(__file__).resolve()
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if OUTSIDE.search(line) and "no ``../shared``" not in line]
    assert found == []


def copy_checkout(target: Path) -> None:
    """The files a fresh clone would hold: tracked ones and new ones not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode("utf-8").split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def clone_without_shared(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the checkout with nothing beside it, and the environment of a CI run there."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "pohoda-adapter"
    copy_checkout(clone)
    assert not (clone.parent / "shared").exists()
    env = {k: v for k, v in os.environ.items() if k not in ("POHODA_XSD_DIR", "PYTEST_ADDOPTS")}
    env.update(CI="true", PYTHONPATH=str(clone), PYTHONDONTWRITEBYTECODE="1")
    where = subprocess.run([sys.executable, "-c", "import adapter; print(adapter.__file__)"],
                           cwd=clone, env=env, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(clone), "the copy must import its own package"
    return clone, env


def run_pytest(clone: Path, env: dict[str, str], *args: str) -> str:
    """pytest in the clone; its output (asserts it passed and skipped nothing)."""
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *args],
        cwd=clone, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    tail = (run.stdout + run.stderr)[-3000:]
    assert run.returncode == 0, tail
    last = run.stdout.strip().splitlines()[-1]
    assert " passed" in last and "skipped" not in last, tail
    return run.stdout


@pytest.mark.slow
def test_a_fresh_clone_without_shared_passes_in_ci(tmp_path: Path) -> None:
    clone, env = clone_without_shared(tmp_path)
    assert (clone / "adapter" / "pohoda" / "xsd" / "data.xsd").is_file()
    run_pytest(clone, env, "-m", "not slow and not browser", "tests/pohoda", "tests/test_emulator_mserver.py",
               "tests/test_pohoda_stock.py", "tests/sync/orders")


@pytest.mark.slow
def test_a_fresh_clone_builds_the_real_shop_from_its_own_tarballs(tmp_path: Path) -> None:
    missing = [m for m in realshop.missing_tools() if "dist" not in m]
    if missing:
        reason = f"PHP/MariaDB missing ({', '.join(missing)}): `python3 dev.py test` installs them as root"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    clone, env = clone_without_shared(tmp_path)
    assert (clone / "tests" / "realshop" / "dist" / realshop.WP_TAR.name).stat().st_size == realshop.WP_TAR.stat().st_size
    out = run_pytest(clone, env, "-rA", "tests/realshop/test_fixture.py")
    assert "real shop: built in" in out, out[-2000:]
