"""The device a live run plays: configuration text of any registered platform -> the core's
:class:`~sim.ike.config.IkeConfig`.

The platform is the one named (``--platform``) or the one :func:`sim.platforms.registry.detect` recognises in the
text (the default platform when none claims it). The text is parsed by that platform exactly as for a scenario, and
its ``ike_config`` adds its profile (vendor IDs, nonce length, timers). Live mode has one interface: the one the UDP
socket is bound to, and it is treated as the device's outside interface: on an ASA the ``outside`` nameif, so IKE
only answers and initiates when the config says ``crypto ikev1 enable outside`` (or ``crypto isakmp enable
outside``); with any other nameif the device behaves as an ASA whose outside interface has IKE disabled. An IOS
router's socket stands for the interface that carries its address, else the one with a crypto map (IKE runs where a
crypto map is applied).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
from dataclasses import dataclass

from ..errors import InputError
from ..ike.config import IkeConfig, Retransmit
from ..ike.constants import IKE_PORT, NAT_T_PORT
from ..platforms import registry

#: The nameif a live socket stands for (see the module docstring).
LIVE_INTERFACE = "outside"
#: the address the IKE view is built with before the socket's own address is known (listening, NAT-T wanted)
_UNBOUND = "0.0.0.0"

# Limits a live device puts on what the network can make it do (README "Reliability", "Live mode"). A live socket
# faces anyone, so these hold whatever the config says:
#: half-open (not yet MM_ACTIVE) responder SAs one peer address may hold (strongSwan's ``block_threshold`` model)
LIVE_HALF_OPEN_PER_PEER = 10
#: half-open responder SAs in all (the global cap; the per-address limit is below it, so one address cannot fill it)
LIVE_HALF_OPEN_LIMIT = 100


@dataclass(frozen=True)
class _DeviceSpec:
    """The three things ``Platform.ike_config`` reads from a scenario device."""

    config: object
    outside: str
    timers: Retransmit
    live: bool = True  # a live socket: the platform picks the interface it stands for (IOS: its crypto map one)


@dataclass(frozen=True)
class LiveDevice:
    """A parsed live device: its hostname, platform name, parsed config and retransmission profile."""

    hostname: str
    platform: str
    config: object
    retransmit: Retransmit

    @property
    def listening(self) -> bool:
        """IKE runs on the socket's interface (the platform's view before the address is known)."""
        return self._view(_UNBOUND).listening

    @property
    def wants_nat_t(self) -> bool:
        return self._view(_UNBOUND).nat_traversal

    def _view(self, address: str) -> IkeConfig:
        return registry.get(self.platform).ike_config(_DeviceSpec(self.config, address, self.retransmit))

    def ike_config(self, address: str, *, nat_t: bool) -> IkeConfig:
        """The core's view of this device on the live socket's interface with ``address``.

        ``nat_t`` False switches NAT traversal off whatever the config says (see :func:`nat_t_usable`). The live
        limits apply: :data:`LIVE_HALF_OPEN_PER_PEER`, :data:`LIVE_HALF_OPEN_LIMIT`, and a duplicate makes an SA
        resend at most once per retransmission interval (as libreswan and strongSwan do)."""
        config = self._view(address)
        return dataclasses.replace(config, nat_traversal=config.nat_traversal and nat_t, **live_limits(config))


def live_limits(config: IkeConfig) -> dict:
    """The fields of ``config`` a live device overrides: the half-open limits and the duplicate-resend holdoff."""
    retransmit = config.retransmit
    if retransmit.duplicate_holdoff is None:
        retransmit = dataclasses.replace(retransmit, duplicate_holdoff=retransmit.interval)
    return dict(half_open_per_peer=LIVE_HALF_OPEN_PER_PEER, half_open_limit=LIVE_HALF_OPEN_LIMIT,
                retransmit=retransmit)


def load_device(config_text: str, retransmit: Retransmit | None = None, platform: str | None = None) -> LiveDevice:
    """Parse config text of ``platform`` (default: the one :func:`registry.detect` recognises, else the default
    platform); InputError with the line on a bad config. ``retransmit`` default: the platform's profile."""
    if not isinstance(config_text, str):
        raise InputError("the device config must be text", field="config")
    box = registry.get(platform) if platform is not None else registry.detect(config_text) or registry.default()
    config = box.parse_config(config_text)
    return LiveDevice(config.hostname or box.label, box.name, config, retransmit or box.default_retransmit)


def nat_t_usable(main_port: int, nat_t_port: int | None) -> bool:
    """NAT traversal needs the real ports 500 and 4500: the core writes port 500 (and 4500 after the float) into its
    NAT-D hashes, so on any other port the peer would see a NAT that is not there and both sides would float."""
    return main_port == IKE_PORT and nat_t_port == NAT_T_PORT


def ipv4(text: str, what: str) -> str:
    """A dotted IPv4 address (the core's ID payloads and NAT-D hashes are IPv4); InputError otherwise."""
    try:
        return str(ipaddress.IPv4Address(str(text).strip()))
    except ValueError:
        raise InputError(f"{what} must be an IPv4 address, not {text!r}", field=what) from None


def parse_endpoint(text: str, default_port: int, what: str) -> tuple[str, int]:
    """``ADDR[:PORT]`` -> (address, port); for the CLI's ``--peer`` and ``--bind``."""
    host, sep, port = str(text).strip().rpartition(":")
    if not sep:
        host, port = port, str(default_port)
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InputError(f"{what}: bad port in {text!r} (expected ADDR[:PORT], PORT 0-65535)", field=what)
    return ipv4(host, what), int(port)


def route_source(peer: str, peer_port: int) -> str:
    """The local address the kernel would use toward ``peer`` (a connected UDP socket; nothing is sent)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect((peer, peer_port or IKE_PORT))
        return probe.getsockname()[0]
    except OSError as exc:
        raise InputError(f"no route to {peer}: {exc.strerror or exc}", field="peer") from None
    finally:
        probe.close()


def is_wildcard(address: str) -> bool:
    return ipaddress.IPv4Address(address) == ipaddress.IPv4Address("0.0.0.0")
