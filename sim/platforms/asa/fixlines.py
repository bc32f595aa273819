"""Configuration lines an ASA needs, in its own syntax: what ``ikesim check`` prints as the fix.

Each function returns the lines to type in configuration mode (sub-commands indented by one blank, as ``show
running-config`` prints them). ASA 8.4 and later write ``crypto ikev1 ...`` and ``ikev1 pre-shared-key``; a config
whose version line says 8.0-8.3 (or 7.x) gets the older ``crypto isakmp ...`` / ``pre-shared-key`` forms.
"""

from __future__ import annotations

import re

from sim.ike.policy import Policy

from .config import AUTHENTICATIONS, ENCRYPTIONS, HASHES, LIFETIME_NONE, AsaConfig

_CIPHERS = {value: name for name, value in ENCRYPTIONS.items()}
_HASHES = {value: name for name, value in HASHES.items()}
_AUTHS = {value: name for name, value in AUTHENTICATIONS.items()}


def legacy(config: AsaConfig) -> bool:
    """Pre-8.4 syntax (``crypto isakmp policy``, ``pre-shared-key`` without ``ikev1``)?"""
    match = re.match(r"([0-9]+)\.([0-9]+)", config.version or "")
    return match is not None and (int(match.group(1)), int(match.group(2))) < (8, 4)


def _family(config: AsaConfig) -> str:
    return "isakmp" if legacy(config) else "ikev1"


def key_lines(config: AsaConfig, peer: str, key: str, declare: bool = True) -> list[str]:
    keyword = "pre-shared-key" if legacy(config) else "ikev1 pre-shared-key"
    lines = [f"tunnel-group {peer} type ipsec-l2l"] if declare else []
    return lines + [f"tunnel-group {peer} ipsec-attributes", f" {keyword} {key}"]


def representable(policy: Policy) -> bool:
    return (policy.encryption, policy.key_length) in _CIPHERS and policy.hash in _HASHES and policy.auth in _AUTHS


def policy_lines(config: AsaConfig, policy: Policy, priority: int, only: tuple[str, ...] | None = None) -> list[str]:
    """A policy block; ``only``: just these settings (``auth``, ``encryption``, ``hash``, ``group``, ``lifetime``)."""
    settings = {
        "auth": f" authentication {_AUTHS.get(policy.auth, policy.auth_name)}",
        "encryption": f" encryption {_CIPHERS.get((policy.encryption, policy.key_length), policy.cipher_name)}",
        "hash": f" hash {_HASHES.get(policy.hash, policy.hash_name)}",
        "group": f" group {policy.group}",
        "lifetime": f" lifetime {'none' if policy.lifetime == LIFETIME_NONE else policy.lifetime}",
    }
    return [f"crypto {_family(config)} policy {priority}"] + [line for name, line in settings.items()
                                                            if only is None or name in only]


def enable_lines(config: AsaConfig, interface: str) -> list[str]:
    return [f"crypto {_family(config)} enable {interface}"]


def bind_map_lines(config: AsaConfig, interface: str, crypto_map: str) -> list[str]:
    return [f"crypto map {crypto_map} interface {interface}"]


def map_entry_lines(config: AsaConfig, crypto_map: str, seq: int, peer: str) -> list[str]:
    return [f"crypto map {crypto_map} {seq} set peer {peer}"]


def nat_t_lines(config: AsaConfig) -> list[str]:
    return ["crypto isakmp nat-traversal 20"]


def default_map_name() -> str:
    return "outside_map"


# -- the words ``ikesim check`` uses for this platform's configuration ------------------------------------------------

from .config import masked_key_lines, unmask_keys  # noqa: E402,F401  (read by sim.check.read)

#: how the box speaks of a crypto map on an interface, and the log line it writes without one
MAP_ON_INTERFACE = "bound to"
NO_MAP_LOG = " (the ASA logs 'No crypto map bound to interface... dropping pkt')"
#: what a per-peer key entry is called
KEY_ENTRY = "tunnel-group"


def ike_off(interface: str) -> str:
    return f"IKEv1 is not enabled on its interface {interface}"


def key_place(group: str, config: AsaConfig | None = None) -> str:
    """Where a peer's key lives, named as in the config."""
    return f"tunnel-group {group}"


def peer_entry(peer: str, config: AsaConfig | None = None) -> str:
    return f"tunnel-group {peer}"


def missing_key(config: AsaConfig, peer: str) -> tuple[bool, str]:
    """(must the fix declare the entry, what is missing in words)."""
    group = config.tunnel_groups.get(peer)
    if group is None:
        return True, f"it has no tunnel-group for {peer} (and DefaultL2LGroup has no key)"
    return False, f"its tunnel-group {peer} has no pre-shared key"


def psk_fix_lines(config: AsaConfig, peer: str, same_key: str) -> list[str]:
    """Re-enter the key where this box keeps it for ``peer`` (its tunnel-group, even the default one)."""
    key = config.peer_key(peer)
    if key is not None:
        return key_lines(config, key.group, same_key, declare=False)
    return key_lines(config, peer, same_key)


def nat_t_on(config: AsaConfig) -> bool:
    return config.nat_traversal is not None
