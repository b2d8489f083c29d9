from __future__ import annotations

import pytest

from image_classifier.tf_signatures import version_number


@pytest.mark.parametrize(
    ("version", "number"),
    [
        ("1.0.0", 1_000_000),
        ("1.2.3", 1_002_003),
        ("0.0.7", 7),
        ("2", 2_000_000),
        ("2.5", 2_005_000),
        ("v3.1.4", 3_001_004),
        ("1.0.0-rc1", 1_000_000),
        ("1.0.0+build.5", 1_000_000),
        (" 1.0.1 ", 1_000_001),
        ("not a version", 1),
        ("1.1000.0", 1),
        ("", 1),
    ],
)
def test_card_versions_map_to_tf_servings_integers(version, number):
    assert version_number(version) == number


def test_a_newer_card_gets_a_higher_number():
    ordered = ["0.9.999", "1.0.0", "1.0.1", "1.1.0", "1.10.0", "2.0.0", "10.0.0"]
    numbers = [version_number(v) for v in ordered]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
