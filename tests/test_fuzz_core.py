"""Hostile datagrams against the sans-IO core (property tests): nothing from the network may raise, and nothing that
the core does not accept may change an SA.

For each role and each state it can be in, a real exchange (corekit configs, deterministic seeds) is driven to that
state first; then the endpoint is fed random bytes or a mutated copy of a genuine datagram of the same exchange (bit
flips, truncation, extension, cookie swaps, header field changes, splices), on UDP 500 and 4500. Properties:

* ``Endpoint.receive`` returns effects and raises nothing;
* unless the core *accepted* the datagram, every SA it holds is exactly as before (state, cookies, keys, IV, what it
  last received) -- or was removed with an ``SaUpdate`` saying why;
* and then the genuine exchange still completes: both sides MM_ACTIVE with the same keys.

Budget: ``max_examples`` 200 per test in CI (``CI`` set), 40 in the quick loop, no deadline. Longer runs: ``fuzz/atheris_endpoint.py``.
"""

from __future__ import annotations

import copy
import os
import struct
from dataclasses import dataclass
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corekit import I_ADDR, R_ADDR, config
from sim.ike import events as ev
from sim.ike import messages
from sim.ike.config import IkeConfig
from sim.ike.constants import NON_ESP_MARKER
from sim.ike.effects import CancelTimer, KeysDerived, Log, Received, SaUpdate, Send, SetTimer
from sim.ike.endpoint import Endpoint
from sim.ike.policy import CIPHER_NAMES, Policy
from sim.ike.secrets import SeedStream
from sim.ike.types import Outcome, Reason, Role, State

MM_ACTIVE = State.MM_ACTIVE

