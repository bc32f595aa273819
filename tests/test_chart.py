"""The sequence chart (sim.render.chart): what it shows is checked against the Trace, and its geometry is checked on
every bundled scenario and a few hundred generated quiz labs (no label overlaps another, none crosses an arrow,
everything inside the page, arrows at their datagrams' true times).

Two levels: the layout (every label box, arrow and line, in inches, computed without drawing) for all runs, and the
drawn Figure / SVG (matplotlib's own text extents, the SVG's text elements) for every bundled scenario. Speed is
measured in benchmarks/, not here.
"""

from __future__ import annotations

import functools
import hashlib
import itertools

import math
import random
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter

import matplotlib
import pytest

import sim
from sim import faults
from sim.engine.trace import DatagramDropped, DatagramProcessed, DatagramSent, SaChanged
from sim.errors import InputError
from sim.platforms.registry import platform_for
from sim.render.chart import SIZES, chart_bytes, chart_data, chart_figure, chart_format, chart_layout, render_chart
from sim.render.chart.labels import box_hits_segment, boxes_overlap
from sim.render.chart.model import key
from sim.training import labs

BUNDLED = tuple(name for name, _ in sim.list_bundled())
SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
N_LABS = 200


@functools.lru_cache(maxsize=None)
def run(name: str):
    return sim.run(name)


@functools.lru_cache(maxsize=None)
def lay(name: str, size: str = "slide"):
    r = run(name)
    return chart_layout(r.trace, r.scenario, size=size)


@functools.lru_cache(maxsize=None)
def rendered(name: str, fmt: str, size: str = "slide") -> bytes:
    r = run(name)
    return chart_bytes(r.trace, r.scenario, fmt, size=size)


