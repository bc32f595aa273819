"""IOS 15 / IOS XE running-configs for generated labs (:mod:`sim.training.labs`)."""

from __future__ import annotations

import random

HOSTNAME_PREFIXES = ("R", "RTR", "GW", "CE")
HASH_WEIGHTS = {"sha": 4, "sha256": 2, "md5": 1}
#: neutral cipher name (ASA keyword) -> IOS ``encr`` value
ENCR = {"aes-256": "aes 256", "aes-192": "aes 192", "aes": "aes", "3des": "3des"}
#: neutral cipher name -> ESP transform
ESP = {"aes-256": "esp-aes 256", "aes-192": "esp-aes 192", "aes": "esp-aes", "3des": "esp-3des"}
#: what an IOS running-config leaves out of a policy (sim.platforms.ios.config.POLICY_DEFAULTS)
DEFAULT_HASH, DEFAULT_LIFETIME = "sha", 86400


def legacy(rng: random.Random) -> bool:
    """IOS labs have one syntax: nothing is drawn."""
    return False


def _wildcard(lan: str) -> str:
    return f"{lan} 0.0.0.255"


def lab_config(site, peer, policy, key: str, rng: random.Random) -> str:
    """IOS 15 / IOS XE running-config text for one end of the tunnel (the dialect of sim.platforms.ios.config)."""
    outside_if, inside_if = rng.choice((("GigabitEthernet0/0", "GigabitEthernet0/1"),
                                        ("GigabitEthernet0/0/0", "GigabitEthernet0/0/1"),
                                        ("GigabitEthernet1", "GigabitEthernet2")))
    acl = f"VPN-{site.name}-TO-{peer.name}"
    cmap = rng.choice(("VPN-MAP", "CMAP", "OUTSIDE_MAP"))
    esp = ESP[policy.cipher] + (" esp-md5-hmac" if policy.hash == "md5" else
                                " esp-sha256-hmac" if policy.hash == "sha256" else " esp-sha-hmac")
    tset = f"TS-{policy.tag}"
    lines = [
        f"hostname {site.hostname}",
        "!",
        f"crypto isakmp policy {site.priority}",
        f" encr {ENCR[policy.cipher]}",
    ]
    if policy.hash != DEFAULT_HASH:
        lines.append(f" hash {policy.hash}")
    lines += [" authentication pre-share", f" group {policy.group}"]
    if policy.lifetime != DEFAULT_LIFETIME:
        lines.append(f" lifetime {policy.lifetime}")
    lines.append(f"crypto isakmp key {key} address {peer.outside}")
    if rng.random() < 0.5:
        lines.append("crypto isakmp keepalive 10 3")
    lines += [
        "!",
        f"crypto ipsec transform-set {tset} {esp}",
        " mode tunnel",
        "!",
        f"crypto map {cmap} 10 ipsec-isakmp",
        f" set peer {peer.outside}",
        f" set transform-set {tset}",
        f" match address {acl}",
        "!",
        f"interface {outside_if}",
        " description INTERNET",
        f" ip address {site.outside} 255.255.255.0",
        f" crypto map {cmap}",
        "!",
        f"interface {inside_if}",
        f" description {site.name}-LAN",
        f" ip address {site.lan[:-1]}1 255.255.255.0",
        "!",
        f"ip route 0.0.0.0 0.0.0.0 {site.gateway}",
        "!",
        f"ip access-list extended {acl}",
        f" permit ip {_wildcard(site.lan)} {_wildcard(peer.lan)}",
    ]
    return "\n".join(lines) + "\n"
