"""Retry-After as seconds: one reading for every provider that honours it (providers/base.py)."""

import math

import pytest
from stockflow.sources.providers import base


@pytest.mark.parametrize(
    ("header", "default", "expected"),
    [
        ("12", None, 12.0),
        ("2.5", 60.0, 2.5),
        ("-3", 60.0, 0.0),  # a clock skewed into the past: retry now, not never
        (None, 60.0, 60.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0, 60.0),  # an HTTP date is not seconds
        ("nan", 60.0, 0.0),  # never NaN: time.sleep(nan) raises
    ],
)
def test_seconds(header, default, expected):
    got = base.seconds(header, default)
    assert got == expected and not (isinstance(got, float) and math.isnan(got))
