"""The Cisco IOS platform object (:class:`sim.platforms.base.Platform`): IKE profile (timers, key needed before MM1),
config dialect and edits, state names, show output and logs, console, pasted-output parser and lab configs."""

from __future__ import annotations

import random
from dataclasses import replace

from ...engine.trace import Trace
from ...ike import constants as c
from ...errors import InputError
from ...ike.config import IkeConfig, Retransmit
from ..base import PlatformModules
from . import console, edits, lab, show
from . import showparse as _showparse
from .config import IosConfig, parse_ios_config


#: the NAT-T vendor IDs an IOS router announces in MM1, in its order (IOS-XE 16.x capture in real-captures.md:
#: "constructed NAT-T vendor-rfc3947 ID", "-07", "-03", "-02")
NAT_T_VIDS = (c.VID_NAT_T_RFC3947, c.VID_NAT_T_DRAFT_07, c.VID_NAT_T_DRAFT_03, c.VID_NAT_T_DRAFT_02N)


class IosPlatform(PlatformModules):
    name = "ios"
    label = "IOS"
    #: weighted markers of a saved running-config (a version line decides; the others add up): ``detect``
    config_weights = ((r"^version [0-9]+\.[0-9]+\s*$", 100), (r"^Building configuration", 10),
                      (r"^Current configuration :", 10), (r"^boot-start-marker", 10), (r"^crypto isakmp key ", 3),
                      (r"^ encr ", 3), (r"^crypto map \S+ [0-9]+ ipsec-isakmp\s*$", 3))
    config_markers = (r"^crypto isakmp key ", r"^\s+encr ", r"^crypto map \S+ \d+ ipsec-isakmp")
    #: a key is one word
    keeps_key_trailing_blank = False
    key_blank_note = "IOS keys are single words"
    notable_logs = "IOS %CRYPTO"
    #: the commands in one line, for ``ikesim run --help``
    command_summary = "show crypto isakmp sa [detail], show logging, debug crypto isakmp"
    #: the pasted formats its parser reads, in a few words, for ``ikesim diagnose --help``
    paste_formats = "IOS table"
    console_grammar = console.GRAMMAR
    console_filters = console.FILTERS
    #: real commands the simulator does not model, and why (the console and run say so plainly)
    not_modelled = console.NOT_MODELLED
    filter_help = "begin, include, exclude, section, count REGEX"
    console_word_help = console.WORD_HELP
    error_prefix = "% "
    incomplete_message = "Incomplete command."
    paste_parser = _showparse
    lab_hostname_prefixes = lab.HOSTNAME_PREFIXES
    lab_hash_weights = lab.HASH_WEIGHTS
    #: ike-facts.md 4.4 (partly uncertain): resend every 10 s, "attempt n of 5", then "Death by retransmission P1".
    #: We remove the SA 10 s after the 5th resend (when the next resend would have been due).
    #: A duplicate triggers a resend ("retransmitting due to retransmit phase 1", 12.x capture) unless the message
    #: went out less than half an interval ago, as on the ASA (see AsaPlatform.default_retransmit).
    default_retransmit = Retransmit(interval=10.0, retries=5, remove_after=10.0, duplicate_holdoff=5.0)
    #: what ``ikesim run`` should type on this device when no --command is given
    default_command = "show crypto isakmp sa"

    def parse_config(self, text: str) -> IosConfig:
        return parse_ios_config(text)

    def check_outside(self, config: IosConfig, address: str) -> None:
        """The scenario's ``outside`` address must be on one of the config's interfaces: that interface faces the
        peer, and its crypto map decides whether IKE runs. Raises InputError (``field="config"``, no line)."""
        if config.interface_for(address) is None:
            raise InputError(
                f"no interface in this config has 'ip address {address} ...': put the device's outside address on "
                "the interface that faces the peer (e.g. 'interface GigabitEthernet0/0' / ' ip address "
                f"{address} 255.255.255.0' / ' crypto map VPN-MAP')", field="config")

    def ike_config(self, device) -> IkeConfig:
        """The core's view of the router on the interface that carries ``device.outside``. A live device
        (``device.live``) stands on a socket whose address need not be in the config: it is the interface with a
        crypto map (the first by name when there are several), as the interface IKE runs on."""
        config: IosConfig = device.config
        interface = config.interface_for(device.outside)
        if interface is None and getattr(device, "live", False):
            mapped = sorted(config.crypto_map_interfaces)
            interface = mapped[0] if mapped else None
        base = config.ike_config(interface, device.outside, device.timers)
        return replace(base, nat_t_vendor_ids=NAT_T_VIDS)

    def state_name(self, role: str, state: str) -> str:
        return show.state_name(role, state)

    def show(self, trace: Trace, hostname: str, t: float, command: str) -> str:
        return show.run(trace, hostname, t, command)

    #: the debug that shows Quick Mode, for a Phase-2 answer of the diagnosis
    phase2_debug = "debug crypto ipsec"


    def commands(self) -> list[str]:
        return list(show.COMMANDS)

    def edit(self, text: str, intent) -> str:
        return edits.edit(text, intent)

    def notable_log(self, line: str) -> bool:
        return "%CRYPTO-" in line

    def prompt(self, hostname: str) -> str:
        """No blank after ``#``: IOS prints ``R1#`` and the typed command follows at once."""
        return f"{hostname}#"

    def console_help(self) -> tuple[list[tuple[str, str]], str]:
        return list(console.HELP_ROWS), console.MODIFIERS

    def running_config(self, text: str, words: tuple[str, ...]) -> str:
        return console.running_config_for(text, words)

    def config_views(self, device) -> list[str]:
        commands = ["show running-config | section crypto isakmp"]
        interface_for = getattr(device.config, "interface_for", None)
        interface = interface_for(device.outside) if interface_for else None
        if interface:
            commands.append(f"show running-config interface {interface}")
        return commands

    def blank_relative(self, text: str) -> str:
        text = console.POLICY_VALUE.sub(r"\g<1>...", text)
        return console.KEY_LINE.sub(r"\g<1>...\g<2>", text)

    def lab_legacy(self, rng: random.Random) -> bool:
        return lab.legacy(rng)

    def lab_config(self, site, peer, policy, key: str, rng: random.Random) -> str:
        return lab.lab_config(site, peer, policy, key, rng)


IOS = PLATFORM = IosPlatform()
