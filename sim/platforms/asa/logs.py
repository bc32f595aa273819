"""ASA 9.x device logs rendered from the Trace: the buffered syslog (``show logging``) and the console output of
``debug crypto ikev1 <level>`` (ike-facts.md 3.5, 3.6, 3.7; real captures quoted there).

The core logs platform-neutral typed events (``Logged(t, device, event, cause)``, :mod:`sim.ike.events`); this
module owns the ASA wording, and :data:`HANDLED` says for every event kind which handler renders it or that it is
ignored. The datagrams themselves come from the Trace too: every ``IKE_DECODE`` line, every ``constructing``
and ``processing`` line is derived from the payloads of the actual datagram, as the core recorded them when it built
or decoded it (``DatagramSent.payloads``, ``DatagramProcessed.payloads``: MM5/MM6 decrypted by the device itself),
not from a fixed script; nothing is decrypted again here. A pure function of the Trace.

Line formats
------------
* buffered syslog (``logging timestamp``): ``Nov 27 2026 10:00:08: %ASA-7-713236: IP = 50.56.229.98, IKE_DECODE ...``
* console debug (9.x): ``Nov 27 10:00:08 [IKEv1]IP = 50.56.229.98, IKE_DECODE ...`` and
  ``Nov 27 10:00:08 [IKEv1 DEBUG]IP = 50.56.229.98, processing SA payload`` (no colon/space after the bracket).
* prefix: ``IP = <peer>, `` until the tunnel-group is known (``Connection landed on tunnel_group``), then
  ``Group = <group>, IP = <peer>, ``. ``IKE_DECODE`` lines, 713041 and ``Connection landed ...`` always carry only
  ``IP = `` (as in the TUP-OK capture). Lines without a peer (715077) have no prefix.
* wall clock: :data:`CLOCK_BASE` (``Nov 27 2026 10:00:00``, a simulator choice) + the simulated seconds, truncated to
  the second; every function takes ``base=`` to change it.
* ``[IKEv1]`` tags severity <= 6, 713236 and ``Connection landed on tunnel_group``; every other severity-7 line is
  ``[IKEv1 DEBUG]`` ([U] exact rule). ``debug crypto ikev1 <level>`` shows ``[IKEv1 DEBUG]`` lines only from level
  :data:`DEBUG_DETAIL_LEVEL` (127) up ([U]: the box's level semantics are not documented; 1 is the default level).

Core event -> ASA message(s)
----------------------------
[U] = ike-facts.md marks the wording/id uncertain or it is our own choice (no real capture of that case).

=====================  ======  ===  ==========================================================================
core event             id      sev  text (after the prefix)
=====================  ======  ===  ==========================================================================
Initiated              715077  7    ``Pitcher: received a key acquire message, spi 0x0`` (no prefix)
Initiated              713041  5    ``IKE Initiator: New Phase 1, Intf inside, IKE Peer <peer>`` -- [U] the box
                                    goes on ``  local Proxy Address <a>, remote Proxy Address <b>,  Crypto map
                                    (<map>)``; the simulator has no traffic selectors or crypto map, so that tail is
                                    left out; ``Intf`` is the interface the interesting traffic came in on
                                    (captures show the inside nameif), :data:`TRIGGER_INTERFACE`
DatagramSent (first)   715046  7    ``constructing <x> payload`` for each payload of the datagram (ISAKMP SA, ke,
                                    nonce, ID, hash, VIDs by name: ``Cisco Unity VID``, ``xauth V6 VID``,
                                    ``dpd vid``, ``Fragmentation VID + extended capabilities``, NAT-T ``VID ver
                                    02|03|RFC``, other ``VID``; NAT-Discovery, notify [U]); the IOS VID: 715048
                                    ``Send IOS VID`` + 715038 ``Constructing ASA spoofing IOS Vendor ID payload
                                    (version: 1.0.0, capabilities: 20000001)``; Altiga: ``constructing VID
                                    payload`` + 715048 ``Send Altiga/Cisco VPN3000/Cisco ASA GW VID``; the IOS
                                    keep-alive payload: 715034 ``Constructing IOS keep alive payload:
                                    proposal=32767/32767 sec.`` (all from the tunnelsup capture)
                       715076  7    ``Computing hash for ISAKMP`` after a HASH payload
DatagramSent           713236  7    ``IKE_DECODE SENDING|RESENDING Message (msgid=<hex>) with payloads : <HDR +
                                    ...> total length : <n>`` (RESENDING when attempt > 0, on a timer or a
                                    duplicate). MM5/MM6: the decrypted payloads and [U] the *unpadded* length
                                    (28 + payload chain), as the TUP-OK capture suggests; clear messages: the
                                    datagram length
DatagramDelivered      713236  7    ``IKE_DECODE RECEIVED ...`` for every datagram the box can decode: clear ones,
                                    and encrypted ones its keys decrypt (none for an undecryptable MM5: [U] the
                                    decode line follows decryption)
Processing             715047  7    ``processing <x> payload`` for each payload (SA; ke + ISA_KE; nonce; ID; hash;
                                    VID; notify; NAT-Discovery); after a VID ``Received <name> VID`` (715049)
                                    and for the fragmentation VID ``IKE Peer included IKE fragmentation
                                    capability flags: ...`` (715064, [U] bit mapping); after an ID
                                    ``ID_IPV4_ADDR ID received--<a.b.c.d>`` (714011, [U] by analogy with the
                                    observed quick-mode line); after a hash ``Computing hash for ISAKMP`` (715076).
                                    With an SA payload the VID lines wait for ``Oakley proposal is acceptable``
ProposalAccepted       713906  7    initiator: ``Oakley proposal is acceptable``
                       715028  7    responder: ``IKE SA Proposal # 1, Transform # <n> acceptable  Matches global
                                    IKE entry # <priority>`` (petenetlive 9.x capture; before it the MM1 VIDs, the
                                    NAT-T ones as ``Received ... VID`` in preference order RFC, 03, 02, then
                                    ``processing IKE SA payload``)
ProposalRejected       713257  5    ``Phase 1 failure: Mismatched attribute types for class <c>: Rcv'd: <x> Cfg'd:
                                    <y>`` (class ``Group`` with ``Group <n>`` values as in ike-facts; [U] the other
                                    class names: Encryption, Hash, Auth, Life Duration)
                       713906  7    ``All SA proposals found unacceptable`` [U id]
                       713048  3    ``Error processing payload: Payload ID: 1``
TransformNotOffered    713048  3    ``Error processing payload: Payload ID: 1`` [U]
PeerKeyFound           713139  5    ``<peer> not found, using BASE GROUP default preshared key`` (via_default only)
                       713906  7    ``Connection landed on tunnel_group <group>``
PeerKeyMissing         713902  3    ``Can't find a valid tunnel group, aborting...!`` with ``Group = <peer>, `` (the
                                    SARANSK capture; 713138 ``Group <peer> not found and BASE GROUP default
                                    preshared key not configured``, the syslog guide's wording, is not used: no
                                    capture shows it on 9.x)
GroupWithoutKey        713906  7    ``Connection landed on tunnel_group <group>``
                       713902  3    ``Can't find a valid tunnel group, aborting...!`` [U: a real ASA line for an
                                    unusable L2L group (SARANSK); its use for "group without a key" is our choice]
NoLocalKey             (as GroupWithoutKey; as PeerKeyMissing when no group matched at all) [U: ASA wording
                                    unknown, ike-facts 2.5]
NoCertificate          713902  3    ``Unable to find a certificate for rsa-sig authentication, aborting`` [U: our
                                    wording; the simulator models no PKI, so rsa-sig on both sides fails here]
KeysRecord             713906  7    ``Generating keys for Initiator...`` / ``Generating keys for Responder...``
                                    ([U] responder wording by symmetry)
BadKe                  713048  3    ``Error processing payload: Payload ID: 4`` [U]
DecryptFailed          713902  3    ``Received encrypted Oakley Main Mode packet with invalid payloads, MessID = 0``
                                    [U, TAC wording quoted from memory, id guessed]
                       713902  3    ``ERROR, had problems decrypting packet, probably due to mismatched pre-shared
                                    key.  Aborting`` [U]
HashMismatch           713902  3    ``Hash verification failed`` [U: our wording]
Duplicate              713201  5    ``Duplicate Phase 1 packet detected.  Retransmitting last packet.`` or ``...
                                    No last packet to transmit.`` or, within the duplicate holdoff, ``... Ignoring
                                    packet.`` [U]; the resend itself is the next 713236 RESENDING. A copy of MM1:
                                    713906 ``Duplicate first packet detected.`` (DAREN capture; [U] id)
Retransmitted          -            (the resend is the 713236 RESENDING line of its ``sending`` event)
NotifyDropped          713904  5    ``Received an un-encrypted <NAME> notify message, dropping`` ([U] for names
                                    other than INVALID_COOKIE); encrypted: ``Received encrypted Informational
                                    Exchange message, dropping`` [U: our wording]
                       713903  4    ``Information Exchange processing failed``
NoMatchingSa           713904  5    clear, first payload not SA (a retransmitted MM3): ``Header invalid, missing SA
                                    payload! (next payload = <type>)`` (SARANSK capture; [U] id);
                                    encrypted: ``Received encrypted packet with no matching SA, dropping``; clear:
                                    ``Received un-encrypted packet with no matching SA, dropping`` [U: our wording]
PhaseOneComplete       713119  5    ``PHASE 1 COMPLETED``
                       713121  6    ``Keep-alive type for this connection: DPD`` (``None`` when the peer sent no
                                    DPD VID [U]) (tunnelsup capture)
                       715080  7    initiator only: ``Starting P1 rekey timer: <95 % of lifetime> seconds.``
                                    (82080 for 86400 observed) [U: responder side]
SaRemoved              715065  7    ``IKE MM Initiator|Responder FSM error history (struct &0x<addr>)  <state>,
                                    <event>:  s, e-->s, e...``: the last :data:`FSM_HISTORY_DEPTH` (8) pairs,
                                    newest first, expanded from the core's history into the ASA FSM vocabulary
                                    (MM_SND_MSGn, MM_WAIT_MSGn, MM_DONE; EV_SND_MSG, EV_START_TMR, EV_RESEND_MSG,
                                    EV_TIMEOUT, EV_RETRY, EV_RCV_MSG, EV_ERROR, NullEvent) so that a retransmission
                                    timeout reads exactly as the observed DAREN/PIX samples; ``struct`` address =
                                    0x00007fff + the first 4 cookie bytes, 8-aligned (64-bit as on 9.x, DAREN;
                                    deterministic) [U expansion]
                       713906  7    ``IKE SA MM:<first 4 cookie bytes> terminating:  flags 0x01000002, refcnt 0,
                                    tuncnt 0`` [U]
                       713902  3    ``Removing peer from peer table failed, no match!``
                       713903  4    ``Error: Unable to remove PeerTblEntry``
NatDetected            713172  6    ``Automatic NAT Detection Status:    Remote end is NOT|IS behind a NAT device
                                    This  end is NOT|IS behind a NAT device`` (spacing as in a published sample)
NatDMissing            715058  7    ``NAT-Discovery payloads missing. Aborting NAT-Traversal.``
NatTFloat              -            nothing of its own: the next 713236 lines are the UDP 4500 datagrams [U]
NotListening           710003  3    ``UDP access denied by ACL from <peer>/<sport> to outside:<address>/<port>``;
                       713902  3    with ``why`` NO_CRYPTO_MAP (IKE enabled, no crypto map bound to the interface):
                                    ``No crypto map bound to interface... dropping pkt`` (the real line, from the
                                    "Linux to ASA VPN" lab notes in real-captures.md; [U] its id and severity)
                                    [U: to-the-box UDP 500/4500 that IKE does not take]
Malformed              713902  3    ``Received malformed ISAKMP packet, dropping`` [U: our wording]
UnsupportedExchange    713904  5    ``Received ISAKMP packet with unsupported exchange type <n>, dropping`` [U]
HalfOpenLimit          713904  5    ``Maximum in-negotiation SAs [from this peer ](<n>) reached, dropping new Phase 1
                                    request`` (per-peer or global limit) [U]
IkeDisabled            -            nothing: with IKE off on the interface the box starts no negotiation
NoPolicy               -            nothing: no policy, no negotiation starts [U]
NoKeyToInitiate        713138  3    ``Group <peer> not found and BASE GROUP default preshared key not configured``
                                    (the IOS profile's event; an ASA starts anyway and fails after MM4) [U]
=====================  ======  ===  ==========================================================================

``show logging`` prints a compact 9.x header (from memory, [U]: ``Syslog logging: enabled``, facility, timestamp,
standby, debug-trace, console, monitor, ``Buffer logging: level debugging, <n> messages logged``, trap, history,
device ID, mail, ASDM) then the buffer: the simulator assumes ``logging enable``, ``logging timestamp`` and
``logging buffered debugging`` with a buffer large enough never to wrap (the box's default 4096-byte buffer would).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from ...engine import views
from ...engine.trace import (CauseKind, DatagramDelivered, DatagramProcessed, DatagramSent, KeysRecord, Logged,
                             SaChanged, Trace)
from ...errors import InputError
from ...ike import constants as c
from ...ike import events as ev
from ...ike import messages
from ...ike.types import Reason, StepKind

#: The wall clock at simulated second 0 (a simulator choice; any date works).
CLOCK_BASE = datetime(2026, 11, 27, 10, 0, 0)
#: The nameif the interesting traffic that triggers 713041 arrived on (captures show the inside interface).
TRIGGER_INTERFACE = "inside"
#: The nameif the IKE datagrams arrive on (710003).
IKE_INTERFACE = "outside"
#: ``debug crypto ikev1 <level>``: from this level up the ``[IKEv1 DEBUG]`` lines show too ([U]).
DEBUG_DETAIL_LEVEL = 127
#: Default level of ``debug crypto ikev1`` without a level (as on the box).
DEBUG_DEFAULT_LEVEL = 1
#: Pairs shown by the 715065 FSM error history (both observed samples show 8).
FSM_HISTORY_DEPTH = 8
#: The rekey timer starts at this fraction of the lifetime (82080 s observed for 86400 s).
P1_REKEY_FRACTION = 0.95

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: 715046 ``constructing <x> payload`` / 715049 ``Received <x> VID`` names of the vendor IDs we know.
_VID_CONSTRUCT = {
    c.VID_CISCO_UNITY: "Cisco Unity VID",
    c.VID_XAUTH: "xauth V6 VID",
    c.VID_DPD: "dpd vid",
    c.VID_CISCO_FRAGMENTATION: "Fragmentation VID + extended capabilities",
    c.VID_NAT_T_DRAFT_02: "NAT-Traversal VID ver 02",
    c.VID_NAT_T_DRAFT_02N: "NAT-Traversal VID ver 02",
    c.VID_NAT_T_DRAFT_03: "NAT-Traversal VID ver 03",
    c.VID_NAT_T_RFC3947: "NAT-Traversal VID ver RFC",
}
_VID_RECEIVED = {
    c.VID_CISCO_UNITY: "Cisco Unity client",
    c.VID_XAUTH: "xauth V6",
    c.VID_DPD: "DPD",
    c.VID_CISCO_FRAGMENTATION: "Fragmentation",
    c.VID_NAT_T_DRAFT_02: "NAT-Traversal ver 02",
    c.VID_NAT_T_DRAFT_02N: "NAT-Traversal ver 02",
    c.VID_NAT_T_DRAFT_03: "NAT-Traversal ver 03",
    c.VID_NAT_T_RFC3947: "NAT-Traversal RFC",
    c.VID_NAT_T_DRAFT_07: "NAT-Traversal ver 07",
    c.VID_ALTIGA_GW: "Altiga/Cisco VPN3000/Cisco ASA GW",
}
#: the NAT-T VIDs, in the order a 9.x responder reports receiving them (petenetlive KB 0001531: RFC, 03, 02,
#: whatever their order on the wire)
_NAT_T_PREFERENCE = (c.VID_NAT_T_RFC3947, c.VID_NAT_T_DRAFT_07, c.VID_NAT_T_DRAFT_03, c.VID_NAT_T_DRAFT_02N,
                     c.VID_NAT_T_DRAFT_02)
#: what 715038 says of the IOS VID: an ASA sends it with these (tunnelsup capture); the simulator cannot read
#: version or capabilities out of the 16 bytes, so a received IOS VID reports the same values [U]
IOS_VID_VERSION = "1.0.0"
IOS_VID_CAPABILITIES = "20000001"
_FRAGMENTATION_VID_PREFIX = c.VID_CISCO_FRAGMENTATION[:16]

#: 713257 class names for the core's mismatch attributes ([U] except Group).
_MISMATCH_CLASS = {"Encryption": "Encryption", "Hash": "Hash", "Auth": "Auth", "D-H Group": "Group",
                   "Lifetime": "Life Duration"}

@dataclass(frozen=True)
class LogMessage:
    """One ASA message: simulated time, syslog id and severity, prefix (``IP = ..., `` or empty) and text."""

    t: float
    id: int
    severity: int
    prefix: str
    text: str

    @property
    def tag(self) -> str:
        """The 9.x console tag: ``IKEv1`` for severity <= 6, decode lines and tunnel-group landing; else DEBUG."""
        if self.severity <= 6 or self.id == 713236 or self.text.startswith("Connection landed on tunnel_group"):
            return "IKEv1"
        return "IKEv1 DEBUG"

    def syslog(self, base: datetime = CLOCK_BASE) -> str:
        return f"{_stamp(base, self.t, year=True)}: %ASA-{self.severity}-{self.id}: {self.prefix}{self.text}"

    def debug(self, base: datetime = CLOCK_BASE) -> str:
        return f"{_stamp(base, self.t, year=False)} [{self.tag}]{self.prefix}{self.text}"


def _stamp(base: datetime, t: float, *, year: bool) -> str:
    when = base + timedelta(seconds=math.floor(t + 1e-9))
    day = f"{_MONTHS[when.month - 1]} {when.day:02d}"
    return f"{day} {when.year} {when:%H:%M:%S}" if year else f"{day} {when:%H:%M:%S}"


# ---------------------------------------------------------------------------------------------------------------------
# Decoding the datagrams of the Trace
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Decoded:
    message_id: int
    payloads: tuple  # messages.Payload objects, in order
    summary: str  # "HDR + SA (1) + VENDOR (13) + NONE (0)"
    length: int  # as the decode line reports it


#: reasons for which the box never decodes the datagram (nothing listens, or it is not an ISAKMP message at all)
_UNDECODED = frozenset({Reason.IKE_DISABLED, Reason.NO_CRYPTO_MAP, Reason.NAT_T_DISABLED, Reason.NOT_IKE_PORT,
                        Reason.NAT_KEEPALIVE, Reason.ESP_WITHOUT_SA, Reason.MALFORMED})


def _decoded(record) -> _Decoded | None:
    """A sent or processed datagram as the box's decode line shows it (None: the box could not decode it, e.g. an
    MM5 under a different key). The payloads come from the Trace: the core recorded them as it built or decoded
    the message (decrypted for MM5/MM6), so nothing is decrypted here."""
    if record.encrypted and not record.payloads:
        return None
    return _Decoded(record.message_id, tuple(record.payloads), messages.payload_summary(record.payloads),
                    record.length)


def _fmt_msgid(message_id: int) -> str:
    return f"{message_id:x}"


# ---------------------------------------------------------------------------------------------------------------------
# The FSM error history (715065)
# ---------------------------------------------------------------------------------------------------------------------


def fsm_pairs(history, final: tuple[str, str] = ("MM_DONE", "EV_ERROR")) -> list[tuple[str, str]]:
    """Expand the core's structured history (:class:`~sim.ike.types.HistoryStep`) into ASA FSM (state, event)
    pairs, oldest first.

    A START or STEP reads ``previous, EV_RCV_MSG`` (when it received something) and ``MM_SND_MSGn, EV_START_TMR``
    / ``MM_SND_MSGn, EV_SND_MSG`` (when it sent MMn), then ``state, NullEvent``; a RETRY reads as in the observed
    ASA histories: ``S, EV_TIMEOUT -> S, EV_RETRY -> MM_SND_MSGn, EV_RESEND_MSG -> MM_SND_MSGn, EV_START_TMR ->
    MM_SND_MSGn, EV_SND_MSG -> S, NullEvent``; a TIMEOUT ``S, EV_TIMEOUT -> S, EV_RETRY``; an ERROR ``S,
    EV_RCV_MSG``; the removal ends with ``final``.
    """
    pairs: list[tuple[str, str]] = []
    previous = "MM_START"
    last_sent: int | None = None
    for step in history:
        state = str(step.state) if step.state is not None else "MM_DONE"
        kind = step.kind
        if kind is StepKind.RETRY:
            pairs.append((state, "EV_TIMEOUT"))
            pairs.append((state, "EV_RETRY"))
            if last_sent is not None:
                snd = f"MM_SND_MSG{last_sent}"
                pairs += [(snd, "EV_RESEND_MSG"), (snd, "EV_START_TMR"), (snd, "EV_SND_MSG")]
            pairs.append((state, "NullEvent"))
        elif kind is StepKind.TIMEOUT:
            pairs += [(state, "EV_TIMEOUT"), (state, "EV_RETRY")]
        elif kind is StepKind.ERROR:
            pairs.append((state, "EV_RCV_MSG"))
        elif kind in (StepKind.START, StepKind.STEP):
            if step.received is not None:
                pairs.append((previous, "EV_RCV_MSG"))
            if step.sent is not None and step.sent.number:
                last_sent = step.sent.number
                snd = f"MM_SND_MSG{last_sent}"
                pairs += [(snd, "EV_START_TMR"), (snd, "EV_SND_MSG")]
            pairs.append((state, "NullEvent"))
        else:
            continue
        previous = state
    pairs.append(final)
    return pairs


def fsm_history_text(role: str, sa_id: str, history) -> str:
    pairs = fsm_pairs(history)[-FSM_HISTORY_DEPTH:][::-1]
    # 9.x is a 64-bit image: its struct addresses read 0x00007fff........ (DAREN capture); the low 32 bits come
    # from the cookie, 8-aligned, so the line is deterministic
    address = 0x7FFF00000000 | (int(sa_id[:8] or "0", 16) & 0xFFFFFFF8)
    chain = "-->".join(f"{s}, {e}" for s, e in pairs)
    return (f"IKE MM {role.capitalize()} FSM error history (struct &0x{address:016x})  <state>, <event>:  {chain}")


# ---------------------------------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------------------------------

#: every event kind of the core, and what this renderer does with it: the handler's name, or None (ignored: the
#: ASA shows nothing of its own for it; the reason is given)
HANDLED: dict[type, str | None] = {
    ev.Initiated: "on_initiate",
    ev.IkeDisabled: None,  # an ASA without IKE on the interface starts nothing and logs nothing for it [U]
    ev.NoPolicy: None,  # likewise: no policy, no Phase 1 attempt
    ev.NoKeyToInitiate: "on_no_key_to_initiate",
    ev.Processing: "on_processing",
    ev.NotListening: "on_not_listening",
    ev.NoMatchingSa: "on_no_sa",
    ev.Malformed: "on_malformed",
    ev.UnsupportedExchange: "on_unsupported_exchange",
    ev.HalfOpenLimit: "on_half_open_limit",
    ev.NotifyDropped: "on_notify_dropped",
    ev.ProposalAccepted: "on_proposal_accepted",
    ev.ProposalRejected: "on_proposal_rejected",
    ev.TransformNotOffered: "on_sa_not_offered",
    ev.PeerKeyFound: "on_group_found",
    ev.PeerKeyMissing: "on_group_missing",
    ev.GroupWithoutKey: "on_group_no_key",
    ev.NoLocalKey: "on_no_key",
    ev.NoCertificate: "on_no_certificate",
    ev.BadKe: "on_bad_ke",
    ev.DecryptFailed: "on_decrypt_failed",
    ev.HashMismatch: "on_hash_failed",
    ev.Duplicate: "on_duplicate",
    ev.Retransmitted: None,  # the resend itself is the 713236 RESENDING line of its DatagramSent
    ev.NatDetected: "on_nat_detection",
    ev.NatDMissing: "on_nat_d_missing",
    ev.NatTFloat: None,  # nothing of its own: the next 713236 lines are the UDP 4500 datagrams [U]
    ev.PhaseOneComplete: "on_phase1_completed",
    ev.SaRemoved: "on_sa_removed",
}


class _Renderer:
    """Walks one device's records in Trace order and turns them into ASA messages."""

    def __init__(self, trace: Trace, hostname: str):
        try:
            self.device = trace.device(hostname)
        except KeyError:
            names = ", ".join(d.hostname for d in trace.devices)
            raise InputError(f"no device {hostname!r} in this run (devices: {names})", field="hostname") from None
        self.trace = trace
        self.host = hostname
        self.out: list[LogMessage] = []
        self.datagrams = views.datagrams(trace)
        self.groups: dict[str, str] = {}  # sa -> tunnel-group once landed
        self.deferred: list[tuple[int, str]] = []  # VID lines waiting for "Oakley proposal is acceptable"
        self.dpd: set[str] = set()  # SAs whose peer announced DPD (its VID)
        self.roles: dict[str, str] = {}
        for r in trace.records:
            if isinstance(r, SaChanged) and r.device == hostname:
                self.roles.setdefault(r.update.sa, r.update.role)

    # -- helpers --------------------------------------------------------------------------------------------------
    def emit(self, t: float, mid: int, sev: int, text: str, *, sa: str | None = None, peer: str | None = None,
             ip_only: bool = False) -> None:
        prefix = ""
        if peer:
            group = None if ip_only or sa is None else self.groups.get(sa)
            prefix = f"Group = {group}, IP = {peer}, " if group else f"IP = {peer}, "
        self.out.append(LogMessage(t, mid, sev, prefix, text))

    def role(self, sa: str | None) -> str:
        return self.roles.get(sa or "", self.device.role)

    def processed(self, cause) -> DatagramProcessed | None:
        """The verdict on the datagram whose delivery caused the records being rendered."""
        if cause.kind is not CauseKind.DELIVERY or cause.ref not in self.datagrams:
            return None
        return self.datagrams[cause.ref].processed

    # -- records --------------------------------------------------------------------------------------------------
    def run(self, t: float) -> list[LogMessage]:
        host = self.host
        for r in self.trace.records:
            if r.t > t + 1e-9:
                continue
            kind = type(r)
            if getattr(r, "device", None) != host:
                continue
            if kind is Logged:
                handler = HANDLED.get(type(r.event))
                if handler is not None:
                    getattr(self, handler)(r.t, r.event, r.cause)
            elif kind is DatagramSent:
                self.on_sent(r)
            elif kind is DatagramDelivered:
                self.on_delivered(r)
            elif kind is KeysRecord:
                self.emit(r.t, 713906, 7, f"Generating keys for {str(r.keys.role).capitalize()}...", sa=r.keys.sa,
                          peer=r.keys.peer)
            elif kind is SaChanged and r.update.state is None:
                self.groups.pop(r.update.sa, None)
        return self.out

    def on_delivered(self, r: DatagramDelivered) -> None:
        self.deferred = []
        datagram = self.datagrams.get(r.id)
        processed = datagram.processed if datagram is not None else None
        if processed is None or processed.reason in _UNDECODED:
            return
        decoded = _decoded(processed)
        if decoded is None:
            return
        self.emit(r.t, 713236, 7, f"IKE_DECODE RECEIVED Message (msgid={_fmt_msgid(decoded.message_id)}) with "
                  f"payloads : {decoded.summary} total length : {decoded.length}", peer=r.src or datagram.sent.src,
                  ip_only=True)

    def on_sent(self, sent: DatagramSent) -> None:
        decoded = _decoded(sent)
        if sent.attempt == 0:
            for payload in decoded.payloads:
                for mid, text in _construct_lines(payload):
                    # tunnelsup capture: the keep-alive line carries only "IP = " even once the group is known
                    self.emit(sent.t, mid, 7, text, sa=sent.sa, peer=sent.dst, ip_only=mid == 715034)
        verb = "RESENDING" if sent.attempt else "SENDING"
        self.emit(sent.t, 713236, 7, f"IKE_DECODE {verb} Message (msgid={_fmt_msgid(decoded.message_id)}) with "
                  f"payloads : {decoded.summary} total length : {decoded.length}", sa=sent.sa, peer=sent.dst,
                  ip_only=True)

    # -- core events ----------------------------------------------------------------------------------------------
    def on_initiate(self, t, e, cause) -> None:
        self.emit(t, 715077, 7, "Pitcher: received a key acquire message, spi 0x0")
        self.emit(t, 713041, 5, f"IKE Initiator: New Phase 1, Intf {TRIGGER_INTERFACE}, IKE Peer {e.peer}",
                  sa=e.sa, peer=e.peer, ip_only=True)

    def on_processing(self, t, e, cause) -> None:
        processed = self.processed(cause)
        if processed is None:  # pragma: no cover - Processing is always caused by a delivery
            return
        payloads = processed.payloads
        has_sa = any(isinstance(p, messages.SaPayload) for p in payloads)
        self.deferred = []
        if any(isinstance(p, messages.VendorIdPayload) and p.data == c.VID_DPD for p in payloads):
            self.dpd.add(e.sa)
        if has_sa and self.role(e.sa) == "responder":
            self._responder_mm1(t, e, payloads)
            return
        for payload in payloads:
            for mid, text in _process_lines(payload):
                if has_sa and isinstance(payload, messages.VendorIdPayload):
                    self.deferred.append((mid, text))
                else:
                    self.emit(t, mid, 7, text, sa=e.sa, peer=e.peer)

    def _responder_mm1(self, t, e, payloads) -> None:
        """A 9.x responder's MM1 (petenetlive KB 0001531): the VIDs first, the NAT-T ones in preference order as
        ``Received ... VID`` lines, then ``processing IKE SA payload``; 715028 follows on acceptance."""
        vids = [p.data for p in payloads if isinstance(p, messages.VendorIdPayload)]
        for data in vids:
            if data in _NAT_T_PREFERENCE:
                continue
            for mid, text in _process_lines(messages.VendorIdPayload(data)):
                self.emit(t, mid, 7, text, sa=e.sa, peer=e.peer)
        for data in _NAT_T_PREFERENCE:
            if data in vids:
                self.emit(t, 715049, 7, f"Received {_VID_RECEIVED[data]} VID", sa=e.sa, peer=e.peer)
        self.emit(t, 715047, 7, "processing IKE SA payload", sa=e.sa, peer=e.peer)

    def on_proposal_accepted(self, t, e, cause) -> None:
        if self.role(e.sa) == "responder":
            self.emit(t, 715028, 7, f"IKE SA Proposal # 1, Transform # {e.transform} acceptable  Matches global "
                      f"IKE entry # {e.priority}", sa=e.sa, peer=e.peer)
            return
        self.emit(t, 713906, 7, "Oakley proposal is acceptable", sa=e.sa, peer=e.peer)
        for mid, text in self.deferred:
            self.emit(t, mid, 7, text, sa=e.sa, peer=e.peer)
        self.deferred = []

    def on_proposal_rejected(self, t, e, cause) -> None:
        self.deferred = []
        if e.attribute in _MISMATCH_CLASS:
            self.emit(t, 713257, 5, f"Phase 1 failure: Mismatched attribute types for class "
                      f"{_MISMATCH_CLASS[e.attribute]}: Rcv'd: {e.received} Cfg'd: {e.configured}",
                      sa=e.sa, peer=e.peer)
        self.emit(t, 713906, 7, "All SA proposals found unacceptable", sa=e.sa, peer=e.peer)
        self.emit(t, 713048, 3, f"Error processing payload: Payload ID: {int(c.Payload.SA)}", sa=e.sa, peer=e.peer)

    def on_sa_not_offered(self, t, e, cause) -> None:
        self.emit(t, 713048, 3, f"Error processing payload: Payload ID: {int(c.Payload.SA)}", sa=e.sa, peer=e.peer)

    def _landed(self, t, e, group: str) -> None:
        self.emit(t, 713906, 7, f"Connection landed on tunnel_group {group}", sa=e.sa, peer=e.peer, ip_only=True)
        if e.sa is not None and group:
            self.groups[e.sa] = str(group)

    def on_group_found(self, t, e, cause) -> None:
        if e.via_default:
            self.emit(t, 713139, 5, f"{e.peer} not found, using BASE GROUP default preshared key", sa=e.sa,
                      peer=e.peer)
        self._landed(t, e, e.group)

    def on_group_missing(self, t, e, cause) -> None:
        # SARANSK capture (a responder without a tunnel-group for the peer): the group is named by the peer's
        # address, and the box says it cannot find a valid one; the removal lines follow (on_sa_removed). Cisco's
        # syslog guide words the same case as 713138 "Group <peer> not found and BASE GROUP default preshared key
        # not configured"; no capture shows a 9.x box print it, so the default (9.x) profile follows the capture.
        if e.sa is not None:
            self.groups[e.sa] = e.peer
        self.emit(t, 713902, 3, "Can't find a valid tunnel group, aborting...!", sa=e.sa, peer=e.peer)

    def on_group_no_key(self, t, e, cause) -> None:
        self._landed(t, e, e.group)
        self.emit(t, 713902, 3, "Can't find a valid tunnel group, aborting...!", sa=e.sa, peer=e.peer)

    def on_no_key(self, t, e, cause) -> None:
        if e.group:
            self.on_group_no_key(t, e, cause)
        else:
            self.on_group_missing(t, e, cause)

    def on_no_certificate(self, t, e, cause) -> None:
        self.emit(t, 713902, 3, f"Unable to find a certificate for {e.auth} authentication, aborting",
                  sa=e.sa, peer=e.peer)

    def on_bad_ke(self, t, e, cause) -> None:
        self.emit(t, 713048, 3, f"Error processing payload: Payload ID: {int(c.Payload.KE)}", sa=e.sa, peer=e.peer)

    def on_decrypt_failed(self, t, e, cause) -> None:
        self.emit(t, 713902, 3, "Received encrypted Oakley Main Mode packet with invalid payloads, MessID = 0",
                  sa=e.sa, peer=e.peer)
        self.emit(t, 713902, 3, "ERROR, had problems decrypting packet, probably due to mismatched pre-shared key.  "
                  "Aborting", sa=e.sa, peer=e.peer)

    def on_hash_failed(self, t, e, cause) -> None:
        self.emit(t, 713902, 3, "Hash verification failed", sa=e.sa, peer=e.peer)

    def on_duplicate(self, t, e, cause) -> None:
        if e.message == "MM1":
            # DAREN capture and Cisco community threads: a repeated MM1 is a "first packet"; the resend, if any,
            # is the next 713236 RESENDING line
            tail = "" if e.resent else "  Ignoring packet."
            self.emit(t, 713906, 7, f"Duplicate first packet detected.{tail}", sa=e.sa, peer=e.peer)
            return
        if e.limited:  # [U] a copy within the duplicate holdoff: not answered (Retransmit.duplicate_holdoff)
            tail = "Ignoring packet."
        else:
            tail = "Retransmitting last packet." if e.resent else "No last packet to transmit."
        self.emit(t, 713201, 5, f"Duplicate Phase 1 packet detected.  {tail}", sa=e.sa, peer=e.peer)

    def on_notify_dropped(self, t, e, cause) -> None:
        if e.encrypted:
            text = "Received encrypted Informational Exchange message, dropping"
        else:
            text = f"Received an un-encrypted {e.notify} notify message, dropping"
        self.emit(t, 713904, 5, text, peer=e.peer)
        self.emit(t, 713903, 4, "Information Exchange processing failed", peer=e.peer)

    def on_no_sa(self, t, e, cause) -> None:
        processed = self.processed(cause)
        first = processed.payloads[0] if processed is not None and processed.payloads else None
        if not e.encrypted and first is not None and not isinstance(first, messages.SaPayload):
            # SARANSK capture: the initiator's retransmitted MM3 after the responder deleted its SA
            self.emit(t, 713904, 5, f"Header invalid, missing SA payload! (next payload = "
                      f"{messages.payload_type(first)})", peer=e.peer)
            return
        kind = "encrypted" if e.encrypted else "un-encrypted"
        self.emit(t, 713904, 5, f"Received {kind} packet with no matching SA, dropping", peer=e.peer)

    def on_phase1_completed(self, t, e, cause) -> None:
        self.emit(t, 713119, 5, "PHASE 1 COMPLETED", sa=e.sa, peer=e.peer)
        # tunnelsup capture: the keep-alive type follows, then the rekey timer
        keepalive = "DPD" if e.sa in self.dpd else "None"
        self.emit(t, 713121, 6, f"Keep-alive type for this connection: {keepalive}", sa=e.sa, peer=e.peer)
        if self.role(e.sa) == "initiator" and e.lifetime:
            seconds = int(int(e.lifetime) * P1_REKEY_FRACTION)
            self.emit(t, 715080, 7, f"Starting P1 rekey timer: {seconds} seconds.", sa=e.sa, peer=e.peer)

    def on_sa_removed(self, t, e, cause) -> None:
        sa = e.sa or ""
        self.emit(t, 715065, 7, fsm_history_text(self.role(sa), sa, e.history), sa=e.sa, peer=e.peer)
        self.emit(t, 713906, 7, f"IKE SA MM:{sa[:8]} terminating:  flags 0x01000002, refcnt 0, tuncnt 0",
                  sa=e.sa, peer=e.peer)
        self.emit(t, 713902, 3, "Removing peer from peer table failed, no match!", sa=e.sa, peer=e.peer)
        self.emit(t, 713903, 4, "Error: Unable to remove PeerTblEntry", sa=e.sa, peer=e.peer)

    def on_not_listening(self, t, e, cause) -> None:
        if e.why is Reason.NO_CRYPTO_MAP:  # IKE is enabled, the interface has no crypto map (real-captures.md)
            self.emit(t, 713902, 3, "No crypto map bound to interface... dropping pkt", peer=e.peer)
            return
        datagram = self.datagrams.get(cause.ref) if cause.kind is CauseKind.DELIVERY else None
        d = datagram.delivered if datagram is not None else None
        sport = (d.sport if d is not None and d.sport else None) or (datagram.sent.sport if datagram else 500)
        address = (d.dst if d is not None and d.dst else None) or self.device.address
        port = e.port or (d.dport if d is not None and d.dport else c.IKE_PORT)
        self.emit(t, 710003, 3, f"UDP access denied by ACL from {e.peer}/{sport} to {IKE_INTERFACE}:{address}/{port}")

    def on_nat_detection(self, t, e, cause) -> None:
        def state(behind: object) -> str:
            return " IS " if behind else "is NOT"

        self.emit(t, 713172, 6, f"Automatic NAT Detection Status:    Remote end {state(e.peer_behind)} "
                  f"behind a NAT device    This  end {state(e.local_behind)} behind a NAT device",
                  sa=e.sa, peer=e.peer)

    def on_nat_d_missing(self, t, e, cause) -> None:
        self.emit(t, 715058, 7, "NAT-Discovery payloads missing. Aborting NAT-Traversal.", sa=e.sa, peer=e.peer)

    def on_no_key_to_initiate(self, t, e, cause) -> None:
        self.emit(t, 713138, 3, f"Group {e.peer} not found and BASE GROUP default preshared key not configured",
                  peer=e.peer)

    def on_malformed(self, t, e, cause) -> None:
        self.emit(t, 713902, 3, "Received malformed ISAKMP packet, dropping", peer=e.peer)

    def on_unsupported_exchange(self, t, e, cause) -> None:
        self.emit(t, 713904, 5, f"Received ISAKMP packet with unsupported exchange type {e.exchange}, dropping",
                  peer=e.peer)

    def on_half_open_limit(self, t, e, cause) -> None:
        what = "from this peer " if e.scope == "peer" else ""
        self.emit(t, 713904, 5, f"Maximum in-negotiation SAs {what}({e.limit}) reached, dropping new Phase 1 "
                  "request", peer=e.peer)


