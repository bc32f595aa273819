"""What an IOS router prints on its console: ``%CRYPTO-...`` syslogs and ``debug crypto isakmp`` lines.

A pure function of the Trace: datagrams sent and delivered, SA changes, keys and the core's platform-neutral events
(``Logged``) become IOS wording (ike-facts.md 2.5, 4.3-4.5). ``show logging`` lists the syslogs up to ``t``;
``debug crypto isakmp`` replays the console up to ``t`` as if the debug had been on from the start (debug lines and
syslogs interleaved).

Timestamps are ``*Nov 27 10:00:00.000:``: simulated second 0 is Nov 27 10:00:00.000 (a fixed base we chose; the
``*`` is how IOS marks a clock that was never set, which is the honest thing for a simulation), plus the simulated
time in milliseconds.

The debug prefix is the IOS XE form ``ISAKMP: (<conn-id>):`` (``ISAKMP-PAK`` for packets, ``ISAKMP-ERROR`` for
errors); the conn-id is 0 until the SA has keys, as in ``show crypto isakmp sa`` (see :mod:`.show`). Wording that
ike-facts.md marks uncertain (retransmission counters, "Death by retransmission P1") or does not have (the internal
FSM names in ``Old State``/``New State`` lines, the hash-failure and lifetime-mismatch lines) is our reconstruction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ...engine import views
from ...engine.trace import DatagramDelivered, DatagramSent, KeysRecord, Logged, SaChanged, Trace
from ...ike import constants as c
from ...ike import events as ev
from ...ike import messages
from ...ike.types import Msg, Reason, Trigger
from . import versions
from .states import FIRST_CONN_ID, state_name

#: simulated t = 0 (no year is shown)
BASE_TIME = datetime(2023, 11, 27, 10, 0, 0)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

SYSLOG, DEBUG = "syslog", "debug"

#: IOS internal FSM state after each core state (the "New State =" of debug crypto isakmp)
FSM_NAMES = {
    ("initiator", "MM_WAIT_MSG2"): "IKE_I_MM1",
    ("initiator", "MM_WAIT_MSG4"): "IKE_I_MM3",
    ("initiator", "MM_WAIT_MSG6"): "IKE_I_MM5",
    ("initiator", "MM_ACTIVE"): "IKE_P1_COMPLETE",
    ("responder", "MM_WAIT_MSG3"): "IKE_R_MM2",
    ("responder", "MM_WAIT_MSG5"): "IKE_R_MM4",
    ("responder", "MM_ACTIVE"): "IKE_P1_COMPLETE",
}
#: the (role, IOS state) tag of a "sending packet" line per message: the state the SA is in once it is sent
SEND_TAGS = {
    "MM1": ("I", "MM_NO_STATE"), "MM3": ("I", "MM_SA_SETUP"), "MM5": ("I", "MM_KEY_EXCH"),
    "MM2": ("R", "MM_SA_SETUP"), "MM4": ("R", "MM_KEY_EXCH"), "MM6": ("R", "MM_KEY_EXCH"),
    "NOTIFY": ("R", "MM_NO_STATE"),
}
MISMATCH_LINES = {
    "Encryption": "Encryption algorithm offered does not match policy!",
    "Hash": "Hash algorithm offered does not match policy!",
    "Auth": "Preshared authentication offered but does not match policy!",
    "D-H Group": "Diffie-Hellman group offered does not match policy!",
    "Lifetime": "Life duration offered does not match policy!",
}
#: core notify names -> IOS debug names
NOTIFY_NAMES = {"NO_PROPOSAL_CHOSEN": "PROPOSAL_NOT_CHOSEN"}
#: NAT-T vendor IDs as IOS names them: "constructed NAT-T vendor-<x> ID" and "vendor ID is NAT-T <y>" (IOS-XE 16.x
#: capture in real-captures.md for rfc3947 and the constructed names; the received names of the drafts are ours [U])
NAT_T_CONSTRUCTED = {c.VID_NAT_T_RFC3947: "rfc3947", c.VID_NAT_T_DRAFT_07: "07", c.VID_NAT_T_DRAFT_03: "03",
                     c.VID_NAT_T_DRAFT_02N: "02", c.VID_NAT_T_DRAFT_02: "02"}
NAT_T_RECEIVED = {c.VID_NAT_T_RFC3947: "RFC 3947", c.VID_NAT_T_DRAFT_07: "v7", c.VID_NAT_T_DRAFT_03: "v3",
                  c.VID_NAT_T_DRAFT_02N: "v2", c.VID_NAT_T_DRAFT_02: "v2"}
OTHER_VIDS_RECEIVED = {c.VID_DPD: "DPD", c.VID_CISCO_UNITY: "Unity", c.VID_XAUTH: "XAUTH"}
CIPHER_DEBUG = {c.Encryption.DES_CBC: "DES-CBC", c.Encryption.TRIPLE_DES_CBC: "3DES-CBC", c.Encryption.AES_CBC: "AES-CBC"}
HASH_DEBUG = {c.Hash.MD5: "MD5", c.Hash.SHA1: "SHA", c.Hash.SHA2_256: "SHA256", c.Hash.SHA2_384: "SHA384",
              c.Hash.SHA2_512: "SHA512"}
AUTH_DEBUG = {c.Auth.PRE_SHARED_KEY: "pre-share", c.Auth.RSA_SIG: "RSA sig", c.Auth.RSA_ENC: "RSA encr"}


def timestamp(t: float) -> str:
    """``*Nov 27 10:00:05.020`` for simulated second 5.02."""
    ms = int(round(t * 1000))
    when = BASE_TIME + timedelta(milliseconds=ms)
    return f"*{_MONTHS[when.month - 1]} {when.day:>2} {when:%H:%M:%S}.{ms % 1000:03d}"


#: every event kind of the core and the handler that renders it (None: IOS prints nothing of its own for it)
HANDLED: dict[type, str | None] = {
    ev.Initiated: "ev_initiate",
    ev.IkeDisabled: None,  # no crypto map on the interface: no ISAKMP process, nothing logged [U]
    ev.NoPolicy: None,
    ev.NoKeyToInitiate: "ev_no_key_to_initiate",
    ev.Processing: "ev_processing",
    ev.NotListening: None,  # nothing listens on the port: no ISAKMP line at all
    ev.NoMatchingSa: "ev_no_sa",
    ev.Malformed: "ev_malformed",
    ev.UnsupportedExchange: None,  # [U] not modelled in IOS wording
    ev.HalfOpenLimit: "ev_half_open_limit",
    ev.NotifyDropped: "ev_notify_dropped",
    ev.ProposalAccepted: "ev_proposal_accepted",
    ev.ProposalRejected: "ev_proposal_rejected",
    ev.TransformNotOffered: "ev_sa_not_offered",
    ev.PeerKeyFound: "ev_group_found",
    ev.PeerKeyMissing: "ev_no_key",
    ev.GroupWithoutKey: "ev_no_key",
    ev.NoLocalKey: "ev_no_key",
    ev.NoCertificate: "ev_no_certificate",
    ev.BadKe: "ev_bad_ke",
    ev.DecryptFailed: "ev_decrypt_failed",
    ev.HashMismatch: "ev_hash_failed",
    ev.Duplicate: "ev_duplicate",
    ev.Retransmitted: None,  # the resend lines are written with its DatagramSent
    ev.NatDetected: "ev_nat_detection",
    ev.NatDMissing: None,  # [U] no IOS wording known
    ev.NatTFloat: None,
    ev.PhaseOneComplete: "ev_phase1_completed",
    ev.SaRemoved: "ev_sa_removed",
}

#: removal reasons as IOS names them in 'deleting SA reason "..."'
DELETE_REASONS = {
    Reason.RETRANSMIT_LIMIT: "Death by retransmission P1",
    Reason.NO_PEER_KEY: "No preshared key",
    Reason.GROUP_WITHOUT_KEY: "No preshared key",
    Reason.NO_LOCAL_KEY: "No preshared key",
    Reason.NO_CERTIFICATE: "No Cert or pre-shared address key",  # [U]
}
#: the core's reasons for which nothing listens: IOS prints not even the 'received packet' line
_NOT_LISTENING = frozenset({Reason.IKE_DISABLED, Reason.NO_CRYPTO_MAP, Reason.NAT_T_DISABLED, Reason.NOT_IKE_PORT})


class _Console:
    """Walks the Trace once and collects (t, kind, text) lines for one device."""

    def __init__(self, trace: Trace, hostname: str, t: float):
        self.trace = trace
        self.hostname = hostname
        self.until = t
        self.local = trace.device(hostname).address
        self.profile = versions.of(trace, hostname)
        self.lines: list[tuple[float, str, str]] = []
        self.datagrams = views.datagrams(trace)
        self.effects = views.effects(trace)
        self.roles: dict[str, str] = {}
        self.states: dict[str, str] = {}
        self.conn: dict[str, int] = {}
        self.timer_resends: dict[str, int] = {}
        self.received_state: dict[str, str] = {}  # sa -> the IOS state the message being processed moved it to
        self.processing: dict[str, object] = {}  # sa -> the verdict on the datagram it is processing

    # -- output ---------------------------------------------------------------------------------------------------
    def debug(self, t: float, sa: str | None, text: str, prefix: str = "ISAKMP") -> None:
        if self.profile == versions.V12 and sa and sa not in self.conn and prefix != "ISAKMP-PAK":
            # 12.x numbers an SA when it starts working on it (itcertnotes: "(0:0): received packet ... NEW SA",
            # then "(0:1): processing SA payload"), not when it has keys
            self.conn[sa] = versions.first_conn_id(self.profile) + len(self.conn)
        conn = self.conn.get(sa, 0) if sa else 0
        self.lines.append((t, DEBUG, f"{versions.debug_prefix(self.profile, prefix, conn)}{text}"))

    def error(self, t: float, sa: str | None, text: str) -> None:
        self.debug(t, sa, text, "ISAKMP-ERROR")

    def syslog(self, t: float, text: str) -> None:
        self.lines.append((t, SYSLOG, text))

    # -- walking --------------------------------------------------------------------------------------------------
    def run(self) -> list[tuple[float, str, str]]:
        host = self.hostname
        for record in self.trace.records:
            if record.t > self.until:
                break
            if getattr(record, "device", None) != host:
                continue
            kind = type(record)
            if kind is DatagramSent:
                self.on_sent(record)
            elif kind is DatagramDelivered:
                self.on_delivered(record)
            elif kind is KeysRecord:
                if self.profile != versions.V12:
                    self.conn.setdefault(record.keys.sa, versions.first_conn_id(self.profile) + len(self.conn))
                self.debug(record.t, record.keys.sa, "SKEYID state generated")
            elif kind is SaChanged:
                self.on_sa_changed(record)
            elif kind is Logged:
                handler = HANDLED.get(type(record.event))
                if handler is not None:
                    getattr(self, handler)(record.t, record.event)
        return self.lines

    def _tag(self, sa: str) -> str:
        role = self.roles.get(sa)
        state = self.states.get(sa)
        if role is None or state is None:
            return "(N) NEW SA"
        return f"({role[0].upper()}) {state_name(role, state)}"

    def on_sent(self, record: DatagramSent) -> None:
        sa, t = record.sa, record.t
        if record.message != Msg.NOTIFY:
            self.roles.setdefault(sa, record.role)
        letter, state = SEND_TAGS.get(record.message, (record.role[0].upper(), "MM_NO_STATE"))
        if not record.attempt and record.message in (Msg.MM1, Msg.MM2):
            for p in record.payloads:
                if isinstance(p, messages.VendorIdPayload) and p.data in NAT_T_CONSTRUCTED:
                    self.debug(t, sa, f"constructed NAT-T vendor-{NAT_T_CONSTRUCTED[p.data]} ID")
        if not record.attempt and record.message == Msg.MM1:
            # IOS-XE capture: the move out of IKE_READY is printed before the first packet leaves
            self.debug(t, sa, "Input = IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM")
            self.debug(t, sa, "Old State = IKE_READY  New State = IKE_I_MM1")
            self.debug(t, sa, "beginning Main Mode exchange")
        elif not record.attempt and record.message in (Msg.MM2, Msg.MM3, Msg.MM4, Msg.MM5) and sa in self.received_state:
            here = self.received_state[sa]
            self.debug(t, sa, "Input = IKE_MESG_INTERNAL, IKE_PROCESS_MAIN_MODE")
            self.debug(t, sa, f"Old State = {here}  New State = {here}")
        if record.attempt and record.trigger == Trigger.TIMER:
            self.timer_resends[sa] = self.timer_resends.get(sa, 0) + 1
            attempt = self.timer_resends[sa]
            left = next((r.event.left for r in self.effects.get((self.hostname, record.cause), ())
                         if isinstance(r, Logged) and isinstance(r.event, ev.Retransmitted)), 0)
            self.debug(t, sa, f"retransmitting phase 1 {state}...")
            self.debug(t, sa, f"incrementing error counter on sa, attempt {attempt} of {attempt + left}: "
                              "retransmit phase 1")
            self.debug(t, sa, f"retransmitting phase 1 {state}")
        elif record.attempt:
            self.debug(t, sa, f"retransmitting phase 1 {state}...")
        if record.message == Msg.NOTIFY:
            notify = next((p.notify_type for p in record.payloads if isinstance(p, messages.NotifyPayload)), None)
            try:
                name = c.Notify(notify).name if notify is not None else "NO_PROPOSAL_CHOSEN"
            except ValueError:
                name = str(notify)
            self.debug(t, sa, f"Sending NOTIFY {NOTIFY_NAMES.get(name, name)} protocol 1")
        self.debug(t, sa, f"sending packet to {record.dst} my_port {record.sport} peer_port {record.dport} "
                          f"({letter}) {state}", "ISAKMP-PAK")
        self.debug(t, sa, "Sending an IKE IPv4 Packet.")

    def on_delivered(self, record: DatagramDelivered) -> None:
        datagram = self.datagrams.get(record.id)
        if datagram is None:
            return
        sent = datagram.sent
        if datagram.processed is not None and datagram.processed.reason in _NOT_LISTENING:
            return  # nothing listens on UDP 500: no ISAKMP line at all
        if sent.message != Msg.NOTIFY:
            self.roles.setdefault(sent.sa, "responder" if sent.role == "initiator" else "initiator")
        # what the receiver saw (after any NAT on the path)
        src, sport, dport = (record.src or sent.src, record.sport or sent.sport, record.dport or sent.dport)
        self.debug(record.t, sent.sa, f"received packet from {src} dport {dport} sport {sport} "
                                      f"Global {self._tag(sent.sa)}", "ISAKMP-PAK")
        processed = datagram.processed
        self.processing[sent.sa] = processed
        number = Msg(sent.message).number if sent.message in tuple(Msg) else 0
        if processed is not None and processed.outcome == "accepted" and number:
            role = "responder" if sent.role == "initiator" else "initiator"
            letter = role[0].upper()
            if role == "responder" and number == 5 and dport == c.NAT_T_PORT:
                self.debug(record.t, sent.sa, f"Detected port floating to port = {sport}")
            old = "IKE_READY" if number == 1 else f"IKE_{letter}_MM{number - 1}"
            new = f"IKE_{letter}_MM{number}"
            self.received_state[sent.sa] = new
            self.debug(record.t, sent.sa, "Input = IKE_MESG_FROM_PEER, IKE_MM_EXCH")
            self.debug(record.t, sent.sa, f"Old State = {old}  New State = {new}")

    def on_sa_changed(self, record: SaChanged) -> None:
        update = record.update
        self.roles[update.sa] = update.role
        new = FSM_NAMES.get((update.role, update.state), update.state) if update.state else "IKE_DEST_SA"
        if update.state is not None and update.previous is None and update.role == "initiator":
            pass  # the start: printed with the MM1 it sends (on_sent)
        elif update.state is not None and update.sa in self.received_state:
            # every message moves the state twice: received (on_delivered), then processed (IOS-XE capture)
            old = self.received_state.pop(update.sa)
            self.debug(record.t, update.sa, "Input = IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE")
            self.debug(record.t, update.sa, f"Old State = {old}  New State = {new}")
        else:
            old = FSM_NAMES.get((update.role, update.previous), "IKE_READY") if update.previous else "IKE_READY"
            self.received_state.pop(update.sa, None)
            self.debug(record.t, update.sa, f"Old State = {old}  New State = {new}")
        if update.state is None:
            self.states.pop(update.sa, None)
        else:
            self.states[update.sa] = update.state

    # -- events ---------------------------------------------------------------------------------------------------
    def ev_initiate(self, t, e):
        self.roles.setdefault(e.sa, "initiator")
        self.debug(t, e.sa, "Can not start Aggressive mode, trying Main mode.")
        self.debug(t, e.sa, f"found peer pre-shared key matching {e.peer}")

    def ev_no_key_to_initiate(self, t, e):
        self.error(t, None, f"No pre-shared key with {e.peer}!")
        self.error(t, None, "No Cert or pre-shared address key.")
        self.error(t, None, "construct_initial_message: Can not start Main mode")
        self.error(t, None, "Error while processing SA request: Failed to initialize SA")

    def ev_processing(self, t, e):
        message = e.message
        if message in (Msg.MM1, Msg.MM2):
            self.debug(t, e.sa, "processing SA payload. message ID = 0")
            if message is Msg.MM2:  # IOS-XE capture: the initiator reports the VIDs right after the SA payload
                self._vendor_ids(t, e.sa)
        elif message in (Msg.MM3, Msg.MM4):
            self.debug(t, e.sa, "processing KE payload. message ID = 0")
            self.debug(t, e.sa, "processing NONCE payload. message ID = 0")
        elif message in (Msg.MM5, Msg.MM6):
            self.debug(t, e.sa, "processing ID payload. message ID = 0")
            self.debug(t, e.sa, "processing HASH payload. message ID = 0")

    def _vendor_ids(self, t, sa) -> None:
        processed = self.processing.get(sa)
        for p in processed.payloads if processed is not None else ():
            if isinstance(p, messages.VendorIdPayload):
                self.debug(t, sa, "processing vendor id payload")
                if p.data in NAT_T_RECEIVED:
                    self.debug(t, sa, f"vendor ID is NAT-T {NAT_T_RECEIVED[p.data]}")
                elif p.data in OTHER_VIDS_RECEIVED:
                    self.debug(t, sa, f"vendor ID is {OTHER_VIDS_RECEIVED[p.data]}")

    def ev_proposal_accepted(self, t, e):
        sa, policy = e.sa, e.policy
        if self.roles.get(sa) == "responder":
            # the responder looks the key up when MM1 arrives (12.x capture: before "Checking ISAKMP transform")
            self.debug(t, sa, f"found peer pre-shared key matching {e.peer}")
        self.debug(t, sa, f"Checking ISAKMP transform {e.transform} against priority {e.priority} policy")
        self.debug(t, sa, f"      encryption {CIPHER_DEBUG.get(policy.encryption, policy.cipher_name)}")
        if policy.key_length:
            self.debug(t, sa, f"      keylength of {policy.key_length}")
        self.debug(t, sa, f"      hash {HASH_DEBUG.get(policy.hash, policy.hash_name)}")
        self.debug(t, sa, f"      default group {policy.group}")
        self.debug(t, sa, f"      auth {AUTH_DEBUG.get(policy.auth, policy.auth_name)}")
        self.debug(t, sa, "      life type in seconds")
        if policy.lifetime > 0xFFFF:
            octets = " ".join(f"0x{b:x}" for b in policy.lifetime.to_bytes(4, "big"))
            self.debug(t, sa, f"      life duration (VPI) of  {octets}")
        else:
            self.debug(t, sa, f"      life duration (basic) of {policy.lifetime}")
        self.debug(t, sa, "atts are acceptable. Next payload is 0")
        if self.roles.get(sa) == "responder":
            self._vendor_ids(t, sa)

    def ev_proposal_rejected(self, t, e):
        received, configured = str(e.received), str(e.configured)
        if e.attribute == "Encryption" and received.startswith("aes") and configured.startswith("aes"):
            self.debug(t, e.sa, "Proposed key length does not match policy")
        elif e.attribute in MISMATCH_LINES:
            self.debug(t, e.sa, MISMATCH_LINES[e.attribute])
        self.debug(t, e.sa, "atts are not acceptable. Next payload is 0")
        self.error(t, e.sa, "no offers accepted!")
        self.error(t, e.sa, f"phase 1 SA policy not acceptable! (local {self.local} remote {e.peer})")
        self.syslog(t, f"%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main mode failed with peer at {e.peer}")

    def ev_sa_not_offered(self, t, e):
        self.syslog(t, f"%CRYPTO-6-IKMP_SA_NOT_OFFERED: Remote peer {e.peer} responded with attribute "
                       "transform not offered or changed")

    def ev_group_found(self, t, e):
        pass  # the initiator looked its key up before MM1, the responder when MM1 arrived (ev_proposal_accepted)

    def ev_no_key(self, t, e):
        self.error(t, e.sa, f"No pre-shared key with {e.peer}!")
        self.syslog(t, f"%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main mode failed with peer at {e.peer}")

    def ev_no_certificate(self, t, e):
        self.error(t, e.sa, "No Cert or pre-shared address key.")
        self.syslog(t, f"%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main mode failed with peer at {e.peer}")

    def ev_bad_ke(self, t, e):
        self.error(t, e.sa, f"invalid KE payload from {e.peer}")

    def ev_nat_detection(self, t, e):
        if e.local_behind and e.peer_behind:
            self.debug(t, e.sa, "NAT found, both nodes inside NAT")
        if e.local_behind:
            self.debug(t, e.sa, "My hash no match -  this node inside NAT")
        elif e.peer_behind:
            self.debug(t, e.sa, "His hash no match - this node outside NAT")
        else:
            self.debug(t, e.sa, "No NAT Found for self or peer")

    def ev_decrypt_failed(self, t, e):
        if "reserved" in e.problem:
            self.debug(t, e.sa, "reserved not zero on ID payload!")
        else:
            self.error(t, e.sa, f"{e.message} payloads malformed after decryption")
        self.syslog(t, f"%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {e.peer} failed its sanity check or is "
                       "malformed")

    def ev_hash_failed(self, t, e):
        self.debug(t, e.sa, "SA authentication status: authentication failed")
        self.syslog(t, f"%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main mode failed with peer at {e.peer}")

    def ev_phase1_completed(self, t, e):
        self.debug(t, e.sa, "SA authentication status: authenticated")
        self.debug(t, e.sa, f"SA has been authenticated with {e.peer}")

    def ev_duplicate(self, t, e):
        self.debug(t, e.sa, "phase 1 packet is a duplicate of a previous packet.")
        if e.resent:
            self.debug(t, e.sa, "retransmitting due to retransmit phase 1")

    def ev_sa_removed(self, t, e):
        role = self.roles.get(e.sa, "initiator")
        state = state_name(role, e.state or "")
        if e.reason is Reason.RETRANSMIT_LIMIT:
            self.debug(t, e.sa, f"retransmitting phase 1 {state}...")
            self.debug(t, e.sa, "peer does not do paranoid keepalives.")
        reason = DELETE_REASONS.get(e.reason, str(e.reason))
        self.debug(t, e.sa, f'deleting SA reason "{reason}" state ({role[0].upper()}) {state} (peer {e.peer})')

    def ev_no_sa(self, t, e):
        self.syslog(t, f"%CRYPTO-4-IKMP_NO_SA: IKE message from {e.peer} has no SA and is not an "
                       "initialization offer")

    def ev_notify_dropped(self, t, e):
        self.debug(t, e.sa, "Notify has no hash. Rejected.")

    def ev_malformed(self, t, e):
        self.syslog(t, f"%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {e.peer} failed its sanity check or is "
                       "malformed")

    def ev_half_open_limit(self, t, e):
        self.error(t, None, f"too many half-open SAs ({e.limit}): new SA from {e.peer} refused")


def console(trace: Trace, hostname: str, t: float) -> list[tuple[float, str, str]]:
    """(t, "syslog"|"debug", text) for every console line of ``hostname`` up to ``t``, in order."""
    return _Console(trace, hostname, t).run()


def format_line(t: float, text: str) -> str:
    return f"{timestamp(t)}: {text}"


def show_logging(trace: Trace, hostname: str, t: float) -> str:
    """``show logging``: a short header and the buffered syslogs (level informational, so no debug lines)."""
    syslogs = [(when, text) for when, kind, text in console(trace, hostname, t) if kind == SYSLOG]
    n = len(syslogs)
    lines = [
        "Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, "
        "xml disabled, filtering disabled)",
        "",
        f"    Console logging: level debugging, {n} messages logged, xml disabled,",
        "                     filtering disabled",
        f"    Buffer logging:  level informational, {n} messages logged, xml disabled,",
        "                    filtering disabled",
        "",
        "Log Buffer (8192 bytes):",
        "",
    ]
    lines += [format_line(when, text) for when, text in syslogs]
    return "\n".join(lines) + "\n"


def debug_replay(trace: Trace, hostname: str, t: float) -> str:
    """``debug crypto isakmp``: the console up to ``t``, as if the debug had been on before the run started."""
    lines = ["Crypto ISAKMP debugging is on"]
    lines += [format_line(when, text) for when, _kind, text in console(trace, hostname, t)]
    return "\n".join(lines) + "\n"
