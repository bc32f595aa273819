"""The sequence chart (sim.render.chart): what it shows is checked against the Trace, not hard-coded.

SVG output is parsed for the documented scenarios (matplotlib writes each artist's ``gid`` as the SVG ``id`` and each
text as a comment before its glyphs); every other bundled scenario is checked on the laid-out Figure's artists, which
carry the same gids. Speed is measured in benchmarks/, not here.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter

import matplotlib
import pytest

import sim
from sim.engine.trace import DatagramDropped, DatagramProcessed, DatagramSent, SaChanged
from sim.errors import InputError
from sim.platforms.registry import platform_for
from sim.render.labels import fates
from sim.render.chart import SIZES, chart_bytes, chart_figure, chart_format, render_chart

#: the scenarios the runbooks show; their SVG is parsed and their labels must never overlap, on either page size
DOCUMENTED = ("healthy", "udp500-blocked", "return-path-blocked", "missing-tunnel-group", "psk-mismatch",
              "initiator-no-psk")
BUNDLED = tuple(name for name, _ in sim.list_bundled())
#: one scenario with a non-ASA platform, if bundled: state names must be that platform's
OTHER_PLATFORM = tuple(n for n in ("ios-to-asa-psk-mismatch",) if n in BUNDLED)
SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@functools.lru_cache(maxsize=None)
def run(name: str):
    return sim.run(name)


@functools.lru_cache(maxsize=None)
def rendered(name: str, fmt: str, size: str = "slide") -> bytes:
    r = run(name)
    return chart_bytes(r.trace, r.scenario, fmt, size=size)


def svg(name: str, size: str = "slide") -> bytes:
    return rendered(name, "svg", size)


@functools.lru_cache(maxsize=None)
def figure(name: str, size: str = "slide"):
    r = run(name)
    return chart_figure(r.trace, r.scenario, size=size)


def svg_elements(data: bytes) -> dict[str, ET.Element]:
    """Every element with an id, by id (ids must be unique)."""
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    root = ET.fromstring(data, parser=parser)
    out: dict[str, ET.Element] = {}
    for el in root.iter():
        if "id" in el.attrib:
            assert el.attrib["id"] not in out, f"duplicate SVG id {el.attrib['id']}"
            out[el.attrib["id"]] = el
    return out


def svg_text(el: ET.Element) -> str:
    """The text a matplotlib text group draws (it writes each line as a comment before its glyphs)."""
    lines = [child.text for child in el if child.tag is ET.Comment]
    assert lines, f"no text in {el.attrib.get('id')}"
    return " ".join(" ".join(lines).split())


def figure_gids(fig) -> dict[str, object]:
    ax = fig.axes[0]
    out = {}
    for artist in itertools.chain(ax.lines, ax.patches, ax.texts):
        gid = artist.get_gid()
        if gid:
            assert gid not in out, f"duplicate gid {gid}"
            out[gid] = artist
    return out


# -- what the Trace says the chart must show ------------------------------------------------------------------------
def lost_ids(trace) -> set[int]:
    dropped = {r.id for r in trace.of(DatagramDropped)}
    discarded = {r.id for r in trace.of(DatagramProcessed) if r.outcome == "discarded"}
    return dropped | discarded


def path_dropped_ids(trace) -> set[int]:
    return {r.id for r in trace.of(DatagramDropped) if r.where == "path"}


def expected_bands(trace) -> Counter:
    """(hostname, platform state name) -> how many bands of it: one per SA state interval of positive length."""
    open_: dict[tuple, tuple[str, float]] = {}
    intervals = []
    for r in trace.of(SaChanged):
        key = (r.device, r.update.sa, r.update.role)
        if key in open_:
            state, since = open_.pop(key)
            intervals.append((key, state, since, r.t))
        if r.update.state is not None:
            open_[key] = (r.update.state, r.t)
    last = max([r.t for r in trace.records], default=0.0)
    for key, (state, since) in open_.items():
        intervals.append((key, state, since, max(trace.end, last)))
    out = Counter()
    for (device, _, role), state, t0, t1 in intervals:
        if round(t1, 9) > round(t0, 9):
            out[(device, platform_for(trace.device(device).platform).state_name(role, state))] += 1
    return out


def expected_stuck(trace) -> dict[str, str]:
    """hostname -> platform name of the state it is stuck in: the last state of the last SA it created, when that
    state is not MM_ACTIVE."""
    out = {}
    for d in trace.devices:
        changes = [r for r in trace.of(SaChanged, d.hostname)]
        if not changes:
            continue
        first_seen = {}
        for r in changes:
            first_seen.setdefault((r.update.sa, r.update.role), r.t)
        last_sa = max(first_seen, key=lambda k: first_seen[k])
        states = [r.update for r in changes if (r.update.sa, r.update.role) == last_sa and r.update.state]
        final = states[-1]
        if final.state != "MM_ACTIVE":
            out[d.hostname] = platform_for(d.platform).state_name(final.role, final.state)
    return out


# -- structure, checked on the SVG ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", DOCUMENTED + OTHER_PLATFORM)
def test_svg_shows_what_the_trace_says(name):
    trace = run(name).trace
    ids = svg_elements(svg(name))
    sent = trace.of(DatagramSent)

    for d in trace.devices:
        assert f"lifeline-{d.hostname}" in ids
        assert f"header-{d.hostname}" in ids
    # one arrow and one label per datagram; an arrowhead unless it died on the path; dashed iff retransmitted
    assert {i for i in ids if re.fullmatch(r"arrow-\d+", i)} == {f"arrow-{s.id}" for s in sent}
    assert {i for i in ids if re.fullmatch(r"arrowhead-\d+", i)} == {
        f"arrowhead-{s.id}" for s in sent if s.id not in path_dropped_ids(trace)}
    for s in sent:
        style = ids[f"arrow-{s.id}"][0].attrib["style"]
        assert ("stroke-dasharray" in style) == (s.attempt > 0), s
        label = svg_text(ids[f"label-{s.id}"])
        assert label.startswith("Informational" if s.message == "NOTIFY" else s.message), label
        timer = s.attempt > 0 and s.trigger == "timer"  # duplicate-triggered resends are labelled apart
        assert (f"(retransmit {s.attempt})" in label) == timer, label
        assert ("(resent on duplicate)" in label) == (s.attempt > 0 and not timer), label
    # a cross for every datagram that died, none for the others
    assert {i for i in ids if i.startswith("cross-")} == {f"cross-{i}" for i in lost_ids(trace)}
    # each lost datagram's reason is written next to a cross (in full or by its first clause)
    reasons = [svg_text(el) for i, el in ids.items() if re.fullmatch(r"reason-\d+", i)]
    for r in {f.reason for f in fates(trace).values() if f.lost}:
        head = r.split(": ")[0].split(" (")[0]
        assert any(text.startswith(head) for text in reasons), (head, reasons)
    # state bands and their labels, in the platform's own names
    bands = Counter()
    for i, el in ids.items():
        m = re.fullmatch(r"state-(.+)-([^-]+)-(\d+)", i)
        if m and not i.startswith("statelabel-"):
            host, state = m.group(1), m.group(2)
            bands[(host, state)] += 1
            assert svg_text(ids[f"statelabel-{host}-{state}-{m.group(3)}"]) == state
    assert bands == expected_bands(trace)
    # the stuck marker on the right device(s), naming the state; SA removals capped
    hosts = {d.hostname for d in trace.devices}
    stuck = {i[len("stuck-"):]: el for i, el in ids.items() if i.startswith("stuck-") and i[len("stuck-"):] in hosts}
    want = expected_stuck(trace)
    assert set(stuck) == set(want)
    for host, state in want.items():
        assert svg_text(stuck[host]) == f"stuck in {state}"
    removals = Counter(r.device for r in trace.of(SaChanged) if r.update.state is None)
    assert Counter(i.rsplit("-", 1)[0][len("removed-"):] for i in ids if i.startswith("removed-")) == removals
    for host in removals:
        if host in want:
            assert "SA removed" in svg_text(ids[f"stuck-{host}-detail"])
    # the footer: scenario name, title and seed
    footer = svg_text(ids["footer"])
    assert name in footer and trace.title in footer and f"seed {trace.seed}" in footer


def test_udp500_blocked_shows_the_four_dropped_mm1():
    trace = run("udp500-blocked").trace
    sent = trace.of(DatagramSent)
    assert [s.message for s in sent] == ["MM1"] * 4 and lost_ids(trace) == {s.id for s in sent}
    ids = svg_elements(svg("udp500-blocked"))
    assert sorted(i for i in ids if i.startswith("cross-")) == [f"cross-{s.id}" for s in sent]
    assert svg_text(ids["stuck-ASA-LAB1"]) == "stuck in MM_WAIT_MSG2"
    assert "stuck-ASA-LAB2" not in ids and "nosa-ASA-LAB2" in ids
    assert "ACL outside_in on FW-EDGE" in svg_text(ids["reason-1"])


def test_healthy_has_no_crosses_and_nobody_stuck():
    ids = svg_elements(svg("healthy"))
    assert not [i for i in ids if i.startswith(("cross-", "stuck-", "reason-", "removed-"))]
    assert "state-ASA-LAB1-MM_ACTIVE-0" in ids and "state-ASA-LAB2-MM_ACTIVE-0" in ids


def test_psk_mismatch_is_stuck_in_msg6_and_msg5():
    ids = svg_elements(svg("psk-mismatch"))
    assert svg_text(ids["stuck-ASA-LAB1"]) == "stuck in MM_WAIT_MSG6"
    assert svg_text(ids["stuck-ASA-LAB2"]) == "stuck in MM_WAIT_MSG5"
    assert svg_text(ids["reason-5"]).startswith("could not decrypt MM5")


def test_idle_gaps_are_compressed_and_bursts_keep_one_linear_scale():
    """The 8 s between retransmissions is cut out; 5 ms steps are equally tall in every burst."""
    ids = svg_elements(svg("psk-mismatch"))
    trace = run("psk-mismatch").trace

    def ends(i):
        nums = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", ids[f"arrow-{i}"][0].attrib["d"])]
        return nums[1], nums[3]  # y where it leaves, y where the shaft ends (SVG y grows downwards)

    delivered = [s for s in trace.of(DatagramSent) if s.id not in lost_ids(trace)]
    heights = {round(ends(s.id)[1] - ends(s.id)[0], 3) for s in delivered}
    assert len(heights) == 1 and heights.pop() > 0  # every 5 ms delay drawn the same height, in every burst
    by_id = {s.id: s for s in trace.of(DatagramSent)}
    mm5, mm4_again = by_id[5], by_id[6]
    assert (mm5.t, mm4_again.t) == (0.02, 8.015)
    step = ends(1)[1] - ends(1)[0]
    assert ends(6)[0] - ends(5)[0] < 10 * step  # uncompressed it would be ~1600 steps
    assert len([i for i in ids if re.fullmatch(r"break-\d+-axis", i)]) == 4


# -- every bundled scenario, on the Figure --------------------------------------------------------------------------
@pytest.mark.parametrize("name", [n for n in BUNDLED if n not in DOCUMENTED + OTHER_PLATFORM])
def test_every_bundled_scenario_charts(name):
    trace = run(name).trace
    gids = figure_gids(figure(name))
    sent = trace.of(DatagramSent)
    assert {g for g in gids if re.fullmatch(r"arrow-\d+", g)} == {f"arrow-{s.id}" for s in sent}
    assert {g for g in gids if g.startswith("cross-")} == {f"cross-{i}" for i in lost_ids(trace)}
    want = expected_stuck(trace)
    hosts = {d.hostname for d in trace.devices}
    assert set(want) == {g[len("stuck-"):] for g in gids if g.startswith("stuck-") and g[len("stuck-"):] in hosts}
    for host, state in want.items():
        assert gids[f"stuck-{host}"].get_text().replace("\n", " ") == f"stuck in {state}"
    bands = Counter()
    for g in gids:
        m = re.fullmatch(r"state-(.+)-([^-]+)-(\d+)", g)
        if m:
            bands[(m.group(1), m.group(2))] += 1
    assert bands == expected_bands(trace)


def text_boxes(fig):
    """Oriented boxes (display pixels) of every visible text: centre, half sizes, angle."""
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    out = []
    for t in ax.texts:
        if not t.get_visible() or not t.get_text():
            continue
        rotation = t.get_rotation() % 360
        if rotation == 0:
            bb = t.get_window_extent(renderer)
            out.append((t.get_gid(), (bb.x0 + bb.x1) / 2, (bb.y0 + bb.y1) / 2, bb.width / 2, bb.height / 2, 0.0))
        else:  # turned labels are centred on their anchor
            t.set_rotation(0)
            bb = t.get_window_extent(renderer)
            t.set_rotation(rotation)
            cx, cy = ax.transData.transform(t.get_position())
            out.append((t.get_gid(), cx, cy, bb.width / 2, bb.height / 2, math.radians(rotation)))
    return out


def overlap(a, b) -> float:
    """Separating-axis test: how deep two oriented boxes overlap (0 if they do not)."""
    depth = math.inf
    axes = [(math.cos(t), math.sin(t)) for t in (a[5], a[5] + math.pi / 2, b[5], b[5] + math.pi / 2)]
    for ux, uy in axes:
        r = 0.0
        for _, _, _, hw, hh, angle in (a, b):
            r += hw * abs(math.cos(angle) * ux + math.sin(angle) * uy)
            r += hh * abs(-math.sin(angle) * ux + math.cos(angle) * uy)
        gap = abs((a[1] - b[1]) * ux + (a[2] - b[2]) * uy)
        if r - gap <= 0:
            return 0.0
        depth = min(depth, r - gap)
    return depth


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("name", DOCUMENTED)
def test_no_text_overlaps_and_all_of_it_on_the_page(name, size):
    fig = figure(name, size)
    boxes = text_boxes(fig)
    clashes = [(a[0], b[0]) for a, b in itertools.combinations(boxes, 2) if overlap(a, b) > 0.5]
    assert not clashes
    width, height = fig.bbox.width, fig.bbox.height
    for gid, cx, cy, hw, hh, angle in boxes:
        reach_x = hw * abs(math.cos(angle)) + hh * abs(math.sin(angle))
        reach_y = hw * abs(math.sin(angle)) + hh * abs(math.cos(angle))
        assert 0 <= cx - reach_x and cx + reach_x <= width and 0 <= cy - reach_y and cy + reach_y <= height, gid


# -- formats, sizes, determinism --------------------------------------------------------------------------------------
def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC) and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_formats_have_the_right_magic_and_no_timestamps():
    png = rendered("psk-mismatch", "png")
    pdf = rendered("psk-mismatch", "pdf")
    data = svg("psk-mismatch")
    assert png_size(png) == (2000, 1125)  # 13.33 x 7.5 in at 150 dpi
    assert pdf.startswith(b"%PDF-") and b"/CreationDate" not in pdf and b"/ModDate" not in pdf
    assert data.startswith(b"<?xml") and b"<svg" in data[:400] and b"<dc:date>" not in data
    assert b"Software" not in png[:200]


def test_a4_page():
    trace = run("udp500-blocked").trace
    assert png_size(rendered("udp500-blocked", "png", "a4")) == (1240, 1753)  # 8.27 x 11.69 in, portrait
    gids = figure_gids(figure("udp500-blocked", "a4"))
    assert {g for g in gids if g.startswith("cross-")} == {f"cross-{i}" for i in lost_ids(trace)}
    assert gids["stuck-ASA-LAB1"].get_text().replace("\n", " ") == "stuck in MM_WAIT_MSG2"


def test_same_bytes_twice_in_one_process_and_no_global_state_leaks():
    r = run("psk-mismatch")
    before = dict(matplotlib.rcParams)
    for fmt in ("svg", "png", "pdf"):
        assert chart_bytes(r.trace, r.scenario, fmt) == rendered("psk-mismatch", fmt), fmt
    assert dict(matplotlib.rcParams) == before


def test_same_bytes_in_another_process_and_no_pyplot():
    code = (
        "import sys, hashlib\n"
        "import sim, sim.cli\n"
        "assert not any(m.split('.')[0] == 'matplotlib' for m in sys.modules), 'matplotlib imported early'\n"
        "from sim.render.chart import chart_bytes\n"
        "r = sim.run('psk-mismatch')\n"
        "print(hashlib.sha256(chart_bytes(r.trace, r.scenario, 'svg')).hexdigest())\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == hashlib.sha256(svg("psk-mismatch")).hexdigest()


def test_render_chart_writes_the_file_or_nothing(tmp_path):
    r = run("healthy")
    target = tmp_path / "healthy.svg"
    data = render_chart(r.trace, r.scenario, target)
    assert target.read_bytes() == data == svg("healthy")
    assert render_chart(r.trace, r.scenario, "svg") == data  # a bare format: bytes only
    assert chart_format("x/Chart.PDF") == "pdf" and chart_format("png") == "png"
    with pytest.raises(InputError) as err:
        render_chart(r.trace, r.scenario, tmp_path / "chart.gif")
    assert err.value.field == "chart" and "chart.gif" in str(err.value)
    with pytest.raises(InputError) as err:
        render_chart(r.trace, r.scenario, tmp_path / "chart.png", size="letter")
    assert err.value.field == "size"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["healthy.svg"]
