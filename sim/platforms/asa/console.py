"""What the ASA console shows besides the Trace views: its command grammar, errors and running-config views."""

from __future__ import annotations

import re

from ..configtext import config_blocks

#: keyword sequences of the device commands (each keyword may be abbreviated); ``<level>`` is an argument
GRAMMAR = (
    ("show", "isakmp", "sa"), ("show", "isakmp", "sa", "detail"),
    ("show", "crypto", "isakmp"),
    ("show", "crypto", "isakmp", "sa"), ("show", "crypto", "isakmp", "sa", "detail"),
    ("show", "crypto", "ikev1", "sa"), ("show", "crypto", "ikev1", "sa", "detail"),
    ("show", "logging"),
    ("show", "running-config"),
    ("show", "running-config", "crypto"),
    ("show", "running-config", "crypto", "ikev1"),
    ("show", "running-config", "crypto", "isakmp"),
    ("show", "running-config", "tunnel-group"),
    ("more", "system:running-config"),
    ("debug", "crypto", "ikev1"), ("debug", "crypto", "ikev1", "<level>"),
)
FILTERS = ("begin", "include", "exclude", "grep")
#: what ``?`` says about the words of GRAMMAR
WORD_HELP = {
    "crypto": "Encryption module",
    "isakmp": "Show ISAKMP",
    "sa": "Show security associations",
    "detail": "Show detailed information",
    "logging": "Show the contents of the logging buffer",
    "running-config": "Current operating configuration",
    "ikev1": "Show IKEv1",
    "tunnel-group": "Show tunnel-group configuration",
    "system:running-config": "The running configuration, keys in clear",
    "<level>": "Debug level 1-255",
}
HELP_ROWS = [
    ("show isakmp sa [detail]", "IKEv1 SAs now (also show crypto isakmp sa, show crypto ikev1 sa)"),
    ("show logging", "the syslog buffer up to now"),
    ("debug crypto ikev1 [1-255]", "the debug output up to now, as if it had been on"),
    ("show running-config [crypto [ikev1]|tunnel-group]", "configuration, keys masked"),
    ("more system:running-config", "configuration, keys in clear"),
]
MODIFIERS = "begin|include|exclude|grep"
KEY_LINE = re.compile(r"^(\s+(?:ikev1 )?pre-shared-key )(.*)$")
#: policy lines whose values only mean something next to the peer's
POLICY_VALUE = re.compile(r"^(\s+(?:authentication|encryption|hash|group|lifetime)\s).*$", re.M)


def mask_keys(text: str) -> str:
    """Pre-shared keys as ``show running-config`` prints them on an ASA: `` ikev1 pre-shared-key *****``."""
    return "".join(KEY_LINE.sub(r"\g<1>*****", line) + "\n" for line in text.splitlines())


def running_config(config: str, words: tuple[str, ...] = (), masked: bool = True) -> str:
    """``show running-config [crypto [ikev1|isakmp]|tunnel-group]`` (masked; ``words`` after ``running-config``) or
    ``more system:running-config`` (``masked=False``: keys in clear, trailing blanks kept)."""
    if not words:
        return mask_keys(config) if masked else config if config.endswith("\n") else config + "\n"
    if words[0] == "crypto":
        # ``crypto ikev1`` shows the 8.4+ lines, ``crypto isakmp`` the ``crypto isakmp ...`` ones (on 8.2 all of IKE)
        prefixes = (f"crypto {words[1]} ",) if len(words) > 1 else ("crypto ",)
    else:
        prefixes = ("tunnel-group ",)
    lines = [line for block in config_blocks(config) if block[0].lower().startswith(prefixes) for line in block]
    text = "".join(line + "\n" for line in lines)
    return mask_keys(text) if masked else text

#: real commands a trainee types that the simulator does not model (it simulates IKEv1 Phase 1 on the outside
#: interface): each says so plainly instead of "% Invalid input"
NOT_MODELLED = (
    (("show", "crypto", "ipsec", "sa"), "Phase 2 (Quick Mode and IPsec SAs) is not simulated; Phase 1 is 'show isakmp sa'"),
    (("show", "crypto", "ipsec"), "Phase 2 (Quick Mode and IPsec SAs) is not simulated"),
    (("show", "vpn-sessiondb"), "VPN sessions are not simulated; the IKE SAs are 'show isakmp sa'"),
    (("show", "clock"), "the boxes have no clock of their own here: 'clock' shows the simulated instant"),
    (("show", "version"), "the software version is not simulated"),
    (("show", "interface"), "interfaces are not simulated beyond the outside address"),
    (("show", "route"), "routing is not simulated: the path between the peers is the scenario's"),
    (("show", "crypto", "isakmp", "stats"), "IKE statistics are not simulated"),
    (("configure", "terminal"), "the run is over: edit the scenario's config and run it again"),
    (("clear", "crypto"), "the run is over: nothing can be cleared"),
    (("packet-tracer",), "packet-tracer is not simulated"),
    (("ping",), "ping is not simulated"),
    (("capture",), "captures come from 'ikesim run SCENARIO --pcap FILE'"),
)
