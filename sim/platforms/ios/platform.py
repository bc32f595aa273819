"""The Cisco IOS platform: its IKE profile (timers, key needed before MM1), state names, show output and logs."""

from __future__ import annotations

from dataclasses import replace

from ...engine.trace import Trace
from ...ike import constants as c
from ...errors import InputError
from ...ike.config import IkeConfig, Retransmit
from . import show
from .config import IosConfig, parse_ios_config


#: the NAT-T vendor IDs an IOS router announces in MM1, in its order (IOS-XE 16.x capture in real-captures.md:
#: "constructed NAT-T vendor-rfc3947 ID", "-07", "-03", "-02")
NAT_T_VIDS = (c.VID_NAT_T_RFC3947, c.VID_NAT_T_DRAFT_07, c.VID_NAT_T_DRAFT_03, c.VID_NAT_T_DRAFT_02N)


class IosPlatform:
    name = "ios"
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
        config: IosConfig = device.config
        base = config.ike_config(config.interface_for(device.outside), device.outside, device.timers)
        return replace(base, nat_t_vendor_ids=NAT_T_VIDS)

    def state_name(self, role: str, state: str) -> str:
        return show.state_name(role, state)

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


IOS = IosPlatform()
