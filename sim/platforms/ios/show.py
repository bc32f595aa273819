"""IOS ``show crypto isakmp sa [detail]``, ``show logging`` and ``debug crypto isakmp`` (ike-facts.md 4.1-4.5).

Pure functions of the Trace. Choices where the facts are uncertain (also in the README):

* **conn-id**: an SA shows ``0`` until it has keys (SKEYID generated: the initiator after MM4, the responder after
  MM3), then 1001, 1002 ... in the order SAs got keys on that device (ike-facts.md 4.1: "negotiating SAs often show
  conn-id 0"; 12.4T+/IOS XE number from 1001). So an initiator stuck in MM_NO_STATE or MM_SA_SETUP shows 0 and one
  stuck in MM_KEY_EXCH (the PSK-mismatch signature) shows 1001. ``render_sa_table(..., conn_id_from="creation")``
  numbers every SA from its creation instead.
* A removed SA disappears at once (no ``ACTIVE (deleted)`` rows).
* ``detail``: ``Encr`` prints ``aes`` for every AES key length (the column is 5 wide); ``Lifetime`` is the remaining
  lifetime (hh:mm:ss) of an established SA and blank while negotiating; ``Cap.`` has ``D`` when the peer announced
  DPD (its vendor ID in MM3/MM4) and ``N`` when the SA moved to UDP 4500.
"""

from __future__ import annotations

from ...engine.trace import DatagramSent, KeysRecord, SaChanged, Trace
from ...errors import InputError
from ...ike import constants as c
from ...ike.effects import SaUpdate
from . import versions
from ..configtext import apply_filter, choices, compile_filter, matches_keywords, not_modelled, output_lines
from .states import FIRST_CONN_ID, STATE_NAMES, state_name  # noqa: F401 - re-exported for callers

IPV4_HEADER = "IPv4 Crypto ISAKMP SA"
IPV6_HEADER = "IPv6 Crypto ISAKMP SA"
TABLE_HEADER = f"{'dst':<16}{'src':<16}{'state':<15}{'conn-id':>7} status"
#: the 12.x table (itcertnotes capture: ``dst             src             state           conn-id    slot``)
TABLE_HEADER_12 = f"{'dst':<16}{'src':<16}{'state':<16}{'conn-id':>7}{'slot':>8}"
DETAIL_CODES = (
    "Codes: C - IKE configuration mode, D - Dead Peer Detection",
    "       K - Keepalives, N - NAT-traversal",
    "       T - cTCP encapsulation, X - IKE Extended Authentication",
    "       psk - Preshared key, rsig - RSA signature",
    "       renc - RSA encryption",
)
DETAIL_HEADER = "C-id  Local           Remote          I-VRF  Status Encr Hash   Auth DH Lifetime Cap."
ENCR_NAMES = {c.Encryption.DES_CBC: "des", c.Encryption.TRIPLE_DES_CBC: "3des", c.Encryption.AES_CBC: "aes"}
AUTH_SHORT = {c.Auth.PRE_SHARED_KEY: "psk", c.Auth.RSA_SIG: "rsig", c.Auth.RSA_ENC: "renc"}

#: Keyword sequences of the commands we answer (each keyword may be abbreviated, as on the router).
_SHOW_SA = ("show", "crypto", "isakmp", "sa")
_SHOW_LOGGING = ("show", "logging")
_DEBUG = ("debug", "crypto", "isakmp")
COMMANDS = [
    "show crypto isakmp sa [detail]",
    "show logging",
    "debug crypto isakmp",
]
FILTERS = ("begin", "include", "exclude", "section", "count")


def conn_ids(trace: Trace, hostname: str, t: float, conn_id_from: str = "keys") -> dict[tuple[str, str], int]:
    """conn-id of every SA of ``hostname`` that has one at ``t``: (sa, role) -> 1001, 1002 ...

    ``conn_id_from="keys"`` (our choice): numbered when the SA derived its keys; ``"creation"``: when it was created.
    """
    ids: dict[tuple[str, str], int] = {}
    for record in trace.records:
        if record.t > t:
            break
        if getattr(record, "device", None) != hostname:
            continue
        if conn_id_from == "keys" and isinstance(record, KeysRecord):
            key = (record.keys.sa, record.keys.role)
        elif conn_id_from == "creation" and isinstance(record, SaChanged) and record.update.state is not None:
            key = (record.update.sa, record.update.role)
        else:
            continue
        if key not in ids:
            ids[key] = FIRST_CONN_ID + len(ids)
    return ids


def _ends(local: str, update: SaUpdate) -> tuple[str, str]:
    """(dst, src): dst is the responder's address, src the initiator's (the direction of MM1)."""
    if update.role == "initiator":
        return update.peer, local
    return local, update.peer


def _capabilities(trace: Trace, hostname: str, update: SaUpdate, t: float) -> str:
    from ...ike import messages

    caps = []
    dpd = nat = False
    for record in trace.records:
        if record.t > t:
            break
        if not isinstance(record, DatagramSent) or record.sa != update.sa:
            continue
        if c.NAT_T_PORT in (record.sport, record.dport):
            nat = True
        if record.device != hostname and not dpd:
            # the DPD VID may come in any message (an ASA sends it in MM5/MM6): read the payloads the core
            # recorded (decrypted for MM5/MM6)
            dpd = any(isinstance(p, messages.VendorIdPayload) and p.data == c.VID_DPD for p in record.payloads)
    if dpd:
        caps.append("D")
    if nat:
        caps.append("N")
    return " ".join(caps)


