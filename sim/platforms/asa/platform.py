"""The Cisco ASA platform: its IKE profile (vendor IDs, timers), state names and show output."""

from __future__ import annotations

from dataclasses import replace

from ...engine.trace import Trace
from ...ike import constants as c
from ...ike.config import IkeConfig, Retransmit
from . import show

#: Vendor IDs an ASA sends (ike-facts.md 1.6). NAT-T VIDs are left out until NAT-D is modelled.
MM1_VIDS = (c.VID_CISCO_FRAGMENTATION,)
MM2_VIDS = (c.VID_CISCO_FRAGMENTATION,)
MM3_VIDS = (c.VID_CISCO_UNITY, c.VID_XAUTH)
MM4_VIDS = (c.VID_CISCO_UNITY, c.VID_DPD, c.VID_XAUTH)


class AsaPlatform:
    name = "asa"
    #: ike-facts.md 3.7 (uncertain, configurable per device): resend every 8 s, 3 times, remove 8 s later
    default_retransmit = Retransmit()
    #: what ``ikesim run`` types on this device when no --command is given
    default_command = "show isakmp sa"

    def ike_config(self, device) -> IkeConfig:
        # the interface facing the peer: the one whose ``ip address`` is the device's outside address, else (a
        # scenario fragment without interfaces) the interface named ``outside``
        nameif = device.config.nameif_for(device.outside) or "outside"
        base = device.config.ike_config(nameif, device.outside, device.timers)
        return replace(base, nonce_length=20, nat_traversal=device.config.nat_traversal is not None, vendor_ids_mm1=MM1_VIDS, vendor_ids_mm2=MM2_VIDS,
                       vendor_ids_mm3=MM3_VIDS, vendor_ids_mm4=MM4_VIDS)

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

    def reason_words(self, reason, detail, message, removal: bool = False) -> str | None:
        """The core's reason in this platform's terms, or None for the neutral words (sim.render.reasons)."""
        from . import words

        return words.reason_words(reason, detail, message, removal)

    def reason_short(self, reason, detail, message, removal: bool = False) -> str | None:
        from . import words

        return words.reason_short(reason, detail, message, removal)

    def commands(self) -> list[str]:
        return list(show.COMMANDS)


ASA = AsaPlatform()
