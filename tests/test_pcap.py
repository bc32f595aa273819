"""Captures (sim.render.pcap), key tables (sim.render.keys) and atomic writes (sim.render.files).

The pcapng files are read back by a small block walker written here (independent of the writer), the IPv4/UDP
checksums are also recomputed by scapy, and tshark dissects and decrypts them. Without tshark those tests skip,
except under CI (CI=true), where a missing tshark fails: .ci/run installs it.
"""

from __future__ import annotations

import calendar
import errno
import os
import re
import shutil
import struct
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import sim
from sim.engine.trace import DatagramDelivered, DatagramSent, KeysRecord
from sim.errors import InputError
from sim.render import files
from sim.render.files import write_atomic
from sim.render.keys import TABLE_SUFFIX, decryption_table, key_table_name, write_key_tables
from sim.render.labels import describe_fate, fates, message_label, retransmit_suffix
from sim.render.pcap import EPOCH, LINKTYPE_RAW, capture, pcap_bytes, write_pcap
from sim.scenario import list_bundled, load_scenario_text

ALL_BUNDLED = tuple(name for name, _ in list_bundled())
VANTAGES = ("initiator", "responder", "both")
ROOT = Path(__file__).resolve().parent.parent

_runs: dict[str, sim.Run] = {}


def run_of(name: str) -> sim.Run:
    if name not in _runs:
        _runs[name] = sim.run(name)
    return _runs[name]


def nat_run() -> sim.Run:
    """healthy, with the initiator (inside 10.0.0.2) behind a PAT device seen as 192.0.2.1, NAT-T on both sides:
    MM5 and MM6 float to UDP 4500 with the non-ESP marker, and the responder sees translated addresses and ports."""
    if "nat" not in _runs:
        _runs["nat"] = sim.run("nat-t")  # the bundled scenario built by the nat-t fault
    return _runs["nat"]


def cipher_variant(keyword: str) -> sim.Run:
    """healthy with both devices on ``encryption <keyword>``."""
    name = f"healthy-{keyword}"
    if name not in _runs:
        text = (ROOT / "scenarios" / "healthy.yaml").read_text().replace("encryption aes-256", f"encryption {keyword}")
        _runs[name] = sim.run(load_scenario_text(text, f"{name}.yaml"))
    return _runs[name]


# -- an independent pcapng reader ------------------------------------------------------------------------------------


def _options(buf: bytes) -> list[tuple[int, bytes]]:
    found, off = [], 0
    while off < len(buf):
        code, length = struct.unpack_from("<HH", buf, off)
        off += 4
        if code == 0:
            assert length == 0
            break
        found.append((code, buf[off:off + length]))
        off += length + (-length % 4)
    assert off == len(buf), "options must end the block"
    return found


def read_pcapng(data: bytes) -> dict:
    """{"shb": options, "idb": (linktype, snaplen, options), "packets": [(ts_units, packet, options)]}"""
    blocks, off = [], 0
    while off < len(data):
        block_type, length = struct.unpack_from("<II", data, off)
        assert length % 4 == 0 and length >= 12 and off + length <= len(data)
        assert struct.unpack_from("<I", data, off + length - 4)[0] == length
        blocks.append((block_type, data[off + 8:off + length - 4]))
        off += length
    assert blocks[0][0] == 0x0A0D0D0A and blocks[1][0] == 1
    shb = blocks[0][1]
    magic, major, minor, section = struct.unpack_from("<IHHq", shb)
    assert (magic, major, minor, section) == (0x1A2B3C4D, 1, 0, -1)
    linktype, reserved, snaplen = struct.unpack_from("<HHI", blocks[1][1])
    assert reserved == 0
    packets = []
    for block_type, body in blocks[2:]:
        assert block_type == 6
        iface, hi, lo, caplen, origlen = struct.unpack_from("<IIIII", body)
        assert iface == 0 and caplen == origlen
        packet = body[20:20 + caplen]
        packets.append(((hi << 32) | lo, packet, dict(_options(body[20 + caplen + (-caplen % 4):]))))
    return {"shb": _options(shb[16:]), "idb": (linktype, snaplen, dict(_options(blocks[1][1][8:]))),
            "packets": packets}


