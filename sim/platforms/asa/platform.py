"""The Cisco ASA platform: its IKE profile (vendor IDs, timers), state names and show output."""

from __future__ import annotations

from dataclasses import replace

from ...engine.trace import Trace
from ...ike import constants as c
from ...ike.config import IkeConfig, Retransmit
from ...ike.messages import OtherPayload, VendorIdPayload
from . import show

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


class AsaPlatform:
    name = "asa"
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
        base = device.config.ike_config("outside", device.outside, device.timers)
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
