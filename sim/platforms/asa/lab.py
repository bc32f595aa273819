"""ASA running-configs for generated labs (:mod:`sim.training.labs`): 8.4+ syntax, or pre-8.4 for a legacy site."""

from __future__ import annotations

import random

HOSTNAME_PREFIXES = ("ASA", "FW")
#: ASA IKEv1 policies have no SHA-2 hash
HASH_WEIGHTS = {"sha": 5, "md5": 1}
#: neutral cipher name (the ASA keyword) -> ESP transform
ESP = {"aes-256": "esp-aes-256", "aes-192": "esp-aes-192", "aes": "esp-aes", "3des": "esp-3des"}


def legacy(rng: random.Random) -> bool:
    """One site in four uses the pre-8.4 syntax (``crypto isakmp``, ``pre-shared-key``)."""
    return rng.random() < 0.25


def lab_config(site, peer, policy, key: str, rng: random.Random) -> str:
    """ASA running-config text (8.4+ or pre-8.4 syntax, ``site.legacy``) for one end of the tunnel."""
    outside_if, inside_if = rng.choice((("GigabitEthernet0/0", "GigabitEthernet0/1"),
                                        ("GigabitEthernet1/1", "GigabitEthernet1/2"),
                                        ("Ethernet0/0", "Ethernet0/1")))
    local, remote = f"{site.name}-LAN", f"{peer.name}-LAN"
    acl = f"{site.name}-TO-{peer.name}"
    esp = ESP[policy.cipher] + (" esp-md5-hmac" if policy.hash == "md5" else " esp-sha-hmac")
    tset = f"ESP-{policy.tag}-{'MD5' if policy.hash == 'md5' else 'SHA'}"
    cmap = rng.choice(("outside_map", "CMAP-OUTSIDE", "VPN-MAP"))
    lines = [
        f"hostname {site.hostname}",
        "!",
        f"interface {outside_if}",
        " nameif outside",
        " security-level 0",
        f" ip address {site.outside} 255.255.255.0",
        "!",
        f"interface {inside_if}",
        " nameif inside",
        " security-level 100",
        f" ip address {site.lan[:-1]}1 255.255.255.0",
        "!",
    ]
    family = "isakmp" if site.legacy else "ikev1"
    if site.legacy:
        lines += [
            f"access-list {acl} extended permit ip {site.lan} 255.255.255.0 {peer.lan} 255.255.255.0",
            f"access-list NONAT extended permit ip {site.lan} 255.255.255.0 {peer.lan} 255.255.255.0",
            "nat (inside) 0 access-list NONAT",
            f"route outside 0.0.0.0 0.0.0.0 {site.gateway} 1",
            "!",
            f"crypto ipsec transform-set {tset} {esp}",
            f"crypto map {cmap} 10 match address {acl}",
            f"crypto map {cmap} 10 set peer {peer.outside}",
            f"crypto map {cmap} 10 set transform-set {tset}",
        ]
    else:
        lines += [
            f"object network {local}",
            f" subnet {site.lan} 255.255.255.0",
            f"object network {remote}",
            f" subnet {peer.lan} 255.255.255.0",
            f"access-list {acl} extended permit ip object {local} object {remote}",
            f"nat (inside,outside) source static {local} {local} destination static {remote} {remote} "
            "no-proxy-arp route-lookup",
            f"route outside 0.0.0.0 0.0.0.0 {site.gateway} 1",
            "!",
            f"crypto ipsec ikev1 transform-set {tset} {esp}",
            f"crypto map {cmap} 10 match address {acl}",
            f"crypto map {cmap} 10 set peer {peer.outside}",
            f"crypto map {cmap} 10 set ikev1 transform-set {tset}",
        ]
    lines.append(f"crypto map {cmap} interface outside")
    if rng.random() < 0.5:
        lines.append("crypto isakmp identity address")
    lines += [
        f"crypto {family} enable outside",
        f"crypto {family} policy {site.priority}",
        " authentication pre-share",
        f" encryption {policy.cipher}",
        f" hash {policy.hash}",
        f" group {policy.group}",
        f" lifetime {policy.lifetime}",
        "!",
        f"tunnel-group {peer.outside} type ipsec-l2l",
        f"tunnel-group {peer.outside} ipsec-attributes",
        f" {'pre-shared-key' if site.legacy else 'ikev1 pre-shared-key'} {key}",
    ]
    return "\n".join(lines) + "\n"