def _sum16(data: bytes) -> int:
    data += b"\x00" * (len(data) % 2)
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def expected_frames(run: sim.Run, vantage: str) -> list[tuple[float, DatagramSent, str, tuple]]:
    """What a capture at ``vantage`` must hold, worked out from the Trace here (not with sim.render.pcap):
    (time, datagram, direction, (src, sport, dst, dport) on the wire there)."""
    sent = run.trace.of(DatagramSent)
    if vantage == "both":
        return [(s.t, s, "", (s.src, s.sport, s.dst, s.dport)) for s in sent]
    host = next(d.hostname for d in run.trace.devices if d.role == vantage)
    by_id = {s.id: s for s in sent}
    frames = []
    for r in run.trace.records:
        if isinstance(r, DatagramSent) and r.device == host:
            frames.append((r.t, r, "out", (r.src, r.sport, r.dst, r.dport)))
        elif isinstance(r, DatagramDelivered) and r.device == host:
            s = by_id[r.id]
            seen = (r.src, r.sport, r.dst, r.dport) if r.src else (s.src, s.sport, s.dst, s.dport)
            frames.append((r.t, s, "in", seen))
    return frames


# -- the capture, read back ------------------------------------------------------------------------------------------


def test_epoch_is_2026_01_01_utc():
    assert EPOCH == calendar.timegm((2026, 1, 1, 0, 0, 0))


def _get_run(name: str) -> sim.Run:
    return nat_run() if name == "nat" else run_of(name)


@pytest.mark.parametrize("vantage", VANTAGES)
@pytest.mark.parametrize("name", ALL_BUNDLED + ("nat",))
def test_capture_reads_back(name, vantage):
    run = _get_run(name)
    parsed = read_pcapng(pcap_bytes(run.trace, run.scenario, vantage))
    shb = dict(parsed["shb"])
    assert shb[4] == f"ikesim {sim.__version__}".encode()
    assert 2 not in shb and 3 not in shb  # no hardware, no OS
    assert shb[1].decode().startswith(f"ikesim scenario {run.trace.scenario}, seed {run.trace.seed}, "
                                      f"vantage {vantage}")
    linktype, snaplen, idb = parsed["idb"]
    assert linktype == LINKTYPE_RAW == 101 and snaplen == 0 and idb[9] == bytes([6])
    names = {d.role: d.hostname for d in run.trace.devices}
    assert idb[2].decode() == (f"path {names['initiator']} - {names['responder']}" if vantage == "both"
                               else f"{names[vantage]} outside")
    expected = expected_frames(run, vantage)
    assert len(parsed["packets"]) == len(expected)
    outcome = fates(run.trace)
    for (ts, packet, options), (t, s, direction, (src, sport, dst, dport)) in zip(parsed["packets"], expected):
        assert ts == EPOCH * 1_000_000 + round(t * 1_000_000)
        # IPv4
        assert packet[0] == 0x45 and packet[8] == 64 and packet[9] == 17
        total, ident, frag = struct.unpack_from("!HHH", packet, 2)
        assert (total, ident, frag) == (len(packet), s.id, 0)
        assert _sum16(packet[:20]) == 0xFFFF, "IPv4 header checksum"
        assert packet[12:16] == bytes(map(int, src.split("."))) and packet[16:20] == bytes(map(int, dst.split(".")))
        # UDP
        udp_sport, udp_dport, length, checksum = struct.unpack_from("!HHHH", packet, 20)
        assert (udp_sport, udp_dport, length) == (sport, dport, len(packet) - 20)
        assert checksum != 0
        pseudo = packet[12:20] + struct.pack("!BBH", 0, 17, length)
        assert _sum16(pseudo + packet[20:]) == 0xFFFF, "UDP checksum"
        assert packet[28:] == s.data
        # the comment: label, retransmission and trigger, fate
        comment = options[1].decode()
        head = message_label(s) + retransmit_suffix(s)
        assert comment.startswith(head + ";")
        assert ("; trigger: " + s.trigger + ";" in comment) == bool(s.attempt)
        assert comment.endswith("; " + describe_fate(outcome[s.id]))
        flags = options.get(2)
        assert flags == (None if not direction else struct.pack("<I", 1 if direction == "in" else 2))


