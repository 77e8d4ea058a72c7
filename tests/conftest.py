"""Shared fixtures. Room-specific fixtures live in ``tests/fixtures_<room>.py``
files, which are loaded here as plugins."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adapter.pohoda import schema as pohoda_schema

TESTS = Path(__file__).parent
SHARED = pohoda_schema.PROJECT_ROOT.parent / "shared"
SAMPLES = SHARED / "pohoda" / "samples"

pytest_plugins = sorted(f"tests.{p.stem}" for p in TESTS.glob("fixtures_*.py"))


@pytest.fixture(scope="session")
def xsd_dir() -> Path:
    """The XSD folder; a missing folder fails loudly in CI and skips loudly elsewhere."""
    found = pohoda_schema.find_xsd_dir()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("POHODA XSD folder ../shared/pohoda/xsd is missing in CI")
        pytest.skip("SCHEMA FOLDER MISSING: ../shared/pohoda/xsd not found — XML not validated")
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
    """The folder of real and synthetic POHODA captures."""
    if not SAMPLES.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("../shared/pohoda/samples is missing in CI")
        pytest.skip("SAMPLES FOLDER MISSING: ../shared/pohoda/samples")
    return SAMPLES