def svg_elements(data: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(data)
    out: dict[str, ET.Element] = {}
    for el in root.iter():
        if "id" in el.attrib:
            assert el.attrib["id"] not in out, f"duplicate SVG id {el.attrib['id']}"
            out[el.attrib["id"]] = el
    return out


def svg_text(el: ET.Element) -> str:
    """The text of a matplotlib text group (svg.fonttype 'none': real <text> elements, one per line)."""
    parts = ["".join(t.itertext()) for t in el.iter(f"{SVG_NS}text")]
    assert parts, f"no <text> in {el.attrib.get('id')}"
    return " ".join(" ".join(parts).split())


# -- geometry, on the layout ----------------------------------------------------------------------------------------
def check_geometry(L) -> None:
    assert not L.unplaced, L.unplaced
    boxes = [(t.gid, t.box) for t in L.texts]
    # no two label boxes overlap (sweep over x: near-linear, and exact)
    order = sorted(boxes, key=lambda b: b[1][0])
    for i, (gid, a) in enumerate(order):
        for gid2, b in order[i + 1:]:
            if b[0] >= a[2]:
                break
            assert not boxes_overlap(a, b), (gid, gid2)
    # no label box crosses an arrow
    for gid, box in boxes:
        for arrow in L.arrows:
            assert not box_hits_segment(box, (arrow.a, arrow.b)), (gid, arrow.gid)
    # everything inside the page
    W, H = L.width, L.height
    for gid, (x0, y0, x1, y1) in boxes + [(r.gid, r.box) for r in L.rects]:
        assert 0 <= x0 <= x1 <= W and 0 <= y0 <= y1 <= H, gid
    for ln in L.lines:
        assert all(0 <= x <= W for x in ln.xs if not math.isnan(x)), ln.gid
        assert all(0 <= y <= H for y in ln.ys if not math.isnan(y)), ln.gid
    for a in L.arrows:
        assert all(0 <= p[0] <= W and 0 <= p[1] <= H for p in (a.a, a.b)), a.gid


def check_times(trace, L) -> None:
    """Every drawn arrow starts at its datagrams' true send time (one instant per group) and ends at the arrival;
    the axis is monotone; every datagram is drawn once, unless its attempt is folded."""
    by_id = {s.id: s for s in trace.of(DatagramSent)}
    ys = sorted(L.time_y.items())
    assert all(y1 <= y2 for (_, y1), (_, y2) in zip(ys, ys[1:])), "the axis runs backwards"
    drawn = Counter()
    for a in L.arrows:
        sends = {key(by_id[i].t) for i in a.ids}
        senders = {by_id[i].device for i in a.ids}
        assert sends == {key(a.t0)} and len(senders) == 1, a.gid
        assert a.a[1] == pytest.approx(L.time_y[key(a.t0)]), a.gid
        if a.t1 is not None:
            assert a.b[1] == pytest.approx(L.time_y[key(a.t1)]), a.gid
        drawn.update(a.ids)
    assert all(n == 1 for n in drawn.values())
    if not L.folded:
        assert set(drawn) == set(by_id)


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scenario_lays_out_cleanly(name, size):
    L = lay(name, size)
    check_geometry(L)
    check_times(run(name).trace, L)


def lab_runs():
    """A few hundred quiz labs, each broken by one catalogue fault (as sim.training.quiz does), deterministic."""
    rng = random.Random(13)
    names = faults.names()
    platforms = labs.available_platforms()
    made = 0
    seed = 0
    while made < N_LABS:
        seed += 1
        lab = labs.generate_lab(rng.randrange(1_000_000), platforms[seed % len(platforms)])
        fault = names[seed % len(names)]
        try:
            scenario = faults.apply(lab.scenario, [fault])
        except InputError:
            continue
        made += 1
        yield f"{lab.platform}-{lab.seed}-{fault}", sim.run(scenario)


def test_generated_quiz_labs_lay_out_cleanly():
    kinds = Counter()
    for n, (label, r) in enumerate(lab_runs()):
        for size in ("slide", "a4") if n % 2 else ("slide",):
            L = chart_layout(r.trace, r.scenario, size=size)
            try:
                check_geometry(L)
                check_times(r.trace, L)
            except AssertionError as err:
                raise AssertionError(f"{label} ({size}): {err}") from None
            kinds.update(a.head for a in L.arrows)
    assert kinds[True] and kinds[False]  # both delivered and path-dropped arrows were exercised


# -- what the Trace says the chart must show ------------------------------------------------------------------------
def lost_ids(trace) -> set[int]:
    dropped = {r.id for r in trace.of(DatagramDropped)}
    discarded = {r.id for r in trace.of(DatagramProcessed) if r.outcome == "discarded"}
    return dropped | discarded


def expected_bands(trace) -> Counter:
    """(hostname, platform state name) -> bands: one per SA state interval of positive length."""
    open_: dict[tuple, tuple[str, float]] = {}
    intervals = []
    for r in trace.of(SaChanged):
        k = (r.device, r.update.sa, r.update.role)
        if k in open_:
            state, since = open_.pop(k)
            intervals.append((k, state, since, r.t))
        if r.update.state is not None:
            open_[k] = (r.update.state, r.t)
    for k, (state, since) in open_.items():
        intervals.append((k, state, since, max(trace.end, since + 1)))
    out = Counter()
    for (device, _, role), state, t0, t1 in intervals:
        if key(t1) > key(t0):
            out[(device, platform_for(trace.device(device).platform).state_name(role, state))] += 1
    return out


def expected_stuck(trace) -> dict[str, str]:
    """hostname -> platform name of the last state of the last SA it created, when that is not MM_ACTIVE."""
    out = {}
    for d in trace.devices:
        changes = trace.of(SaChanged, d.hostname)
        if not changes:
            continue
        first_seen = {}
        for r in changes:
            first_seen.setdefault((r.update.sa, r.update.role), r.t)
        last_sa = max(first_seen, key=lambda k: first_seen[k])
        final = [r.update for r in changes if (r.update.sa, r.update.role) == last_sa and r.update.state][-1]
        if final.state != "MM_ACTIVE":
            out[d.hostname] = platform_for(d.platform).state_name(final.role, final.state)
    return out


@pytest.mark.parametrize("name", BUNDLED)
def test_the_layout_shows_what_the_trace_says(name):
    trace = run(name).trace
    L = lay(name)
    gids = {t.gid: t for t in L.texts}
    lines = {ln.gid for ln in L.lines}
    rects = {r.gid for r in L.rects}
    for d in trace.devices:
        assert f"lifeline-{d.hostname}" in lines and f"header-{d.hostname}" in rects
    lost = lost_ids(trace)
    for a in L.arrows:
        assert f"label-{a.ids[0]}" in gids
        assert (f"cross-{a.ids[0]}" in lines) == any(i in lost for i in a.ids), a.gid
        assert (f"reason-{a.ids[0]}" in gids) == any(i in lost for i in a.ids), a.gid
    by_id = {s.id: s for s in trace.of(DatagramSent)}
    for a in L.arrows:
        label = gids[f"label-{a.ids[0]}"].text.replace("\n", " ")
        first = by_id[a.ids[0]]
        assert label.startswith("Informational" if first.message == "NOTIFY" else first.message), label
        assert ("\u00d7" in label) == (len(a.ids) > 1), label
        resends = sorted(by_id[i].attempt for i in a.ids if by_id[i].attempt)
        assert ("retransmit" in label) == bool(resends) == a.resend, label
    want = expected_stuck(trace)
    assert {g[len("stuck-"):] for g in gids if re.fullmatch(r"stuck-[^-]+(-[^-]+)*", g) and not g.endswith(
        "-detail")} == set(want)
    for host, state in want.items():
        assert " ".join(gids[f"stuck-{host}"].text.split()) == f"stuck in {state}"
    if not L.folded:
        bands = Counter()
        for r in L.rects:
            m = re.fullmatch(r"state-(.+)-([^-]+)-(\d+)", r.gid)
            if m:
                bands[(m.group(1), m.group(2))] += 1
                label = gids.get(f"statelabel-{m.group(1)}-{m.group(2)}-{m.group(3)}")
                assert label.text == m.group(2) if label else r.gid in L.named  # else its stuck callout names it
        assert bands == expected_bands(trace)
        removals = Counter(r.device for r in trace.of(SaChanged) if r.update.state is None)
        assert Counter(g.rsplit("-", 1)[0][len("removed-"):] for g in lines if g.startswith("removed-")) == removals
    assert name in gids["footer"].text and f"seed {trace.seed}" in gids["footer"].text


def test_simultaneous_sends_are_one_arrow_at_their_true_time():
    # return-path-blocked: at 16.005 s the responder's timer resend of MM2 and its resend for a duplicate MM1 leave
    # at one instant: one arrow "x2" at that time
    trace = run("return-path-blocked").trace
    L = lay("return-path-blocked")
    mm2 = [s for s in trace.of(DatagramSent) if s.message == "MM2" and key(s.t) == 16.005]
    assert len(mm2) == 2
    arrow = next(a for a in L.arrows if a.ids[0] == mm2[0].id)
    assert arrow.ids == tuple(s.id for s in mm2) and key(arrow.t0) == 16.005
    assert "\u00d72" in next(t.text for t in L.texts if t.gid == f"label-{mm2[0].id}")
    # psk-mismatch: the timer resend of MM5 and the duplicate-triggered one leave at 8.020 s, drawn there
    trace = run("psk-mismatch").trace
    L = lay("psk-mismatch")
    resend = next(s for s in trace.of(DatagramSent) if s.message == "MM5" and s.attempt == 1)
    assert key(resend.t) == 8.02
    arrow = next(a for a in L.arrows if resend.id in a.ids)
    tick = next(t for t in L.texts if t.gid == "ticklabel-8.020")
    assert tick.text == "8.020s"
    assert arrow.a[1] == pytest.approx((tick.box[1] + tick.box[3]) / 2)


def test_idle_stretches_are_cut_and_steps_of_one_length_are_one_height():
    L = lay("psk-mismatch")
    trace = run("psk-mismatch").trace
    delivered = [a for a in L.arrows if a.t1 is not None]
    heights = {round(a.b[1] - a.a[1], 6) for a in delivered if key(a.t1 - a.t0) == 0.005}
    assert len(heights) == 1 and heights.pop() > 0
    assert len([ln for ln in L.lines if re.fullmatch(r"break-[\d.]+-axis", ln.gid)]) == 4
    assert L.height == SIZES["slide"].height
    assert max(L.time_y.values()) - min(L.time_y.values()) < 6  # 32 s on less than 6 inches
    assert {key(s.t) for s in trace.of(DatagramSent)} <= set(L.time_y)


def test_stuck_sa_comes_back_is_folded_and_fits_the_slide():
    trace = run("stuck-sa-comes-back").trace
    L = lay("stuck-sa-comes-back")
    assert len(trace.of(DatagramSent)) == 99  # nine attempts of MM1-MM5 with their resends (99 since honest resends)
    assert L.folded == (2, 9)
    fold = next(t for t in L.texts if t.gid == "fold-text")
    assert fold.text.startswith("attempts 2-9 folded: same as attempt 1")
    assert L.height == SIZES["slide"].height
    # attempt 1 in full, then the states alive when the run ended, with the stuck callouts
    assert {a.ids[0] for a in L.arrows} <= {s.id for s in trace.of(DatagramSent) if s.t < 34}
    assert {" ".join(t.text.split()) for t in L.texts if re.fullmatch(r"stuck-ASA-LAB\d", t.gid)} == {
        "stuck in MM_WAIT_MSG6", "stuck in MM_WAIT_MSG5"}
    fold_box = next(r.box for r in L.rects if r.gid == "fold")
    tail = [r for r in L.rects if r.gid.startswith("state-") and r.box[1] >= fold_box[3] - 1e-9]
    assert {r.gid.split("-")[-2] for r in tail} == {"MM_WAIT_MSG6", "MM_WAIT_MSG5"}
    assert max(L.time_y) == 300.0


@pytest.mark.parametrize("name", [n for n in ("nat-t", "ios-to-asa-nat-t") if n in BUNDLED])
def test_nat_t_shows_the_pat_device_and_the_float_to_4500(name):
    L = lay(name)
    r = run(name)
    nat = r.scenario.path[0]
    assert any(ln.gid == "natline-0" for ln in L.lines) and any(x.gid == "nat-0" for x in L.rects)
    box = next(t for t in L.texts if t.gid == "nattext-0").text
    assert nat.address in box and "UDP 4500" in box
    labels = {t.gid: t.text.replace("\n", " ") for t in L.texts if t.gid.startswith("label-")}
    for s in r.trace.of(DatagramSent):
        if f"label-{s.id}" in labels:
            assert ("UDP 4500" in labels[f"label-{s.id}"]) == (4500 in (s.sport, s.dport)), s
    assert {s.message for s in r.trace.of(DatagramSent) if 4500 in (s.sport, s.dport)} >= {"MM5", "MM6"}
    assert all(a.natted for a in L.arrows)
    ids = svg_elements(rendered(name, "svg"))
    assert {i for i in ids if i.startswith("natmark-")} == {a.gid.replace("arrow", "natmark") for a in L.arrows}


def test_chart_data_reads_fates_ports_and_states():
    data = chart_data(run("nat-t").trace, run("nat-t").scenario)
    assert [(d.message, d.sport) for d in data.datagrams][-2:] == [("MM5", 4500), ("MM6", 4500)]
    assert all(d.natted for d in data.datagrams)
    assert data.nats[0].address == "192.0.2.1" and data.nats[0].inside == 0
    data = chart_data(run("psk-mismatch").trace)
    assert {d.fate for d in data.datagrams} == {"delivered", "discarded", "duplicate"}
    assert data.stuck[0][0] == "MM_WAIT_MSG6" and data.stuck[1][0] == "MM_WAIT_MSG5"
    assert not data.nats


# -- the drawn chart: matplotlib's own extents, the SVG --------------------------------------------------------------
@pytest.mark.parametrize("name", BUNDLED)
def test_drawn_text_stays_inside_its_box_and_the_page(name):
    r = run(name)
    L = lay(name)
    fig = chart_figure(r.trace, r.scenario)
    renderer = fig.canvas.get_renderer()
    dpi = fig.dpi
    boxes = {t.gid: t.box for t in L.texts}
    H = L.height
    for t in fig.axes[0].texts:
        bb = t.get_window_extent(renderer)
        x0, x1 = bb.x0 / dpi, bb.x1 / dpi
        y0, y1 = H - bb.y1 / dpi, H - bb.y0 / dpi
        want = boxes[t.get_gid()]
        slack = 0.02
        assert want[0] - slack <= x0 and x1 <= want[2] + slack, (t.get_gid(), (x0, x1), want)
        assert want[1] - slack <= y0 and y1 <= want[3] + slack, (t.get_gid(), (y0, y1), want)
    # every other artist (arrows, heads, crosses, bands, zig-zags, legend samples) inside the page too
    ax = fig.axes[0]
    for artist in itertools.chain(ax.lines, ax.patches):
        bb = artist.get_window_extent(renderer)
        assert -1 <= bb.x0 and bb.x1 <= fig.bbox.width + 1 and -1 <= bb.y0 and bb.y1 <= fig.bbox.height + 1, \
            artist.get_gid()


@pytest.mark.parametrize("name", ["psk-mismatch", "nat-t", "stuck-sa-comes-back", "udp500-blocked"])
def test_svg_keeps_text_as_text_and_ids(name):
    ids = svg_elements(rendered(name, "svg"))
    L = lay(name)
    for a in L.arrows:
        assert f"arrow-{a.ids[0]}" in ids
        assert ("stroke-dasharray" in ids[f"arrow-{a.ids[0]}"][0].attrib.get("style", "")) == a.resend
    for t in L.texts:
        assert svg_text(ids[t.gid]) == " ".join(t.text.split()), t.gid


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC) and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_formats_sizes_and_no_timestamps():
    assert png_size(rendered("psk-mismatch", "png")) == (2000, 1125)  # 13.33 x 7.5 in at 150 dpi
    assert png_size(rendered("udp500-blocked", "png", "a4")) == (2481, 3507)  # A4 at 300 dpi
    pdf = rendered("psk-mismatch", "pdf")
    data = rendered("psk-mismatch", "svg")
    assert pdf.startswith(b"%PDF-") and b"/CreationDate" not in pdf and b"/ModDate" not in pdf
    assert data.startswith(b"<?xml") and b"<dc:date>" not in data and b"<text" in data
    assert b"Software" not in rendered("psk-mismatch", "png")[:200]


