"""Configuration lines an ASA needs, in its own syntax: what ``ikesim check`` prints as the fix.

Each function returns the lines to type in configuration mode (sub-commands indented by one blank, as ``show
running-config`` prints them). ASA 8.4 and later write ``crypto ikev1 ...`` and ``ikev1 pre-shared-key``; a config
whose version line says 8.0-8.3 (or 7.x) gets the older ``crypto isakmp ...`` / ``pre-shared-key`` forms.
"""

from __future__ import annotations

import re

from sim.ike.policy import Policy

from .config import AUTHENTICATIONS, ENCRYPTIONS, HASHES, AsaConfig

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
        "lifetime": f" lifetime {policy.lifetime}",
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
