"""The Cisco ASA platform object (:class:`sim.platforms.base.Platform`): IKE profile (vendor IDs, timers), config
dialect and edits, state names, show output, console, pasted-output parser and lab configs."""

from __future__ import annotations

import random
import re
from dataclasses import replace

from ...engine.trace import Trace
from ...ike import constants as c
from ...ike.config import IkeConfig, Retransmit
from ..base import PlatformModules
from . import console, edits, lab, show
from . import showparse as _showparse
from ...ike.messages import OtherPayload, VendorIdPayload

#: Vendor IDs an ASA sends, as the published captures show them (real-captures.md, tunnelsup "debug messages from
#: successful l2l tunnel" and petenetlive KB 0001531): MM1 the NAT-T VIDs (ver 02, ver 03, RFC, when NAT-T is on:
#: the 9.x default) then fragmentation; MM2 the RFC VID it picked, then fragmentation; MM3 Unity, xauth V6, the IOS
#: VID ("ASA spoofing IOS") and the Altiga/VPN3000/ASA GW VID (MM4 likewise: no capture of an ASA's MM4 was found,
#: the same set is our choice); MM5/MM6 the IOS keep-alive payload and the DPD VID.
NAT_T_VIDS = (c.VID_NAT_T_DRAFT_02N, c.VID_NAT_T_DRAFT_03, c.VID_NAT_T_RFC3947)
MM1_VIDS = (c.VID_CISCO_FRAGMENTATION,)
MM2_VIDS = (c.VID_CISCO_FRAGMENTATION,)
MM3_VIDS = (c.VID_CISCO_UNITY, c.VID_XAUTH, c.VID_CISCO_IOS, c.VID_ALTIGA_GW)
MM4_VIDS = MM3_VIDS
#: the keep-alive payload goes only to a peer that sent the Cisco IOS VID (an ASA or IOS peer): libreswan drops an
#: MM5 carrying the unknown type 128 ("message ignored because it contains an unknown or unexpected payload type"),
#: and the capture shows the ASA processing its peer's IOS VID before it constructs the keep-alive
AUTH_EXTRAS = (VendorIdPayload(c.VID_DPD),)
AUTH_EXTRAS_IF_PEER_SENT = ((c.VID_CISCO_IOS, (OtherPayload(c.IOS_KEEPALIVE_PAYLOAD, c.ios_keepalive_body()),)),)