EFFECT_TYPES = (Send, SetTimer, CancelTimer, SaUpdate, Received, Log, KeysDerived)
FUZZ = settings(max_examples=200 if os.environ.get("CI") else 40, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: group 2 keeps the key exchange cheap; the parser and state machine are the same for every group
POLICY = Policy(group=2)
SEED = 7
#: (target role, genuine datagrams delivered before fuzzing, the target's state then (None: no SA yet))
STAGES = [
    ("initiator", 0, "MM_WAIT_MSG2"),
    ("initiator", 2, "MM_WAIT_MSG4"),
    ("initiator", 4, "MM_WAIT_MSG6"),
    ("initiator", 6, "MM_ACTIVE"),
    ("responder", 0, None),
    ("responder", 1, "MM_WAIT_MSG3"),
    ("responder", 3, "MM_WAIT_MSG5"),
    ("responder", 5, "MM_ACTIVE"),
]
ADDR = {"initiator": I_ADDR, "responder": R_ADDR}
OTHER = {"initiator": "responder", "responder": "initiator"}


def configs(**kw) -> tuple[IkeConfig, IkeConfig]:
    """NAT traversal on (no NAT on the path: NAT-D is exchanged and checked, nobody floats), so that UDP 4500 and
    the NAT-D payloads are part of what is fuzzed."""
    kw.setdefault("nat_traversal", True)
    return (config(I_ADDR, R_ADDR, policies=(POLICY,), **kw), config(R_ADDR, I_ADDR, policies=(POLICY,), **kw))


@dataclass
class Run:
    """Two endpoints and the genuine datagram in flight (to whom, the Send)."""

    endpoints: dict
    pending: tuple[str, Send] | None

    def step(self, now: float = 0.0) -> list:
        """Deliver the pending genuine datagram; the receiver's first protocol Send becomes the next one."""
        to, send = self.pending
        out = self.endpoints[to].receive(send.data, ADDR[OTHER[to]], send.sport, now, local_port=send.dport)
        nxt = next((e for e in out if isinstance(e, Send) and e.attempt == 0), None)
        self.pending = (OTHER[to], nxt) if nxt is not None else None
        return out


def fresh() -> Run:
    icfg, rcfg = configs()
    endpoints = {"initiator": Endpoint(icfg, SeedStream(SEED, "i")),
                 "responder": Endpoint(rcfg, SeedStream(SEED, "r"))}
    out = endpoints["initiator"].initiate(R_ADDR, 0.0)
    return Run(endpoints, ("responder", next(e for e in out if isinstance(e, Send))))


@lru_cache(maxsize=None)
def staged(delivered: int) -> Run:
    run = fresh()
    for _ in range(delivered):
        run.step()
    return run


@lru_cache(maxsize=None)
def genuine() -> tuple[bytes, ...]:
    """Every datagram of a complete genuine exchange with the same seeds (MM1..MM6), plus a NO-PROPOSAL notify."""
    run, out = fresh(), []
    while run.pending is not None:
        out.append(run.pending[1].data)
        run.step()
    assert len(out) == 6
    out.append(messages.build_notify(out[0][:8], out[1][8:16], 14, 1))
    return tuple(out)


def snapshot(endpoint: Endpoint) -> dict:
    return {key: (sa.state, sa.rcookie, sa.policy, sa.skeyid, sa.iv, sa.last_received, sa.g_xi, sa.g_xr, sa.ni_b,
                  sa.nr_b, sa.peer, sa.peer_port, sa.local_port)
            for key, sa in endpoint.sas.items()}


# -- mutations ----------------------------------------------------------------------------------------------------

def _flip(data: bytes, draw) -> bytes:
    if not data:
        return data
    pos = draw(st.integers(0, len(data) - 1))
    return data[:pos] + bytes([data[pos] ^ (1 << draw(st.integers(0, 7)))]) + data[pos + 1:]


def _header_field(data: bytes, draw) -> bytes:
    if len(data) < 28:
        return data
    offset, size = draw(st.sampled_from([(16, 1), (17, 1), (18, 1), (19, 1), (20, 4), (24, 4)]))
    if offset == 24 and draw(st.booleans()):  # a length that is off by a little
        value = (len(data) + draw(st.integers(-40, 40))) % (1 << 32)
    else:
        value = draw(st.integers(0, (1 << (8 * size)) - 1))
    return data[:offset] + value.to_bytes(size, "big") + data[offset + size:]


def _payload_length(data: bytes, draw) -> bytes:
    """Rewrite the length of the first payload (offset 28 + 2)."""
    if len(data) < 32:
        return data
    return data[:30] + struct.pack("!H", draw(st.integers(0, 0xFFFF))) + data[32:]


def _payloads(data: bytes) -> list[tuple[int, int, int]]:
    """(type, offset, length) of each top-level payload of a clear message, as far as the chain is sane."""
    out, offset, current = [], 28, data[16] if len(data) >= 28 else 0
    while current and offset + 4 <= len(data):
        nxt, _, length = struct.unpack_from("!BBH", data, offset)
        if length < 4 or offset + length > len(data):
            break
        out.append((current, offset, length))
        offset, current = offset + length, nxt
    return out


def _with_length(data: bytes) -> bytes:
    return data[:24] + struct.pack("!I", len(data)) + data[28:] if len(data) >= 28 else data


def _payload_body(data: bytes, draw) -> bytes:
    """Replace one payload's body (framing kept valid): garbage KE, nonce, ID, SA, NAT-D, vendor ID ..."""
    if len(data) < 28 or data[19] & 1:
        return data
    chain = _payloads(data)
    if not chain:
        return data
    _, offset, length = draw(st.sampled_from(chain))
    body = draw(st.binary(max_size=300))
    head = data[offset:offset + 2] + struct.pack("!H", 4 + len(body))
    return _with_length(data[:offset] + head + body + data[offset + length:])


def _encrypted_body(data: bytes, draw) -> bytes:
    """Keep the header (E flag set), put a random ciphertext of whole blocks (or not) behind it."""
    blocks = draw(st.integers(0, 12))
    size = blocks * draw(st.sampled_from([8, 16])) + draw(st.sampled_from([0, 0, 0, 1, 7]))
    body = draw(st.binary(min_size=size, max_size=size))
    return _with_length(data[:19] + bytes([data[19] | 1]) + data[20:28] + body) if len(data) >= 28 else data


MUTATIONS = {
    "flip": _flip,
    "truncate": lambda d, draw: d[:draw(st.integers(0, max(0, len(d) - 1)))],
    "extend": lambda d, draw: d + draw(st.binary(min_size=1, max_size=64)),
    "extend, length fixed": lambda d, draw: _with_length(d + draw(st.binary(min_size=1, max_size=64))),
    "swap cookies": lambda d, draw: d[8:16] + d[:8] + d[16:],
    "zero rcookie": lambda d, draw: d[:8] + bytes(8) + d[16:],
    "random rcookie": lambda d, draw: d[:8] + draw(st.binary(min_size=8, max_size=8)) + d[16:],
    "random icookie": lambda d, draw: draw(st.binary(min_size=8, max_size=8)) + d[8:],
    "header field": _header_field,
    "payload length": _payload_length,
    "payload body": _payload_body,
    "encrypted body": _encrypted_body,
    "overwrite": lambda d, draw: (lambda p, b: d[:p] + b + d[p + len(b):])(
        draw(st.integers(0, max(0, len(d) - 1))), draw(st.binary(min_size=1, max_size=16))),
    "identity": lambda d, draw: d,
}
#: mutations that keep the framing valid are drawn more often: they reach the state machine, not just the parser
WEIGHTED = sorted(MUTATIONS) + ["payload body"] * 3 + ["encrypted body", "identity", "identity", "flip"]

#: transform attribute classes to draw from: the phase-1 ones (RFC 2409 appendix A) and a few others
ATTR_CLASSES = [1, 2, 3, 4, 5, 11, 12, 13, 14, 6, 16, 0x7FFF]


@st.composite
def crafted_sa_message(draw) -> bytes:
    """An MM1 (zero responder cookie) or MM2 (genuine cookies) whose SA payload carries random transforms: walks
    attribute decoding, policy_from_attributes and the selection rule."""
    transforms = []
    count = draw(st.integers(1, 3))
    for number in range(count):
        attrs = b""
        if draw(st.booleans()):  # a valid phase-1 transform (the group often the one configured), maybe one value off
            cipher, key_length = draw(st.sampled_from(sorted(CIPHER_NAMES, key=str)))
            values = {1: cipher, 2: draw(st.sampled_from([1, 2])), 3: 1, 4: draw(st.sampled_from([2, 2, 1, 5, 14])),
                      11: 1}
            if key_length:
                values[14] = key_length
            if draw(st.integers(0, 2)) == 0:
                values[draw(st.sampled_from(sorted(values)))] = draw(st.sampled_from([0, 3, 9, 19, 65001]))
            attrs += b"".join(struct.pack("!HH", 0x8000 | k, v) for k, v in values.items())
            life = draw(st.sampled_from([b"\x00\x01\x51\x80", b"\x01\x51\x80", b"\x70\x80", b"", b"\x00" * 9]))
            attrs += struct.pack("!HH", 12, len(life)) + life
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 3]))):
            kind = draw(st.sampled_from(ATTR_CLASSES))
            if draw(st.booleans()) or kind == 12:
                value = draw(st.binary(min_size=0, max_size=9))
                attrs += struct.pack("!HH", kind, len(value)) + value
            else:
                attrs += struct.pack("!HH", 0x8000 | kind,
                                     draw(st.sampled_from([0, 1, 2, 5, 7, 14, 128, 256, 65535])))
        nxt = 3 if number + 1 < count else 0
        body = bytes([draw(st.sampled_from([number, number + 1])), draw(st.sampled_from([1, 1, 2])), 0, 0]) + attrs
        transforms.append(struct.pack("!BBH", nxt, 0, 4 + len(body)) + body)
    chain = b"".join(transforms)
    proposal_body = bytes([1, draw(st.sampled_from([1, 1, 3])), 0, count]) + chain
    proposal = struct.pack("!BBH", 0, 0, 4 + len(proposal_body)) + proposal_body
    sa_body = struct.pack("!II", 1, 1) + proposal
    sa = struct.pack("!BBH", 0, 0, 4 + len(sa_body)) + sa_body
    mm1, mm2 = genuine()[0], genuine()[1]
    cookies = mm1[:8] + bytes(8) if draw(st.booleans()) else mm2[:16]
    return _with_length(cookies + bytes([1, 0x10, 2, 0]) + bytes(4) + bytes(4) + sa)