def test_nat_t_capture_keeps_the_marker_and_shows_translated_addresses():
    run = nat_run()
    responder = capture(run.trace, run.scenario, "responder")
    inbound = [f for f in responder if f.direction == "in"]
    assert [f.sent.message for f in inbound] == ["MM1", "MM3", "MM5"]
    assert all(f.packet[12:16] == bytes([192, 0, 2, 1]) for f in inbound)  # the PAT address, as the responder saw it
    mm5 = inbound[-1]
    assert struct.unpack_from("!H", mm5.packet, 22)[0] == 4500 and mm5.packet[28:32] == bytes(4)
    assert mm5.packet[28:] == mm5.sent.data
    assert message_label(mm5.sent) == "MM5*: IDii, HASH_I"
    initiator_side = capture(run.trace, run.scenario, "initiator")
    assert all(f.packet[12:16] == bytes([10, 0, 0, 2]) for f in initiator_side if f.direction == "out")


def test_checksums_agree_with_scapy():
    from scapy.layers.inet import IP, UDP

    run = run_of("psk-mismatch")
    for _, packet, _ in read_pcapng(pcap_bytes(run.trace, run.scenario, "both"))["packets"]:
        rebuilt = IP(packet)
        del rebuilt.chksum
        del rebuilt[UDP].chksum
        assert bytes(rebuilt) == packet


def test_frame_comments_read_like_the_story():
    def comments(name, vantage="both"):
        run = run_of(name)
        return [p[2][1].decode() for p in read_pcapng(pcap_bytes(run.trace, run.scenario, vantage))["packets"]]

    assert comments("healthy")[0] == "MM1: SA; delivered at 0.005 s"
    assert comments("healthy")[5] == "MM6*: IDir, HASH_R; delivered at 0.030 s"
    rp = comments("return-path-blocked")
    assert rp[1] == "MM2: SA; dropped: ACL on the return path towards ASA-LAB1 (deny udp any eq isakmp any)"
    # the copy arrives as ASA-LAB2's timer resends MM2: not answered twice (the duplicate holdoff)
    assert rp[2] == ("MM1: SA (retransmit 1); trigger: timer; duplicate at ASA-LAB2: already processed; "
                     "its answer went out moments ago, not resent")
    assert rp[5] == ("MM2: SA (resent on duplicate); trigger: duplicate; dropped: ACL on the return path towards ASA-LAB1 "
                     "(deny udp any eq isakmp any)")
    psk = comments("psk-mismatch")
    assert psk[4].startswith("MM5*: IDii, HASH_I; discarded by ASA-LAB2: could not decrypt MM5: ")
    assert psk[6].startswith("MM5*: IDii, HASH_I (retransmit 1); trigger: timer; discarded by ASA-LAB2: could not")


