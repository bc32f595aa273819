"""Configuration lines an IOS router needs, in its own syntax: what ``ikesim check`` prints as the fix.

Each function returns the lines to type in configuration mode (sub-commands indented by one blank, as ``show
running-config`` prints them). Same function names as :mod:`sim.platforms.asa.fixlines`.
"""

from __future__ import annotations

import ipaddress

from sim.ike.policy import Policy

from .config import AUTHENTICATIONS, ENCRYPTIONS, HASHES, IosConfig

_CIPHERS = {value: name for name, value in ENCRYPTIONS.items() if name != "aes 128"}
_HASHES = {value: name for name, value in HASHES.items()}
_AUTHS = {value: name for name, value in AUTHENTICATIONS.items()}


def _keyring_for(config: IosConfig, peer: str) -> str | None:
    """The keyring a key for ``peer`` goes in: the one its present key comes from; with no key, the keyring of
    the ISAKMP profile that matches it, when the router keeps its keys in keyrings; None: ``crypto isakmp key``."""
    entry = config.key_entry(peer)
    if entry is not None:
        return entry.keyring
    if any(k.keyring is None for k in config.keys):
        return None
    try:
        address = ipaddress.IPv4Address(peer)
    except ValueError:
        return None
    for profile in config.profiles:
        if profile.keyrings and any(address in network for network in profile.identities):
            return profile.keyrings[0] if profile.keyrings[0] in config.keyrings else None
    return None


def key_lines(config: IosConfig, peer: str, key: str, declare: bool = True) -> list[str]:
    keyring = _keyring_for(config, peer)
    if keyring is not None:
        return [f"crypto keyring {keyring}", f" pre-shared-key address {peer} key {key}"]
    return [f"crypto isakmp key {key} address {peer}"]


def representable(policy: Policy) -> bool:
    return (policy.encryption, policy.key_length) in _CIPHERS and policy.hash in _HASHES and policy.auth in _AUTHS


def policy_lines(config: IosConfig, policy: Policy, priority: int, only: tuple[str, ...] | None = None) -> list[str]:
    settings = {
        "encryption": f" encr {_CIPHERS.get((policy.encryption, policy.key_length), policy.cipher_name)}",
        "hash": f" hash {_HASHES.get(policy.hash, policy.hash_name)}",
        "auth": f" authentication {_AUTHS.get(policy.auth, policy.auth_name)}",
        "group": f" group {policy.group}",
        "lifetime": f" lifetime {policy.lifetime}",
    }
    return [f"crypto isakmp policy {priority}"] + [line for name, line in settings.items()
                                                   if only is None or name in only]


def enable_lines(config: IosConfig, interface: str) -> list[str]:
    """``no crypto isakmp`` turned ISAKMP off for the whole router."""
    return ["crypto isakmp enable"]


def bind_map_lines(config: IosConfig, interface: str, crypto_map: str) -> list[str]:
    return [f"interface {interface}", f" crypto map {crypto_map}"]


def map_entry_lines(config: IosConfig, crypto_map: str, seq: int, peer: str) -> list[str]:
    return [f"crypto map {crypto_map} {seq} ipsec-isakmp", f" set peer {peer}"]


def nat_t_lines(config: IosConfig) -> list[str]:
    """NAT-T is on by default: the fix is taking 'no crypto isakmp nat-traversal' out (as the simulator reads it)."""
    return ["! remove the line 'no crypto isakmp nat-traversal' (NAT traversal is on by default)"]


def default_map_name() -> str:
    return "VPN-MAP"


# -- the words ``ikesim check`` uses for this platform's configuration ------------------------------------------------

from .config import masked_key_lines, unmask_keys  # noqa: E402,F401  (read by sim.check.read)

#: how the router speaks of a crypto map on an interface, and the log line it writes without one (none)
MAP_ON_INTERFACE = "applied to"
NO_MAP_LOG = ""
#: what a per-peer key entry is called
KEY_ENTRY = "key"


def ike_off(interface: str) -> str:
    return "ISAKMP is turned off ('no crypto isakmp')"


def key_place(group: str, config: IosConfig | None = None) -> str:
    """Where a peer's key lives, named as in the config."""
    entry = config.key_entry(group) if config is not None else None
    if entry is not None and entry.keyring is not None:
        return f"crypto keyring {entry.keyring} pre-shared-key address {group.replace('/', ' /')}"
    return f"crypto isakmp key ... address {group.replace('/', ' /')}"


def peer_entry(peer: str, config: IosConfig | None = None) -> str:
    return key_place(peer, config)


def missing_key(config: IosConfig, peer: str) -> tuple[bool, str]:
    """(must the fix declare the entry, what is missing in words)."""
    if config.keyrings:
        return True, f"it has no key for {peer} (no 'crypto isakmp key', no keyring 'pre-shared-key address')"
    return True, f"it has no 'crypto isakmp key' for {peer}"


def psk_fix_lines(config: IosConfig, peer: str, same_key: str) -> list[str]:
    return key_lines(config, peer, same_key)


def nat_t_on(config: IosConfig) -> bool:
    return bool(config.nat_traversal)
