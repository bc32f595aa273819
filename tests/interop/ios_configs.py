"""IOS configuration texts for live and interop tests (the live driver parses them with the IOS platform)."""

from __future__ import annotations

IOS_CIPHERS = {"aes": "aes", "aes256": "aes 256", "3des": "3des"}


def ios_config(hostname: str, peer: str, psk: str | None, *, encryption: str = "aes", group: int = 14,
               hash: str = "sha", crypto_map: bool = True, nat_t: bool = False) -> str:
    """A minimal IOS router: one ISAKMP policy, a key for ``peer`` (none if None), a crypto map on its interface."""
    lines = [
        f"hostname {hostname}",
        "crypto isakmp policy 10",
        f" encr {IOS_CIPHERS.get(encryption, encryption)}",
        f" hash {hash}",
        " authentication pre-share",
        f" group {group}",
        " lifetime 86400",
    ]
    if psk is not None:
        lines.append(f"crypto isakmp key {psk} address {peer}")
    if not nat_t:
        lines.append("no crypto isakmp nat-traversal")
    lines += [
        "crypto ipsec transform-set TS esp-aes esp-sha-hmac",
        "crypto map VPN-MAP 10 ipsec-isakmp",
        f" set peer {peer}",
        " set transform-set TS",
        "interface GigabitEthernet0/0",
        " ip address 127.0.0.1 255.0.0.0",
    ]
    if crypto_map:
        lines.append(" crypto map VPN-MAP")
    return "\n".join(lines) + "\n"