def test_vantage_semantics():
    rp = run_of("return-path-blocked")
    initiator = capture(rp.trace, rp.scenario, "initiator")
    # the initiator sees only its own MM1s: every MM2 died on the path
    assert [(f.sent.message, f.direction) for f in initiator] == [("MM1", "out")] * 4
    responder = capture(rp.trace, rp.scenario, "ASA-LAB2")  # a hostname works too
    assert [f.sent.message for f in responder if f.direction == "in"] == ["MM1"] * 4
    assert [f.sent.message for f in responder if f.direction == "out"] == ["MM2"] * 6
    assert [f.t for f in responder] == sorted(f.t for f in responder)
    both = capture(rp.trace, rp.scenario, "both")
    assert [f.sent.id for f in both] == list(range(1, 11))

    blocked = run_of("udp500-blocked")
    assert capture(blocked.trace, blocked.scenario, "responder") == []
    assert read_pcapng(pcap_bytes(blocked.trace, blocked.scenario, "responder"))["packets"] == []

    psk = run_of("psk-mismatch")
    inbound = [f for f in capture(psk.trace, psk.scenario, "responder") if f.direction == "in"]
    arrivals = {r.id: r.t for r in psk.trace.of(DatagramDelivered)}
    assert all(f.t == arrivals[f.sent.id] and f.t > f.sent.t for f in inbound)
    assert {f.sent.message for f in inbound} == {"MM1", "MM3", "MM5"}  # the MM5s it could not decrypt too


def test_unknown_vantage_is_an_input_error(tmp_path):
    run = run_of("healthy")
    with pytest.raises(InputError, match="vantage") as caught:
        write_pcap(run.trace, run.scenario, tmp_path / "x.pcapng", "middle")
    assert caught.value.field == "vantage" and "initiator, responder, both, ASA-LAB1, ASA-LAB2" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_pcap_is_deterministic_and_written_whole(tmp_path):
    a, b = sim.run("psk-mismatch"), sim.run("psk-mismatch")
    for vantage in VANTAGES:
        assert pcap_bytes(a.trace, a.scenario, vantage) == pcap_bytes(b.trace, b.scenario, vantage)
    path = write_pcap(a.trace, a.scenario, tmp_path / "run.pcapng", "initiator")
    assert path.read_bytes() == pcap_bytes(a.trace, a.scenario, "initiator")
    assert [p.name for p in tmp_path.iterdir()] == ["run.pcapng"]
    other_seed = sim.run("psk-mismatch", seed=2)
    assert pcap_bytes(other_seed.trace, other_seed.scenario) != pcap_bytes(a.trace, a.scenario)


# -- key tables ------------------------------------------------------------------------------------------------------

LINE = re.compile(r"^([0-9a-f]{16}),([0-9a-f]+)$")


def test_decryption_tables():
    healthy = run_of("healthy")
    i_table = decryption_table(healthy.trace, "ASA-LAB1")
    r_table = decryption_table(healthy.trace, "ASA-LAB2")
    (line,) = i_table.splitlines()
    m = LINE.match(line)
    keys = healthy.trace.of(KeysRecord, "ASA-LAB1")[0].keys
    assert m and m.group(1) == keys.icookie.hex() and bytes.fromhex(m.group(2)) == keys.enc_key
    assert len(keys.enc_key) == 32 and i_table.endswith("\n")
    assert i_table == r_table  # same PSK, same keys

    psk = run_of("psk-mismatch")
    i_line, r_line = decryption_table(psk.trace, "ASA-LAB1"), decryption_table(psk.trace, "ASA-LAB2")
    assert i_line.split(",")[0] == r_line.split(",")[0] and i_line != r_line

    assert decryption_table(run_of("udp500-blocked").trace, "ASA-LAB1") == ""
    no_psk = run_of("initiator-no-psk")
    assert decryption_table(no_psk.trace, "ASA-LAB1") == ""
    assert LINE.match(decryption_table(no_psk.trace, "ASA-LAB2").strip())


@pytest.mark.parametrize("keyword, key_bytes", [("aes", 16), ("aes-192", 24), ("3des", 24)])
def test_key_is_the_cipher_key_as_used(keyword, key_bytes):
    run = cipher_variant(keyword)
    m = LINE.match(decryption_table(run.trace, "ASA-LAB1").strip())
    assert m and len(m.group(2)) == 2 * key_bytes