def _construct_lines(payload) -> list[tuple[int, str]]:
    """715046/715076 lines for one payload we are about to send."""
    if isinstance(payload, messages.SaPayload):
        return [(715046, "constructing ISAKMP SA payload")]
    if isinstance(payload, messages.KePayload):
        return [(715046, "constructing ke payload")]
    if isinstance(payload, messages.NoncePayload):
        return [(715046, "constructing nonce payload")]
    if isinstance(payload, messages.IdPayload):
        return [(715046, "constructing ID payload")]
    if isinstance(payload, messages.HashPayload):
        return [(715046, "constructing hash payload"), (715076, "Computing hash for ISAKMP")]
    if isinstance(payload, messages.VendorIdPayload):
        if payload.data == c.VID_CISCO_IOS:  # tunnelsup capture: the ASA announces itself as IOS
            return [(715048, "Send IOS VID"),
                    (715038, f"Constructing ASA spoofing IOS Vendor ID payload (version: {IOS_VID_VERSION}, "
                             f"capabilities: {IOS_VID_CAPABILITIES})")]
        if payload.data == c.VID_ALTIGA_GW:
            return [(715046, "constructing VID payload"), (715048, "Send Altiga/Cisco VPN3000/Cisco ASA GW VID")]
        return [(715046, f"constructing {_vid_construct_name(payload.data)} payload")]
    if isinstance(payload, messages.OtherPayload) and payload.payload_type == c.IOS_KEEPALIVE_PAYLOAD:
        return [(715034, f"Constructing IOS keep alive payload: proposal={_keepalive(payload.body)} sec.")]
    if isinstance(payload, messages.NatDPayload):
        return [(715046, "constructing NAT-Discovery payload"), (713906, "computing NAT Discovery hash")]
    if isinstance(payload, messages.NotifyPayload):
        return [(715046, "constructing notify payload")]
    return []


