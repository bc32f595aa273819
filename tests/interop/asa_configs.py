"""ASA configuration texts for live and interop tests (the live driver parses them with the ASA platform)."""

from __future__ import annotations

#: ASA keyword of each cipher used in the tests
ASA_CIPHERS = {"aes128": "aes", "aes256": "aes-256", "3des": "3des"}


def asa_config(hostname: str, peer: str, psk: str | None, *, encryption: str = "aes", group: int = 14,
               hash: str = "sha", interface: str = "outside", lifetime: int = 86400, nat_t: bool = False) -> str:
    """A minimal ASA: IKEv1 on ``interface``, one policy, a tunnel-group named by ``peer`` with ``psk`` (none if None)."""
    lines = [
        f"hostname {hostname}",
        f"crypto ikev1 enable {interface}",
        "crypto ikev1 policy 10",
        " authentication pre-share",
        f" encryption {encryption}",
        f" hash {hash}",
        f" group {group}",
        f" lifetime {lifetime}",
        f"tunnel-group {peer} type ipsec-l2l",
    ]
    if nat_t:
        lines.append("crypto isakmp nat-traversal 20")
    else:  # on by default (9.x), as on the box
        lines.append("no crypto isakmp nat-traversal")
    if psk is not None:
        lines += [f"tunnel-group {peer} ipsec-attributes", f" ikev1 pre-shared-key {psk}"]
    return "\n".join(lines) + "\n"