class AsaPlatform(PlatformModules):
    name = "asa"
    label = "ASA"
    #: weighted markers of a saved running-config (a version line decides; the others add up): ``detect``
    config_weights = ((r"^(?:ASA|PIX) Version \S+", 100), (r"^: Saved", 10), (r"^Cryptochecksum:", 10),
                      (r"^ nameif ", 3), (r"^tunnel-group ", 3), (r"^crypto ikev1 ", 3))
    config_markers = (r"^tunnel-group ", r"^crypto ikev1 ", r"^\s+nameif ")
    #: everything after ``pre-shared-key`` is the key, a trailing blank included
    keeps_key_trailing_blank = True
    key_blank_note = ""
    notable_logs = "ASA severity 0-5"
    #: the commands in one line, for ``ikesim run --help``
    command_summary = "show isakmp sa, show crypto isakmp sa, show crypto ikev1 sa [detail], show logging, debug crypto ikev1 [LEVEL]"
    #: the pasted formats its parser reads, in a few words, for ``ikesim diagnose --help``
    paste_formats = "ASA 8.4+/9.x and older formats"
    console_grammar = console.GRAMMAR
    console_filters = console.FILTERS
    #: the SA table renders from SA changes alone (live mode keeps just those for it, see sim/live/table.py)
    sa_table_from_changes = True
    #: real commands the simulator does not model, and why (the console and run say so plainly)
    not_modelled = console.NOT_MODELLED
    filter_help = "begin, include, exclude, grep [-v] REGEX"
    console_word_help = console.WORD_HELP
    error_prefix = "ERROR: % "
    incomplete_message = "Incomplete command"
    paste_parser = _showparse
    lab_hostname_prefixes = lab.HOSTNAME_PREFIXES
    lab_hash_weights = lab.HASH_WEIGHTS
    #: ike-facts.md 3.7 (uncertain, configurable per device): resend every 8 s, 3 times, remove 8 s later
    #: ike-facts.md 3.7 (uncertain, configurable per device): resend every 8 s, 3 times, remove 8 s later. A duplicate
    #: makes the SA resend its last message (713201) only if it has not sent it within half an interval (first, on
    #: the timer or for another copy): no capture shows a Cisco box answer every copy, libreswan and strongSwan
    #: rate-limit the same way, and without it a slow path amplifies (each side's resends trigger the other's) and
    #: a copy arriving as the timer fires makes two identical datagrams. Half, not a whole interval: the IOS 12.x
    #: capture shows a duplicate answered between the box's own timer resends.
    default_retransmit = Retransmit(duplicate_holdoff=4.0)
    #: what ``ikesim run`` types on this device when no --command is given
    default_command = "show isakmp sa"

    def ike_config(self, device) -> IkeConfig:
        # the interface facing the peer: the one whose ``ip address`` is the device's outside address, else (a
        # scenario fragment without interfaces) the interface named ``outside``
        nameif = device.config.nameif_for(device.outside) or "outside"
        base = device.config.ike_config(nameif, device.outside, device.timers)
        return replace(base, nonce_length=20, nat_traversal=device.config.nat_traversal is not None,
                       nat_t_vendor_ids=NAT_T_VIDS, vendor_ids_mm1=MM1_VIDS, vendor_ids_mm2=MM2_VIDS,
                       vendor_ids_mm3=MM3_VIDS, vendor_ids_mm4=MM4_VIDS, auth_extras=AUTH_EXTRAS,
                       auth_extras_if_peer_sent=AUTH_EXTRAS_IF_PEER_SENT)

    def parse_config(self, text: str):
        """ASA configuration text -> :class:`~sim.platforms.asa.config.AsaConfig` (InputError with the line)."""
        from .config import parse_asa_config

        return parse_asa_config(text)

    def check_outside(self, config, address: str) -> None:
        """An ASA scenario names its outside interface by the scenario's ``outside`` address: nothing to check."""

    def state_name(self, role: str, state: str) -> str:
        return state

    def show(self, trace: Trace, hostname: str, t: float, command: str) -> str:
        return show.run(trace, hostname, t, command)

    #: the debug that shows Quick Mode, for a Phase-2 answer of the diagnosis
    phase2_debug = "debug crypto ipsec 127"


    def commands(self) -> list[str]:
        return list(show.COMMANDS)

    def edit(self, text: str, intent) -> str:
        return edits.edit(text, intent)

    def notable_log(self, line: str) -> bool:
        match = _SEVERITY.search(line)
        return bool(match) and int(match.group(1)) <= 5

    def prompt(self, hostname: str) -> str:
        return f"{hostname}# "

    def console_help(self) -> tuple[list[tuple[str, str]], str]:
        return list(console.HELP_ROWS), console.MODIFIERS

    def running_config(self, text: str, words: tuple[str, ...]) -> str:
        return console.running_config(text, words[2:], masked=words[0] == "show")

    def config_views(self, device) -> list[str]:
        """The views an engineer looks at: ``crypto ikev1`` on an 8.4+ box; a config in pre-8.4 syntax
        (``crypto isakmp policy``) is an 8.2-era box, where that command is ``show running-config crypto isakmp``."""
        legacy = re.search(r"^crypto isakmp (?:policy|enable) ", getattr(device, "config_text", ""), re.M)
        family = "isakmp" if legacy else "ikev1"
        return [f"show running-config crypto {family}", "show running-config tunnel-group"]

    def blank_relative(self, text: str) -> str:
        return console.POLICY_VALUE.sub(r"\g<1>...", text)  # keys are masked in the views already

    def lab_legacy(self, rng: random.Random) -> bool:
        return lab.legacy(rng)

    def lab_config(self, site, peer, policy, key: str, rng: random.Random) -> str:
        return lab.lab_config(site, peer, policy, key, rng)


_SEVERITY = re.compile(r"%ASA-(\d)-\d+:")

ASA = PLATFORM = AsaPlatform()
