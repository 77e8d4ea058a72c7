"""The shared catalogue is a pure function of (seed, size): pinned digests guard every byte of it.

Both emulators seed from ``catalogue.generate``; if its output drifts, the
POHODA side and the shop side of existing data folders stop agreeing. The
digests below were taken before ``_generate`` was split into named steps.
"""

from __future__ import annotations

import hashlib

import pytest

from adapter.emulators import catalogue


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


@pytest.mark.parametrize(
    ("seed", "size", "digest"),
    [
        (1, 2, "52a745f12f7af024"),
        (1, 5, "2e0102d7a8d13190"),
        (1, 20, "ed34aaca682ac7cf"),
        (5, 37, "e380f40b00eab99a"),
        (1, 200, "74d0247a41ac8170"),
        (7, 200, "0b6f8c6b2cb207d2"),
        (42, 1000, "81dbb8b5002f4e06"),
        (3, 3000, "a6a1d771be946e66"),
    ],
)
def test_catalogue_is_byte_identical_for_the_same_seed(seed: int, size: int, digest: str) -> None:
    assert _digest(catalogue._generate(seed, size)) == digest


def test_uncached_big_catalogue_matches_its_digest() -> None:
    assert _digest(catalogue.generate(11, 20_001)) == "5b069edff7e19d75"


@pytest.mark.parametrize(("seed", "count", "digest"), [(1, 50, "322d4b39cb5fdfaa"), (9, 13, "25735bea2fdb94a7")])
def test_people_are_byte_identical_for_the_same_seed(seed: int, count: int, digest: str) -> None:
    assert _digest(catalogue.people(seed, count)) == digest


def test_a_different_seed_gives_a_different_catalogue() -> None:
    assert _digest(catalogue._generate(2, 200)) != "74d0247a41ac8170"