def _keepalive(body: bytes) -> str:
    """``32767/32767``: the two proposal values of an IOS keep-alive payload body."""
    if len(body) != 8:
        return "0/0"
    return f"{int.from_bytes(body[:4], 'big')}/{int.from_bytes(body[4:], 'big')}"


def _vid_construct_name(data: bytes) -> str:
    if data in _VID_CONSTRUCT:
        return _VID_CONSTRUCT[data]
    if data[:16] == _FRAGMENTATION_VID_PREFIX:
        return _VID_CONSTRUCT[c.VID_CISCO_FRAGMENTATION]
    return "VID"


def _process_lines(payload) -> list[tuple[int, str]]:
    """715047 (and companion) lines for one payload we received and processed."""
    if isinstance(payload, messages.SaPayload):
        return [(715047, "processing SA payload")]
    if isinstance(payload, messages.KePayload):
        return [(715047, "processing ke payload"), (715047, "processing ISA_KE payload")]
    if isinstance(payload, messages.NoncePayload):
        return [(715047, "processing nonce payload")]
    if isinstance(payload, messages.IdPayload):
        lines = [(715047, "processing ID payload")]
        if payload.id_type == c.IdType.IPV4_ADDR and len(payload.data) == 4:
            lines.append((714011, "ID_IPV4_ADDR ID received--" + ".".join(str(b) for b in payload.data)))
        elif payload.id_type == c.IdType.FQDN:
            lines.append((713906, f"ID_FQDN ID received, len {len(payload.data)}"))
        return lines
    if isinstance(payload, messages.HashPayload):
        return [(715047, "processing hash payload"), (715076, "Computing hash for ISAKMP")]
    if isinstance(payload, messages.OtherPayload) and payload.payload_type == c.IOS_KEEPALIVE_PAYLOAD:
        return [(715047, "processing IOS keep alive payload: proposal=" + _keepalive(payload.body) + " sec.")]
    if isinstance(payload, messages.VendorIdPayload):
        lines = [(715047, "processing VID payload")]
        data = payload.data
        if data == c.VID_CISCO_IOS:
            return lines + [(715038, f"Processing IOS/PIX Vendor ID payload (version: {IOS_VID_VERSION}, "
                                     f"capabilities: {IOS_VID_CAPABILITIES})")]
        name = _VID_RECEIVED.get(data)
        if name is None and data[:16] == _FRAGMENTATION_VID_PREFIX:
            name = _VID_RECEIVED[c.VID_CISCO_FRAGMENTATION]
        if name is not None:
            lines.append((715049, f"Received {name} VID"))
        if data[:16] == _FRAGMENTATION_VID_PREFIX:
            flags = int.from_bytes(data[16:20], "big") if len(data) >= 20 else 0
            main = "True" if flags & 0x80000000 else "False"
            aggressive = "True" if flags & 0x40000000 else "False"
            lines.append((715064, "IKE Peer included IKE fragmentation capability flags:  "
                                  f"Main Mode:        {main}  Aggressive Mode:  {aggressive}"))
        return lines
    if isinstance(payload, messages.NatDPayload):
        return [(715047, "processing NAT-Discovery payload"), (713906, "computing NAT Discovery hash")]
    if isinstance(payload, messages.NotifyPayload):
        return [(715047, "processing notify payload")]
    return []


