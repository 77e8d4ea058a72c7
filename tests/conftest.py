"""Shared fixtures. Room-specific fixtures live in ``tests/fixtures_<room>.py``
files, which are loaded here as plugins."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.pohoda import schema as pohoda_schema

TESTS = Path(__file__).parent
SAMPLES = TESTS / "data" / "pohoda_samples"

pytest_plugins = sorted(f"tests.{p.stem}" for p in TESTS.glob("fixtures_*.py"))


@pytest.fixture(scope="session")
def xsd_dir() -> Path:
    """The XSD folder shipped in the package; a missing one fails (it is part of the app)."""
    found = pohoda_schema.find_xsd_dir()
    if found is None:
        pytest.fail("POHODA XSD folder adapter/pohoda/xsd is missing: the package is incomplete")
    return found


@pytest.fixture(scope="session")
def assert_valid_datapack(xsd_dir: Path):
    """Assert that bytes are a dataPack valid against data.xsd."""

    def check(xml: bytes) -> None:
        errors = pohoda_schema.validate(xml, "data", xsd_dir)
        assert errors == [], "\n".join(errors or [])

    return check


@pytest.fixture(scope="session")
def assert_valid_responsepack(xsd_dir: Path):
    """Assert that bytes are a responsePack valid against response.xsd."""

    def check(xml: bytes) -> None:
        errors = pohoda_schema.validate(xml, "response", xsd_dir)
        assert errors == [], "\n".join(errors or [])

    return check


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The folder of real and synthetic POHODA captures (kept with the tests)."""
    if not SAMPLES.is_dir():
        pytest.fail("tests/data/pohoda_samples is missing: the checkout is incomplete")
    return SAMPLES
