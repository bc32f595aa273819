"""Speed of the sequence chart (not part of the default test run).

Run: python -m pytest benchmarks/test_bench_chart.py --benchmark-only   (pyproject's testpaths keep these out of
`pytest`; its addopts skip benchmarks unless --benchmark-only is given)
"""

from __future__ import annotations

import pytest

import sim
from sim.render.chart import chart_bytes

pytestmark = pytest.mark.benchmark
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def psk_mismatch():
    return sim.run("psk-mismatch")


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_psk_mismatch_chart(benchmark, psk_mismatch, fmt):
    data = benchmark(chart_bytes, psk_mismatch.trace, psk_mismatch.scenario, fmt)
    assert data.startswith(PNG_MAGIC if fmt == "png" else b"<?xml")


def test_psk_mismatch_chart_a4_png(benchmark, psk_mismatch):
    data = benchmark(chart_bytes, psk_mismatch.trace, psk_mismatch.scenario, "png", size="a4")
    assert data.startswith(PNG_MAGIC)