def test_write_key_tables(tmp_path):
    run = run_of("initiator-no-psk")
    out = tmp_path / "keys" / "nested"
    paths = write_key_tables(run.trace, run.scenario, out)
    assert [p.name for p in paths] == ["ASA-LAB1.ikev1_decryption_table", "ASA-LAB2.ikev1_decryption_table"]
    assert key_table_name("ASA-LAB1") == "ASA-LAB1" + TABLE_SUFFIX
    assert paths[0].read_text() == ""  # derived no keys: an empty table
    assert paths[1].read_text() == decryption_table(run.trace, "ASA-LAB2")
    assert sorted(p.name for p in out.iterdir()) == [p.name for p in paths]


# -- atomic writes ---------------------------------------------------------------------------------------------------


def test_write_atomic_writes_and_replaces(tmp_path):
    target = tmp_path / "out.txt"
    assert write_atomic(target, "héllo\nworld\n") == target
    assert target.read_bytes() == "héllo\nworld\n".encode()
    write_atomic(str(target), b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(TypeError):
        write_atomic(target, 42)
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path, b"x")
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "missing" / "out.txt", b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


@pytest.mark.parametrize("existing", [True, False])
def test_write_atomic_failure_mid_write_leaves_nothing_partial(tmp_path, monkeypatch, existing):
    target = tmp_path / "capture.pcapng"
    if existing:
        target.write_bytes(b"old content")
    real_write = os.write
    calls = []

    def failing_write(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[:len(data) // 2]))  # a short write: half of it went out
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(files.os, "write", failing_write)
        with pytest.raises(OSError, match="No space left"):
            write_atomic(target, b"x" * 10_000)
    assert len(calls) == 2
    assert [p.name for p in tmp_path.iterdir()] == (["capture.pcapng"] if existing else [])
    if existing:
        assert target.read_bytes() == b"old content"


def test_write_atomic_interrupted_before_rename(tmp_path, monkeypatch):
    target = tmp_path / "ladder.txt"

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "text")
    assert list(tmp_path.iterdir()) == []


# -- tshark ----------------------------------------------------------------------------------------------------------

CHECKSUMS = ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"]


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def tshark() -> str:
    path = shutil.which("tshark")
    if path:
        return path
    if _ci():
        pytest.fail("tshark is not installed but CI is set: .ci/run must install it (apt-get install tshark); "
                    "the capture checks may not be skipped in CI")
    pytest.skip("tshark is not installed (apt-get install tshark); CI installs it and never skips these checks")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """Captures of every bundled scenario from every vantage, key tables, and a private Wireshark config dir
    (so no personal preference or decryption table changes what tshark reports)."""
    base = tmp_path_factory.mktemp("tshark")
    (base / "config").mkdir()
    for name in ALL_BUNDLED + ("nat",):
        run = _get_run(name)
        for vantage in VANTAGES:
            write_pcap(run.trace, run.scenario, base / f"{name}-{vantage}.pcapng", vantage)
        write_key_tables(run.trace, run.scenario, base / f"keys-{name}")
    run = cipher_variant("3des")
    write_pcap(run.trace, run.scenario, base / "healthy-3des-both.pcapng")
    write_key_tables(run.trace, run.scenario, base / "keys-healthy-3des")
    return base


def _tshark(tshark: str, workdir: Path, *args: str) -> str:
    env = dict(os.environ, HOME=str(workdir / "config"), XDG_CONFIG_HOME=str(workdir / "config"))
    done = subprocess.run([tshark, *args], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, f"tshark {' '.join(args)} failed: {done.stderr}"
    return done.stdout


def _parallel(calls):
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        return list(pool.map(lambda call: call(), calls))


IO_ROW = re.compile(r"^\|\s*[\d.]+ <> [\d.]+\s*\|\s*(\d+) \|\s*\d+ \|\s*(\d+) \|", flags=re.M)
FRAME_ROW = re.compile(r"^(\d+)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$", flags=re.M)
SEVERITY_COMMENT, GROUP_COMMENT = 0x00100000, 0x0B000000  # PI_COMMENT, PI_COMMENTS_GROUP (epan/proto.h)


@pytest.mark.external
def test_tshark_dissects_every_capture_cleanly(tshark, workdir):
    """For every bundled scenario and vantage, with IPv4 and UDP checksum validation on: tshark reports nothing but
    our one packet comment per frame (no Note, Warning or Error: no bad checksum, no malformed packet), and every
    frame is ISAKMP.

    One tshark start for all of them: the captures are put one after another, byte for byte, into one file (a pcapng
    file may hold several sections, each with its own header and interface). Each frame's expert items and protocols
    are read per frame (``-T fields``) and assigned to its capture by the frame counts; ``-z expert`` and ``-z
    io,stat`` over the whole file must agree with the sum. (tshark 4.0 names every section's interface after the
    first one, so ``frame.interface_name`` cannot tell the captures apart; the comments, read back here, can.)"""
    cases = [(name, vantage) for name in ALL_BUNDLED + ("nat",) for vantage in VANTAGES]
    merged = workdir / "all-captures.pcapng"
    parts = [(workdir / f"{name}-{vantage}.pcapng").read_bytes() for name, vantage in cases]
    merged.write_bytes(b"".join(parts))
    out = _tshark(tshark, workdir, "-r", str(merged), *CHECKSUMS, "-T", "fields", "-E", "occurrence=a",
                  "-E", "aggregator=,", "-e", "frame.number", "-e", "frame.protocols", "-e", "_ws.expert.severity",
                  "-e", "_ws.expert.group", "-e", "frame.comment", "-z", "expert", "-z", "io,stat,0,!isakmp,isakmp")
    rows = FRAME_ROW.findall(out)
    assert [int(row[0]) for row in rows] == list(range(1, len(rows) + 1)), out[:2000]
    first = 0
    for (name, vantage), data in zip(cases, parts):
        frames = len(expected_frames(_get_run(name), vantage))
        mine = rows[first:first + frames]
        first += frames
        assert len(mine) == frames, f"{name}/{vantage}: tshark read {len(mine)} of {frames} frames"
        comments = [options[1].decode() for _, _, options in read_pcapng(data)["packets"]]
        assert [row[4] for row in mine] == comments, f"{name}/{vantage}: frames out of step with the capture"
        for number, protocols, severities, groups, _ in mine:
            expert = list(zip(severities.split(","), groups.split(",")))
            assert expert == [(str(SEVERITY_COMMENT), str(GROUP_COMMENT))], (
                f"{name}/{vantage} frame {int(number) - first + frames}: expert items other than our comment: "
                f"{expert}")
            assert "isakmp" in protocols.split(":"), f"{name}/{vantage}: frame {number} is not ISAKMP: {protocols}"
    assert first == len(rows), f"tshark read {len(rows)} frames, the captures hold {first}"
    sections = re.findall(r"^(\w+) \((\d+)\)$", out, flags=re.M)
    assert sections == [("Comments", str(first))], out[-2000:]
    counts = [tuple(map(int, row)) for row in IO_ROW.findall(out)]
    assert counts == [(0, first)], f"frames that are not ISAKMP:\n{out[-2000:]}"


@pytest.mark.external
def test_tshark_reports_a_broken_capture(tshark, workdir):
    """The check above means something: a capture with one flipped UDP byte is reported."""
    data = bytearray((workdir / "healthy-both.pcapng").read_bytes())
    at = data.index(run_of("healthy").trace.of(DatagramSent)[0].data)
    data[at + 30] ^= 0xFF
    broken = workdir / "broken.pcapng"
    broken.write_bytes(bytes(data))
    expert = _tshark(tshark, workdir, "-r", str(broken), *CHECKSUMS, "-q", "-z", "expert")
    assert re.search(r"^Errors \(\d+\)$", expert, flags=re.M) and "Bad checksum" in expert


def _fields(tshark: str, workdir: Path, capture: Path, table: Path | None, profile: str | None = None) -> dict:
    args = ["-r", str(capture)]
    if table is not None:
        for line in table.read_text().splitlines():
            args += ["-o", f"uat:ikev1_decryption_table:{line}"]
    if profile:
        args += ["-C", profile]
    out = _tshark(tshark, workdir, *args, "-T", "fields", "-E", "occurrence=f", "-e", "frame.number",
                  "-e", "isakmp.id.data.ipv4_addr", "-e", "isakmp.hash")
    rows = {}
    for line in out.splitlines():
        number, address, digest = line.split("\t")
        rows[int(number)] = (address, digest)
    return rows


@pytest.mark.external
def test_tshark_decrypts_mm5_and_mm6_with_the_key_table(tshark, workdir):
    """healthy from every vantage, and the NAT-T run (MM5/MM6 on UDP 4500 behind the non-ESP marker)."""
    keys = workdir / "keys-healthy" / "ASA-LAB1.ikev1_decryption_table"
    nat_keys = workdir / "keys-nat" / "ASA-LAB1.ikev1_decryption_table"
    runs = _parallel([lambda v=v: _fields(tshark, workdir, workdir / f"healthy-{v}.pcapng", keys) for v in VANTAGES]
                     + [lambda v=v: _fields(tshark, workdir, workdir / f"nat-{v}.pcapng", nat_keys) for v in VANTAGES]
                     + [lambda: _fields(tshark, workdir, workdir / "healthy-both.pcapng", None)])
    for rows in runs[:3]:
        assert rows[5][0] == "50.57.228.150" and re.fullmatch(r"[0-9a-f]{40}", rows[5][1])  # IDii, HASH_I (SHA-1)
        assert rows[6][0] == "50.56.229.98" and re.fullmatch(r"[0-9a-f]{40}", rows[6][1])  # IDir, HASH_R
        assert all(rows[n] == ("", "") for n in (1, 2, 3, 4))
    for rows in runs[3:6]:
        assert rows[5][0] == "10.0.0.2" and rows[5][1] and rows[6][0] == "50.56.229.98" and rows[6][1]
    assert runs[6][5] == ("", "") and runs[6][6] == ("", "")  # without the key: nothing to see


@pytest.mark.external
def test_tshark_psk_mismatch_decrypts_only_with_the_initiators_key(tshark, workdir):
    capture = workdir / "psk-mismatch-both.pcapng"
    keys = workdir / "keys-psk-mismatch"
    responders, initiators = _parallel([
        lambda: _fields(tshark, workdir, capture, keys / "ASA-LAB2.ikev1_decryption_table"),
        lambda: _fields(tshark, workdir, capture, keys / "ASA-LAB1.ikev1_decryption_table"),
    ])
    assert responders[5] == ("", "")  # ASA-LAB2's key does not open MM5, exactly as on the box
    assert initiators[5][0] == "50.57.228.150" and initiators[5][1]


@pytest.mark.external
def test_tshark_reads_a_key_table_file_as_a_profile(tshark, workdir):
    """The written file is a valid Wireshark UAT file: copied into a profile it decrypts (3DES: a 24-byte key)."""
    profile = workdir / "config" / "wireshark" / "profiles" / "ikesim-lab"
    profile.mkdir(parents=True)
    shutil.copy(workdir / "keys-healthy-3des" / "ASA-LAB2.ikev1_decryption_table", profile / "ikev1_decryption_table")
    rows = _fields(tshark, workdir, workdir / "healthy-3des-both.pcapng", None, profile="ikesim-lab")
    assert rows[5][0] == "50.57.228.150" and rows[6][0] == "50.56.229.98"