def _hms(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def render_sa_table(trace: Trace, hostname: str, t: float, detail: bool = False, conn_id_from: str = "keys") -> str:
    local = trace.device(hostname).address
    rows = trace.sa_table(hostname, t)
    ids = conn_ids(trace, hostname, t, conn_id_from)
    lines: list[str] = []
    prof = versions.of(trace, hostname)
    if prof == versions.V12:
        ids = conn_ids(trace, hostname, t, "creation")  # 12.x numbers an SA when it is created
        # 12.x (itcertnotes capture): one table, no heading, no status column, conn-ids from 1
        if not detail:
            lines.append(TABLE_HEADER_12)
            for update, _created, _active in rows:
                dst, src = _ends(local, update)
                conn = ids.get((update.sa, update.role), 0)
                conn = conn - FIRST_CONN_ID + 1 if conn else 0
                lines.append(f"{dst:<16}{src:<16}{state_name(update.role, update.state):<16}{conn:>7}{0:>8}")
            return "\n".join(lines) + "\n\n"
    if not detail:
        lines += [IPV4_HEADER, TABLE_HEADER]
        for update, _created, _active in rows:
            dst, src = _ends(local, update)
            conn = ids.get((update.sa, update.role), 0)
            lines.append(f"{dst:<16}{src:<16}{state_name(update.role, update.state):<15}{conn:>7} ACTIVE")
        lines += ["", IPV6_HEADER, ""]
        return "\n".join(lines) + "\n"
    lines += [*DETAIL_CODES, IPV4_HEADER, "", DETAIL_HEADER, ""]
    for update, _created, active_since in rows:
        conn = ids.get((update.sa, update.role), 0)
        p = update.policy
        encr = hash_name = auth = dh = lifetime = ""
        if p is not None:
            encr = ENCR_NAMES.get(p.encryption, p.cipher_name)
            hash_name = p.hash_name
            auth = AUTH_SHORT.get(p.auth, str(p.auth))
            dh = str(p.group)
        if active_since is not None and p is not None:
            lifetime = _hms(p.lifetime - (t - active_since))
        caps = _capabilities(trace, hostname, update, t) if active_since is not None else ""
        row = (f"{conn:<6}{local:<16}{update.peer:<16}{'':<7}{'ACTIVE':<7}{encr:<5}{hash_name:<7}{auth:<5}{dh:<3}"
               f"{lifetime:<9}{caps}")
        lines += [row.rstrip(), f"       Engine-id:Conn-id =  SW:{conn - FIRST_CONN_ID + 1 if conn else 0}", ""]
    lines += [IPV6_HEADER, ""]
    return "\n".join(lines) + "\n"


def _filter(text: str, flt: str) -> str:
    """IOS output modifiers: ``| begin|include|exclude|section|count REGEX`` (each verb may be abbreviated)."""
    parts = flt.strip().split(None, 1)
    if not parts:
        raise InputError("'|' needs an output modifier (begin, include, exclude, section or count)", field="command")
    verb = parts[0].lower()
    names = [f for f in FILTERS if f.startswith(verb)]
    if len(names) != 1:
        raise InputError(f"unknown output modifier '| {parts[0]}' (expected {choices(FILTERS)})", field="command")
    if len(parts) < 2:
        raise InputError(f"'| {names[0]}' needs a regular expression", field="command")
    verb, pattern = names[0], parts[1]
    if verb in ("begin", "include", "exclude"):
        return apply_filter(text, f"{verb} {pattern}")
    regex = compile_filter(pattern)
    lines = output_lines(text)
    if verb == "count":
        return f"Number of lines which match regexp = {sum(1 for line in lines if regex.search(line))}\n"
    kept: list[str] = []
    i = 0
    while i < len(lines):  # section: a matching line and the more-indented lines under it
        line = lines[i]
        if regex.search(line):
            indent = len(line) - len(line.lstrip())
            kept.append(line)
            i += 1
            while i < len(lines) and lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) > indent:
                kept.append(lines[i])
                i += 1
            continue
        i += 1
    return "\n".join(kept) + ("\n" if kept else "")


def _unknown(command: str) -> InputError:
    from .console import NOT_MODELLED

    plain = not_modelled(command.split("|", 1)[0].split(), NOT_MODELLED)
    if plain is not None:
        return InputError(plain, field="command")
    return InputError(f"unknown command {command.strip()!r} on an IOS router (supported: {'; '.join(COMMANDS)}, "
                      f"each with | begin|include|exclude|section|count REGEX)", field="command")


def run(trace: Trace, hostname: str, t: float, command: str) -> str:
    from . import logs

    # IOS takes one output modifier; everything after the first '|' is its regex (which may hold '|' itself)
    base, *filters = command.split("|", 1)
    words = base.split()
    detail = len(words) > 1 and len(words[-1]) >= 3 and "detail".startswith(words[-1].lower())
    if detail:
        words = words[:-1]
    lowered = [w.lower() for w in words]
    if matches_keywords(lowered, _SHOW_SA):
        text = render_sa_table(trace, hostname, t, detail)
    elif detail:
        raise _unknown(command)
    elif matches_keywords(lowered, _SHOW_LOGGING):
        text = logs.show_logging(trace, hostname, t)
    elif matches_keywords(lowered, _DEBUG):
        text = logs.debug_replay(trace, hostname, t)
    else:
        raise _unknown(command)
    for flt in filters:
        text = _filter(text, flt)
    return text