@st.composite
def hostile(draw) -> tuple[bytes, int]:
    """(datagram, local port): random bytes, a crafted SA message, or a genuine datagram of the exchange after 1-2
    mutations (or spliced with another)."""
    port = draw(st.sampled_from([500, 500, 500, 4500]))
    kind = draw(st.integers(0, 7))
    if kind == 0:
        data = draw(st.binary(max_size=1500))
    elif kind == 1:
        data = draw(crafted_sa_message())
    else:
        pool = genuine()
        data = draw(st.sampled_from(pool))
        if draw(st.integers(0, 9)) == 0:  # splice: the head of one message, the tail of another
            other = draw(st.sampled_from(pool))
            cut = draw(st.integers(0, min(len(data), len(other))))
            data = data[:cut] + other[cut:]
        for name in draw(st.lists(st.sampled_from(WEIGHTED), min_size=1, max_size=2)):
            data = MUTATIONS[name](data, draw)
    if port == 4500 and draw(st.integers(0, 4)) != 0:
        data = NON_ESP_MARKER + data
    return data, port


# -- the properties -------------------------------------------------------------------------------------------------

def check_hostile(role: str, delivered: int, data: bytes, port: int) -> None:
    run = copy.deepcopy(staged(delivered))
    target = run.endpoints[role]
    before = snapshot(target)
    out = target.receive(data, ADDR[OTHER[role]], 500 if port == 500 else 4500, 1.0, local_port=port)
    assert isinstance(out, list) and all(isinstance(e, EFFECT_TYPES) for e in out)
    accepted = any(isinstance(e, Received) and e.outcome == Outcome.ACCEPTED for e in out)
    removed = {e.sa for e in out if isinstance(e, SaUpdate) and e.state is None}
    if accepted:
        isakmp = data[4:] if port == 4500 else data
        sa = before.get((isakmp[:8], Role(role), ADDR[OTHER[role]]))  # SAs are keyed by cookie, role and peer
        if sa is not None and any(sa[1]):
            assert isakmp[8:16] == sa[1], "accepted a datagram whose responder cookie is not the SA's"
        return  # a forged datagram the protocol cannot tell from a real one (e.g. an MM1 or MM2 with other VIDs)
    after = snapshot(target)
    for key, value in before.items():
        if key[0].hex() in removed:
            assert key not in after
            continue
        assert after.get(key) == value, f"SA {key[0].hex()} changed by a datagram the core did not accept"
    if removed or any(k not in before for k in after):
        return
    # the genuine exchange still completes
    for _ in range(10):
        if run.pending is None:
            break
        run.step(2.0)
    i, r = run.endpoints["initiator"], run.endpoints["responder"]
    states = [sa.state for sa in list(i.sas.values()) + list(r.sas.values()) if sa.icookie == genuine()[0][:8]]
    assert states == [MM_ACTIVE, MM_ACTIVE]
    isa = next(sa for sa in i.sas.values() if sa.icookie == genuine()[0][:8])
    rsa = next(sa for sa in r.sas.values() if sa.icookie == genuine()[0][:8])
    assert isa.keys == rsa.keys