def test_same_bytes_twice_in_one_process_and_no_global_state_leaks():
    r = run("stuck-sa-comes-back")
    before = dict(matplotlib.rcParams)
    for fmt in ("svg", "png", "pdf"):
        assert chart_bytes(r.trace, r.scenario, fmt) == rendered("stuck-sa-comes-back", fmt), fmt
    assert dict(matplotlib.rcParams) == before


def test_same_bytes_in_another_process_and_no_pyplot():
    code = (
        "import sys, hashlib\n"
        "import sim, sim.cli\n"
        "import sim.render.chart\n"
        "assert not any(m.split('.')[0] == 'matplotlib' for m in sys.modules), 'matplotlib imported early'\n"
        "from sim.render.chart import chart_bytes, chart_layout\n"
        "r = sim.run('psk-mismatch')\n"
        "chart_layout(r.trace, r.scenario)\n"
        "assert not any(m.split('.')[0] == 'matplotlib' for m in sys.modules), 'the layout imported matplotlib'\n"
        "print(hashlib.sha256(chart_bytes(r.trace, r.scenario, 'svg')).hexdigest())\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == hashlib.sha256(rendered("psk-mismatch", "svg")).hexdigest()


def test_render_chart_writes_the_file_or_nothing(tmp_path):
    r = run("healthy")
    target = tmp_path / "healthy.svg"
    data = render_chart(r.trace, r.scenario, target)
    assert target.read_bytes() == data == rendered("healthy", "svg")
    assert render_chart(r.trace, r.scenario, "svg") == data  # a bare format: bytes only
    assert chart_format("x/Chart.PDF") == "pdf" and chart_format("png") == "png"
    with pytest.raises(InputError) as err:
        render_chart(r.trace, r.scenario, tmp_path / "chart.gif")
    assert err.value.field == "chart" and "chart.gif" in str(err.value)
    with pytest.raises(InputError) as err:
        render_chart(r.trace, r.scenario, tmp_path / "chart.png", size="letter")
    assert err.value.field == "size"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["healthy.svg"]


def test_placement_checks_grow_linearly():
    """The placer's exact tests (its work) per datagram do not grow with the run: no all-pairs comparison."""
    from sim.render.chart.layout import build

    small = build(chart_data(run("psk-mismatch").trace), "slide", folding=False)
    big = build(chart_data(run("stuck-sa-comes-back").trace), "slide", folding=False)
    per_small = small.checks / len(run("psk-mismatch").trace.of(DatagramSent))
    per_big = big.checks / len(run("stuck-sa-comes-back").trace.of(DatagramSent))
    assert per_big < 2 * per_small


def test_a_trace_without_two_devices_is_refused():
    trace = run("healthy").trace
    import dataclasses

    lone = dataclasses.replace(trace, devices=trace.devices[:1])
    with pytest.raises(InputError):
        chart_layout(lone)