# ---------------------------------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------------------------------


def log_messages(trace: Trace, hostname: str, t: float) -> list[LogMessage]:
    """Every ASA IKE message ``hostname`` produced up to simulated second ``t``, in order."""
    return _Renderer(trace, hostname).run(t)


def syslog_lines(trace: Trace, hostname: str, t: float, base: datetime = CLOCK_BASE) -> list[str]:
    """The buffered syslog (``logging buffered debugging``) up to ``t``: one ``%ASA-<sev>-<id>`` line per message."""
    return [m.syslog(base) for m in log_messages(trace, hostname, t)]


def debug_lines(trace: Trace, hostname: str, t: float, level: int = DEBUG_DETAIL_LEVEL,
                base: datetime = CLOCK_BASE) -> list[str]:
    """What ``debug crypto ikev1 <level>`` would have printed on the console up to ``t`` (9.x format)."""
    return [m.debug(base) for m in log_messages(trace, hostname, t)
            if level >= DEBUG_DETAIL_LEVEL or m.tag == "IKEv1"]


LOGGING_HEADER = (
    "Syslog logging: enabled",
    "    Facility: 20",
    "    Timestamp logging: enabled",
    "    Standby logging: disabled",
    "    Debug-trace logging: disabled",
    "    Console logging: disabled",
    "    Monitor logging: disabled",
    "    Buffer logging: level debugging, {count} messages logged",
    "    Trap logging: disabled",
    "    History logging: disabled",
    "    Device ID: disabled",
    "    Mail logging: disabled",
    "    ASDM logging: disabled",
)


def show_logging(trace: Trace, hostname: str, t: float, base: datetime = CLOCK_BASE) -> str:
    """``show logging``: the compact 9.x header, then the buffer."""
    lines = syslog_lines(trace, hostname, t, base)
    header = [h.format(count=len(lines)) for h in LOGGING_HEADER]
    return "\n".join(header + lines) + "\n"


def debug_replay(trace: Trace, hostname: str, t: float, level: int = DEBUG_DEFAULT_LEVEL,
                 base: datetime = CLOCK_BASE) -> str:
    """``debug crypto ikev1 [level]`` as a replay: the console lines up to ``t``."""
    lines = debug_lines(trace, hostname, t, level, base)
    return "\n".join(lines) + ("\n" if lines else "")