def test_stages_are_what_they_claim():
    for role, delivered, state in STAGES:
        endpoint = staged(delivered).endpoints[role]
        states = [sa.state for sa in endpoint.sas.values() if sa.role == role]
        assert states == ([state] if state else []), (role, delivered)


@pytest.mark.parametrize("role,delivered,state", STAGES, ids=[f"{r}-{s or 'no-SA'}" for r, _, s in STAGES])
@FUZZ
@given(case=hostile())
def test_hostile_datagram_in_every_state(role, delivered, state, case):
    data, port = case
    check_hostile(role, delivered, data, port)


@FUZZ
@given(data=st.binary(max_size=4096), port=st.sampled_from([500, 4500, 501]))
def test_random_bytes_never_raise(data, port):
    run = copy.deepcopy(staged(3))
    for role in ("initiator", "responder"):
        out = run.endpoints[role].receive(data, ADDR[OTHER[role]], 500, 1.0, local_port=port)
        assert all(isinstance(e, EFFECT_TYPES) for e in out)
        assert not any(isinstance(e, Received) and e.outcome == Outcome.ACCEPTED for e in out)


@pytest.mark.parametrize("name,data", [
    ("empty", b""),
    ("one byte", b"\x01"),
    ("truncated header", bytes(27)),
    ("oversized", b"\x11" * 8 + bytes(8) + b"\x01\x10\x02\x00" + bytes(4) + struct.pack("!I", 70000) + bytes(69972)),
    ("wrong version", None),
    ("unknown cookies", None),
])
def test_named_bad_datagrams_are_dropped_with_a_log_event(name, data):
    mm1 = genuine()[0]
    if name == "wrong version":
        data = mm1[:17] + b"\x20" + mm1[18:]
    elif name == "unknown cookies":
        data = messages.build_encrypted(os.urandom(8), os.urandom(8), 5, bytes(32))
    run = copy.deepcopy(staged(3))
    for role in ("initiator", "responder"):
        before = snapshot(run.endpoints[role])
        out = run.endpoints[role].receive(data, ADDR[OTHER[role]], 500, 1.0)
        assert [type(e) for e in out] == [Received, Log]
        assert out[0].outcome == Outcome.DISCARDED and out[0].reason in (Reason.MALFORMED, Reason.NO_MATCHING_SA)
        assert isinstance(out[1].event, ev.Malformed if out[0].reason == Reason.MALFORMED else ev.NoMatchingSa)
        assert snapshot(run.endpoints[role]) == before


