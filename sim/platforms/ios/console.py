"""What the IOS console shows besides the Trace views: its command grammar, errors and running-config views."""

from __future__ import annotations

import re

from ..configtext import config_blocks, find_interface

#: keyword sequences of the device commands (each keyword may be abbreviated); ``<interface>`` is an argument
GRAMMAR = (
    ("show", "crypto", "isakmp", "sa"), ("show", "crypto", "isakmp", "sa", "detail"),
    ("show", "logging"),
    ("show", "running-config"),
    ("show", "running-config", "interface", "<interface>"),
    ("debug", "crypto", "isakmp"),
)
FILTERS = ("begin", "include", "exclude", "section", "count")
#: what ``?`` says about the words of GRAMMAR
WORD_HELP = {
    "crypto": "Encryption module",
    "isakmp": "Show ISAKMP",
    "sa": "Show security associations",
    "detail": "Show detailed information",
    "logging": "Show the contents of the logging buffer",
    "running-config": "Current operating configuration",
    "interface": "Show interface configuration",
    "<interface>": "Interface name, e.g. GigabitEthernet0/0",
}
HELP_ROWS = [
    ("show crypto isakmp sa [detail]", "ISAKMP SAs now"),
    ("show logging", "the log buffer up to now"),
    ("debug crypto isakmp", "the debug output up to now, as if it had been on"),
    ("show running-config [interface NAME]", "configuration"),
]
MODIFIERS = "begin|include|exclude|section|count"
#: policy lines whose values only mean something next to the peer's, and keys (shown in clear on IOS)
POLICY_VALUE = re.compile(r"^(\s+(?:authentication|encr|hash|group|lifetime)\s).*$", re.M)
KEY_LINE = re.compile(r"^(crypto isakmp key (?:[06] )?)\S+( +address )", re.M)


def running_config(config: str, interface: str | None = None) -> str:
    """``show running-config`` (keys as written: in clear without ``service password-encryption``) or, with
    ``interface``, ``show running-config interface NAME``."""
    if interface is not None:
        body = [line for block in config_blocks(config) if block[0].split()[:2] == ["interface", interface]
                for line in block]
    else:
        body = [line for line in config.splitlines() if line.strip()]
    text = "".join(line + "\n" for line in body) + "end\n"
    size = len(text.encode())
    return f"Building configuration...\n\nCurrent configuration : {size} bytes\n!\n{text}"


def running_config_for(config: str, words: tuple[str, ...]) -> str:
    """The console's ``show running-config [interface NAME]`` (``words`` spelled out, the name as typed)."""
    if len(words) == 4:
        return running_config(config, find_interface(config, words[3]))
    return running_config(config)

#: real commands a trainee types that the simulator does not model (it simulates IKEv1 Phase 1 on the interface that
#: faces the peer): each says so plainly instead of "% Invalid input"
NOT_MODELLED = (
    (("show", "crypto", "ipsec", "sa"), "Phase 2 (Quick Mode and IPsec SAs) is not simulated; Phase 1 is 'show crypto isakmp sa'"),
    (("show", "crypto", "session"), "crypto sessions are not simulated; the IKE SAs are 'show crypto isakmp sa'"),
    (("show", "crypto", "map"), "crypto map state is not simulated; the config is 'show running-config'"),
    (("show", "clock"), "the router has no clock of its own here: 'clock' shows the simulated instant"),
    (("show", "version"), "the software version is not simulated"),
    (("show", "ip", "interface"), "interfaces are not simulated beyond the address facing the peer"),
    (("show", "ip", "route"), "routing is not simulated: the path between the peers is the scenario's"),
    (("configure", "terminal"), "the run is over: edit the scenario's config and run it again"),
    (("clear", "crypto"), "the run is over: nothing can be cleared"),
    (("ping",), "ping is not simulated"),
)
