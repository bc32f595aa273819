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

from ...engine.trace import DatagramDelivered, DatagramSent, KeysRecord, Logged, SaChanged, Trace
from ...ike import constants as c
from ...ike.effects import Event
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
CIPHER_DEBUG = {c.Encryption.DES_CBC: "DES-CBC", c.Encryption.TRIPLE_DES_CBC: "3DES-CBC", c.Encryption.AES_CBC: "AES-CBC"}
HASH_DEBUG = {c.Hash.MD5: "MD5", c.Hash.SHA1: "SHA", c.Hash.SHA2_256: "SHA256", c.Hash.SHA2_384: "SHA384",
              c.Hash.SHA2_512: "SHA512"}
AUTH_DEBUG = {c.Auth.PRE_SHARED_KEY: "pre-share", c.Auth.RSA_SIG: "RSA sig", c.Auth.RSA_ENC: "RSA encr"}


def timestamp(t: float) -> str:
    """``*Nov 27 10:00:05.020`` for simulated second 5.02."""
    ms = int(round(t * 1000))
    when = BASE_TIME + timedelta(milliseconds=ms)
    return f"*{_MONTHS[when.month - 1]} {when.day:>2} {when:%H:%M:%S}.{ms % 1000:03d}"


class _Console:
    """Walks the Trace once and collects (t, kind, text) lines for one device."""

    def __init__(self, trace: Trace, hostname: str, t: float):
        self.trace = trace
        self.hostname = hostname
        self.until = t
        self.local = trace.device(hostname).address
        self.lines: list[tuple[float, str, str]] = []
        self.sent: dict[int, DatagramSent] = {}
        self.mm2: dict[str, DatagramSent] = {}
        self.roles: dict[str, str] = {}
        self.states: dict[str, str] = {}
        self.conn: dict[str, int] = {}
        self.timer_resends: dict[str, int] = {}
        for record in trace.records:
            if isinstance(record, DatagramSent):
                self.sent[record.id] = record
                if record.message == "MM2" and record.attempt == 0:
                    self.mm2.setdefault(record.sa, record)

    # -- output ---------------------------------------------------------------------------------------------------
    def debug(self, t: float, sa: str | None, text: str, prefix: str = "ISAKMP") -> None:
        self.lines.append((t, DEBUG, f"{prefix}: ({self.conn.get(sa, 0) if sa else 0}):{text}"))

    def error(self, t: float, sa: str | None, text: str) -> None:
        self.debug(t, sa, text, "ISAKMP-ERROR")

    def syslog(self, t: float, text: str) -> None:
        self.lines.append((t, SYSLOG, text))

    # -- walking --------------------------------------------------------------------------------------------------
    def run(self) -> list[tuple[float, str, str]]:
        records = self.trace.records
        for index, record in enumerate(records):
            if record.t > self.until:
                break
            if isinstance(record, DatagramSent):
                if record.device == self.hostname:
                    self.on_sent(record, records, index)
            elif getattr(record, "device", None) != self.hostname:
                continue
            elif isinstance(record, DatagramDelivered):
                self.on_delivered(record, records, index)
            elif isinstance(record, KeysRecord):
                self.conn.setdefault(record.keys.sa, FIRST_CONN_ID + len(self.conn))
            elif isinstance(record, SaChanged):
                self.on_sa_changed(record)
            elif isinstance(record, Logged):
                self.on_event(record.t, record.event)
        return self.lines

    def _tag(self, sa: str) -> str:
        role = self.roles.get(sa)
        state = self.states.get(sa)
        if role is None or state is None:
            return "(N) NEW SA"
        return f"({role[0].upper()}) {state_name(role, state)}"

    def on_sent(self, record: DatagramSent, records: list, index: int) -> None:
        sa, t = record.sa, record.t
        if record.message != "NOTIFY":
            self.roles.setdefault(sa, record.role)
        letter, state = SEND_TAGS.get(record.message, (record.role[0].upper(), "MM_NO_STATE"))
        if record.attempt and record.trigger == "timer":
            self.timer_resends[sa] = self.timer_resends.get(sa, 0) + 1
            attempt = self.timer_resends[sa]
            left = next((r.event.fields.get("left", 0) for r in records[index:]
                         if isinstance(r, Logged) and r.device == self.hostname and r.event.name == "retransmit"
                         and r.event.sa == sa), 0)
            self.debug(t, sa, f"retransmitting phase 1 {state}...")
            self.debug(t, sa, f"incrementing error counter on sa, attempt {attempt} of {attempt + left}: "
                              "retransmit phase 1")
            self.debug(t, sa, f"retransmitting phase 1 {state}")
        elif record.attempt:
            self.debug(t, sa, f"retransmitting phase 1 {state}...")
        if record.message == "NOTIFY":
            notify = next((r.event.fields.get("notify") for r in records[index:]
                           if isinstance(r, Logged) and r.device == self.hostname and r.event.name == "sending"
                           and r.event.sa == sa), None) or "NO_PROPOSAL_CHOSEN"
            self.debug(t, sa, f"Sending NOTIFY {NOTIFY_NAMES.get(notify, notify)} protocol 1")
        self.debug(t, sa, f"sending packet to {record.dst} my_port {record.sport} peer_port {record.dport} "
                          f"({letter}) {state}", "ISAKMP-PAK")
        self.debug(t, sa, "Sending an IKE IPv4 Packet.")

    def on_delivered(self, record: DatagramDelivered, records: list, index: int) -> None:
        sent = self.sent.get(record.id)
        if sent is None:
            return
        for later in records[index + 1:]:  # the receiver's effects follow its delivery directly
            if later.t != record.t or isinstance(later, (DatagramSent, DatagramDelivered)):
                break
            if isinstance(later, Logged) and later.device == self.hostname and later.event.name == "not_listening":
                return  # nothing listens on UDP 500: no ISAKMP line at all
        if sent.message != "NOTIFY":
            self.roles.setdefault(sent.sa, "responder" if sent.role == "initiator" else "initiator")
        # what the receiver saw (after any NAT on the path); older traces only have the sender's view
        src, sport, dport = (getattr(record, "src", "") or sent.src, getattr(record, "sport", 0) or sent.sport,
                             getattr(record, "dport", 0) or sent.dport)
        self.debug(record.t, sent.sa, f"received packet from {src} dport {dport} sport {sport} "
                                      f"Global {self._tag(sent.sa)}", "ISAKMP-PAK")

    def on_sa_changed(self, record: SaChanged) -> None:
        update = record.update
        self.roles[update.sa] = update.role
        old = FSM_NAMES.get((update.role, update.previous), "IKE_READY") if update.previous else "IKE_READY"
        new = FSM_NAMES.get((update.role, update.state), update.state) if update.state else "IKE_DEST_SA"
        self.debug(record.t, update.sa, f"Old State = {old}  New State = {new}")
        if update.state is None:
            self.states.pop(update.sa, None)
        else:
            self.states[update.sa] = update.state

    # -- events ---------------------------------------------------------------------------------------------------
    def on_event(self, t: float, event: Event) -> None:
        handler = getattr(self, f"ev_{event.name}", None)
        if handler is not None:
            handler(t, event, event.fields)

    def ev_initiate(self, t, event, fields):
        self.roles.setdefault(event.sa, "initiator")
        self.debug(t, event.sa, "Can not start Aggressive mode, trying Main mode.")
        self.debug(t, event.sa, f"found peer pre-shared key matching {event.peer}")
        self.debug(t, event.sa, "beginning Main Mode exchange")

    def ev_no_key_to_initiate(self, t, event, fields):
        self.error(t, None, f"No pre-shared key with {event.peer}!")
        self.error(t, None, "No Cert or pre-shared address key.")
        self.error(t, None, "construct_initial_message: Can not start Main mode")
        self.error(t, None, "Error while processing SA request: Failed to initialize SA")

    def ev_received(self, t, event, fields):
        message = fields.get("message")
        if message in ("MM1", "MM2"):
            self.debug(t, event.sa, "processing SA payload. message ID = 0")
        elif message in ("MM3", "MM4"):
            self.debug(t, event.sa, "processing KE payload. message ID = 0")
            self.debug(t, event.sa, "processing NONCE payload. message ID = 0")
        elif message in ("MM5", "MM6"):
            self.debug(t, event.sa, "processing ID payload. message ID = 0")
            self.debug(t, event.sa, "processing HASH payload. message ID = 0")

    def ev_proposal_accepted(self, t, event, fields):
        from ...ike import messages

        sa = event.sa
        mm2 = self.mm2.get(sa)
        number, policy = 1, None
        if mm2 is not None:
            try:
                offer = messages.parse(mm2.data).first(messages.SaPayload).offers[0]
                number, policy = offer.number, offer.policy
            except (messages.MalformedMessage, AttributeError, IndexError):
                pass
        self.debug(t, sa, f"Checking ISAKMP transform {number} against priority {fields.get('priority')} policy")
        if policy is not None:
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

    def ev_proposal_rejected(self, t, event, fields):
        attribute = fields.get("attribute")
        received, configured = str(fields.get("received")), str(fields.get("configured"))
        if attribute == "Encryption" and received.startswith("aes") and configured.startswith("aes"):
            self.debug(t, event.sa, "Proposed key length does not match policy")
        elif attribute in MISMATCH_LINES:
            self.debug(t, event.sa, MISMATCH_LINES[attribute])
        self.debug(t, event.sa, "atts are not acceptable. Next payload is 0")
        self.error(t, event.sa, "no offers accepted!")
        self.error(t, event.sa, f"phase 1 SA policy not acceptable! (local {self.local} remote {event.peer})")
        self.syslog(t, f"%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main mode failed with peer at {event.peer}")

    def ev_sa_not_offered(self, t, event, fields):
        self.syslog(t, f"%CRYPTO-6-IKMP_SA_NOT_OFFERED: Remote peer {event.peer} responded with attribute "
                       "transform not offered or changed")

    def ev_group_found(self, t, event, fields):
        if self.roles.get(event.sa) == "responder":  # the initiator looked its key up before MM1
            self.debug(t, event.sa, f"found peer pre-shared key matching {event.peer}")

    def _no_key(self, t, event):
        self.error(t, event.sa, f"No pre-shared key with {event.peer}!")
        self.syslog(t, f"%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main mode failed with peer at {event.peer}")

    def ev_group_missing(self, t, event, fields):
        self._no_key(t, event)

    def ev_group_no_key(self, t, event, fields):
        self._no_key(t, event)

    def ev_no_key(self, t, event, fields):
        self._no_key(t, event)

    def ev_no_certificate(self, t, event, fields):
        self.error(t, event.sa, "No Cert or pre-shared address key.")
        self.syslog(t, f"%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main mode failed with peer at {event.peer}")

    def ev_keys_generated(self, t, event, fields):
        self.debug(t, event.sa, "SKEYID state generated")

    def ev_bad_ke(self, t, event, fields):
        self.error(t, event.sa, f"invalid KE payload from {event.peer}")

    def ev_nat_detection(self, t, event, fields):
        if fields.get("local_behind"):
            self.debug(t, event.sa, "My hash no match -  this node inside NAT")
        elif fields.get("peer_behind"):
            self.debug(t, event.sa, "His hash no match - this node outside NAT")
        else:
            self.debug(t, event.sa, "No NAT Found for self or peer")

    def ev_decrypt_failed(self, t, event, fields):
        if "reserved" in str(fields.get("reason", "")):
            self.debug(t, event.sa, "reserved not zero on ID payload!")
        else:
            self.error(t, event.sa, f"{fields.get('message', 'message')} payloads malformed after decryption")
        self.syslog(t, f"%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {event.peer} failed its sanity check or is "
                       "malformed")

    def ev_hash_failed(self, t, event, fields):
        self.debug(t, event.sa, "SA authentication status: authentication failed")
        self.syslog(t, f"%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main mode failed with peer at {event.peer}")

    def ev_phase1_completed(self, t, event, fields):
        self.debug(t, event.sa, "SA authentication status: authenticated")
        self.debug(t, event.sa, f"SA has been authenticated with {event.peer}")

    def ev_duplicate(self, t, event, fields):
        self.debug(t, event.sa, "phase 1 packet is a duplicate of a previous packet.")
        if fields.get("resent"):
            self.debug(t, event.sa, "retransmitting due to retransmit phase 1")

    def ev_sa_removed(self, t, event, fields):
        role = self.roles.get(event.sa, "initiator")
        state = state_name(role, fields.get("state") or "")
        reason = str(fields.get("reason", ""))
        if reason.startswith("retransmission limit"):
            self.debug(t, event.sa, f"retransmitting phase 1 {state}...")
            self.debug(t, event.sa, "peer does not do paranoid keepalives.")
            reason = "Death by retransmission P1"
        elif "pre-shared key" in reason or "tunnel-group" in reason:
            reason = "No preshared key"
        self.debug(t, event.sa, f'deleting SA reason "{reason}" state ({role[0].upper()}) {state} '
                                f"(peer {event.peer})")

    def ev_no_sa(self, t, event, fields):
        self.syslog(t, f"%CRYPTO-4-IKMP_NO_SA: IKE message from {event.peer} has no SA and is not an "
                       "initialization offer")

    def ev_notify_dropped(self, t, event, fields):
        self.debug(t, event.sa, "Notify has no hash. Rejected.")

    def ev_malformed(self, t, event, fields):
        self.syslog(t, f"%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {event.peer} failed its sanity check or is "
                       "malformed")

    def ev_half_open_limit(self, t, event, fields):
        self.error(t, None, f"too many half-open SAs ({fields.get('limit')}): new SA from {event.peer} refused")


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