def test_mm1_flood_stays_within_the_half_open_limit():
    """10 000 distinct MM1s (different cookies, one source) never make more than half_open_limit SAs."""
    _, rcfg = configs()
    limit = rcfg.half_open_limit
    responder = Endpoint(rcfg, SeedStream(SEED, "flood"))
    mm1 = genuine()[0]
    refused = 0
    for n in range(10_000):
        out = responder.receive((n + 1).to_bytes(8, "big") + mm1[8:], I_ADDR, 500, 0.0)
        refused += any(isinstance(e, Log) and isinstance(e.event, ev.HalfOpenLimit) for e in out)
        assert len(responder.sas) <= limit
    assert len(responder.sas) == responder.half_open() == limit
    assert refused == 10_000 - limit


def test_half_open_slots_come_back_when_sas_time_out():
    _, rcfg = configs()
    responder = Endpoint(rcfg, SeedStream(SEED, "flood"))
    mm1 = genuine()[0]
    timers = []
    for n in range(rcfg.half_open_limit):
        out = responder.receive((n + 1).to_bytes(8, "big") + mm1[8:], I_ADDR, 500, 0.0)
        timers += [e for e in out if isinstance(e, SetTimer)]
    assert responder.half_open() == rcfg.half_open_limit
    # let every retransmission timer run out
    while timers:
        timer = timers.pop(0)
        timers += [e for e in responder.timer(timer.id, timer.at) if isinstance(e, SetTimer)]
    assert not responder.sas
    out = responder.receive(b"\xee" * 8 + mm1[8:], I_ADDR, 500, 100.0)
    assert any(isinstance(e, SaUpdate) and e.state == State.MM_WAIT_MSG3 for e in out)


# -- cookies --------------------------------------------------------------------------------------------------------

def _foreign_rcookie(delivered: int, index: int, role: str) -> list:
    run = copy.deepcopy(staged(delivered))
    message = genuine()[index]
    forged = message[:8] + b"\x42" * 8 + message[16:]
    return run.endpoints[role].receive(forged, ADDR[OTHER[role]], 500, 1.0)


@pytest.mark.parametrize("delivered,index", [(1, 2), (3, 4)], ids=["MM3", "MM5"])
def test_responder_discards_a_message_with_a_foreign_responder_cookie(delivered, index):
    out = _foreign_rcookie(delivered, index, "responder")
    assert [(type(e), e.outcome, e.reason) for e in out] == [
        (Received, Outcome.DISCARDED, Reason.RCOOKIE_MISMATCH)]


@pytest.mark.parametrize("delivered,index", [(2, 3), (4, 5)], ids=["MM4", "MM6"])
def test_initiator_discards_a_message_with_a_foreign_responder_cookie(delivered, index):
    out = _foreign_rcookie(delivered, index, "initiator")
    assert [(type(e), e.outcome, e.reason) for e in out] == [
        (Received, Outcome.DISCARDED, Reason.RCOOKIE_MISMATCH)]


# -- alignment padding (libreswan) ----------------------------------------------------------------------------------

def _padded(message: bytes, pad: bytes) -> bytes:
    return _with_length(message + pad)


def test_trailing_bytes_beyond_alignment_padding_stay_malformed():
    mm2 = genuine()[1]
    for pad in (bytes(4), b"\x01", b"\x00\x00\x07"):
        with pytest.raises(messages.MalformedMessage, match="after the payload chain"):
            messages.parse(_padded(mm2, pad))


def test_clear_message_with_alignment_padding_is_accepted():
    mm2 = genuine()[1]
    padded = _padded(mm2, bytes(-len(mm2) % 4 or 3))
    assert messages.parse(padded).first(messages.SaPayload) == messages.parse(mm2).first(messages.SaPayload)
    run = copy.deepcopy(staged(1))
    out = run.endpoints["initiator"].receive(padded, R_ADDR, 500, 1.0)
    assert any(isinstance(e, Received) and e.message == "MM2" and e.outcome == Outcome.ACCEPTED for e in out)
