"""Speed of the sequence chart (not part of the default test run).

Run: python -m pytest benchmarks/test_bench_chart.py --benchmark-only   (pyproject's testpaths keep these out of
`pytest`; its addopts skip benchmarks unless --benchmark-only is given)

The issue's target: a chart of the 126-datagram stuck-sa-comes-back costs at most 2x the one of a 10-datagram run
(return-path-blocked, 11 datagrams). ``test_chart_cost_ratio`` measures both (layout and SVG/PNG) and asserts it; the
layout is also timed with folding off (every one of the 126 datagrams placed), where placement on the grid index
must stay near-linear (about 11x the datagrams, so well under the 100x+ of an all-pairs placer).
"""

from __future__ import annotations

import statistics
import time

import pytest

import sim
from sim.engine.trace import DatagramSent
from sim.render.chart import chart_bytes, chart_data
from sim.render.chart.layout import build

pytestmark = pytest.mark.benchmark
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SMALL, BIG = "return-path-blocked", "stuck-sa-comes-back"


@pytest.fixture(scope="module")
def runs():
    return {name: sim.run(name) for name in ("psk-mismatch", SMALL, BIG)}


@pytest.mark.parametrize("name", ["psk-mismatch", BIG])
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_chart(benchmark, runs, name, fmt):
    r = runs[name]
    data = benchmark(chart_bytes, r.trace, r.scenario, fmt)
    assert data.startswith(PNG_MAGIC if fmt == "png" else b"<?xml")


def test_psk_mismatch_chart_a4_png(benchmark, runs):
    r = runs["psk-mismatch"]
    assert benchmark(chart_bytes, r.trace, r.scenario, "png", size="a4").startswith(PNG_MAGIC)


@pytest.mark.parametrize("name", [SMALL, BIG])
def test_layout_unfolded(benchmark, runs, name):
    r = runs[name]
    data = chart_data(r.trace, r.scenario)
    layout = benchmark(build, data, "slide", False)
    assert not layout.unplaced


def _median(fn, n=7) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def test_chart_cost_ratio(benchmark, runs):
    small, big = runs[SMALL], runs[BIG]
    assert len(small.trace.of(DatagramSent)) <= 11 and len(big.trace.of(DatagramSent)) == 126
    out = {}
    for fmt in ("svg", "png"):
        out[fmt] = (_median(lambda: chart_bytes(big.trace, big.scenario, fmt))
                    / _median(lambda: chart_bytes(small.trace, small.scenario, fmt)))
    d_small, d_big = chart_data(small.trace, small.scenario), chart_data(big.trace, big.scenario)
    out["layout, unfolded"] = _median(lambda: build(d_big, "slide", False)) / _median(lambda: build(d_small, "slide",
                                                                                                    False))
    benchmark.extra_info.update(out)
    benchmark(lambda: None)
    print({k: round(v, 2) for k, v in out.items()})
    assert out["svg"] <= 2 and out["png"] <= 2
    assert out["layout, unfolded"] <= 126 / 11 * 2  # linear in datagrams, with room for noise
