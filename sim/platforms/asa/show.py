"""ASA 9.x ``show isakmp sa`` / ``show crypto isakmp sa`` text (ike-facts.md 3.1, 3.2; the seed's samples).

Pure functions of the Trace: the SA table at an instant is rebuilt from the Trace's SA snapshots.
"""

from __future__ import annotations


from ...engine.trace import Trace
from ...errors import InputError
from ..configtext import apply_filter, not_modelled
from . import versions
from ..configtext import matches_keywords as _matches
from ...ike.effects import SaUpdate

HEADER = "IKEv1 SAs:"
REKEY_NOTE = "(A tunnel will report 1 Active and 1 Rekey SA during rekey)"

#: Keyword sequences of the commands we answer (each keyword may be abbreviated, as on the box).
_SHOW_SA = (
    ("show", "isakmp", "sa"),
    ("show", "crypto", "isakmp", "sa"),
    ("show", "crypto", "ikev1", "sa"),
    ("show", "crypto", "isakmp"),  # the SA table; the statistics a real box prints after it are not simulated
)
_SHOW_LOGGING = ("show", "logging")
_DEBUG_IKEV1 = ("debug", "crypto", "ikev1")
_DEBUG_ISAKMP = ("debug", "crypto", "isakmp")  # the pre-8.4 name of the same debug
COMMANDS = [
    "show isakmp sa [detail]",
    "show crypto isakmp sa [detail]",
    "show crypto ikev1 sa [detail]",
    "show logging",
    "debug crypto ikev1 [1-255] (a replay of the console output up to the time asked; 127+ adds [IKEv1 DEBUG] lines; "
    "the pre-8.4 name debug crypto isakmp works too)",
]


def sa_type(update: SaUpdate) -> str:
    """``user`` while negotiating, ``L2L`` once the tunnel-group is known: the responder knows it after MM3, the
    initiator shows ``user`` until MM_ACTIVE (the seed's samples; ike-facts.md 3.1 marks the switch point uncertain)."""
    if update.state == "MM_ACTIVE":
        return "L2L"
    if update.role == "responder" and update.group is not None:
        return "L2L"
    return "user"


def render_sa_table(rows: list[tuple[SaUpdate, float, float | None]], t: float, detail: bool = False,
                    profile: str = versions.CURRENT) -> str:
    """The SA table; ``profile`` 8.2 (:mod:`.versions`) leaves out the ``IKEv1 SAs:`` heading and the IKEv2 line."""
    legacy = profile == versions.LEGACY
    lines = [""]
    if not rows:
        if legacy:
            return "\nThere are no isakmp sas\n"
        lines += ["There are no IKEv1 SAs", "", "There are no IKEv2 SAs"]
        return "\n".join(lines) + "\n"
    n = len(rows)
    lines += ([] if legacy else [HEADER, ""]) + [f"   Active SA: {n}", f"    Rekey SA: 0 {REKEY_NOTE}",
                                                 f"Total IKE SA: {n}", ""]
    for index, (update, _created, active_since) in enumerate(rows, start=1):
        lines.append(f"{index:<4}IKE Peer: {update.peer}")
        lines.append(f"    Type    : {sa_type(update):<16}Role    : {update.role} ")
        lines.append(f"    Rekey   : {'no':<16}State   : {update.state} ")
        if detail and update.policy is not None:
            p = update.policy
            lines.append(f"    Encrypt : {p.cipher_name:<16}Hash    : {p.hash_name.upper()}")
            lines.append(f"    Auth    : {'preshared':<16}Lifetime: {p.lifetime}")
            if active_since is not None:
                remaining = max(0, int(p.lifetime - (t - active_since)))
                lines.append(f"    Lifetime Remaining: {remaining}")
        lines.append("")
    if not legacy:
        lines.append("There are no IKEv2 SAs")
    return "\n".join(lines) + "\n"


def _log_command(trace: Trace, hostname: str, t: float, words: list[str], command: str) -> str | None:
    """``show logging`` and ``debug crypto ikev1 [level]`` (sim.platforms.asa.logs); None if neither."""
    if _matches(words, _SHOW_LOGGING):
        from . import logs

        return logs.show_logging(trace, hostname, t)
    if len(words) in (3, 4) and (_matches(words[:3], _DEBUG_IKEV1) or _matches(words[:3], _DEBUG_ISAKMP)):
        from . import logs

        level = logs.DEBUG_DEFAULT_LEVEL
        if len(words) == 4:
            if not words[3].isdigit() or not 1 <= int(words[3]) <= 255:
                raise InputError(f"debug level must be a whole number from 1 to 255, not {words[3]!r} "
                                 f"(in {command.strip()!r})", field="command")
            level = int(words[3])
        return logs.debug_replay(trace, hostname, t, level)
    return None


def run(trace: Trace, hostname: str, t: float, command: str) -> str:
    # one output filter, as on the box: everything after the first '|' is the filter, so a regular expression may
    # itself use '|' (show isakmp sa | include State|Peer)
    base, *filters = command.split("|", 1)
    words = base.split()
    text = _log_command(trace, hostname, t, words, command)
    if text is not None:
        for flt in filters:
            text = apply_filter(text, flt)
        return text
    detail = bool(words) and len(words) > 1 and "detail".startswith(words[-1]) and len(words[-1]) >= 3
    if detail:
        words = words[:-1]
    if not any(_matches(words, keys) for keys in _SHOW_SA):
        from .console import NOT_MODELLED

        plain = not_modelled(words, NOT_MODELLED)
        if plain is not None:
            raise InputError(plain, field="command")
        raise InputError(f"unknown command {command.strip()!r} (supported: {'; '.join(COMMANDS)}, "
                         f"each with | begin|include|exclude|grep REGEX)", field="command")
    text = render_sa_table(trace.sa_table(hostname, t), t, detail, versions.of(trace, hostname))
    for flt in filters:
        text = apply_filter(text, flt)
    return text
