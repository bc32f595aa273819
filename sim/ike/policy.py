"""An IKE phase-1 policy (one transform) and the proposal-selection rule.

A :class:`Policy` is what an ASA ``crypto ikev1 policy`` block or an IOS ``crypto isakmp policy`` block describes,
and exactly what one ISAKMP transform carries on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass

from .constants import Auth, Encryption, Hash

#: The cipher names this project uses everywhere (ASA keywords; ``show ... detail`` prints them as is).
CIPHER_NAMES: dict[tuple[int, int | None], str] = {
    (Encryption.DES_CBC, None): "des",
    (Encryption.TRIPLE_DES_CBC, None): "3des",
    (Encryption.AES_CBC, 128): "aes",
    (Encryption.AES_CBC, 192): "aes-192",
    (Encryption.AES_CBC, 256): "aes-256",
}
HASH_NAMES: dict[int, str] = {
    Hash.MD5: "md5",
    Hash.SHA1: "sha",
    Hash.SHA2_256: "sha256",
    Hash.SHA2_384: "sha384",
    Hash.SHA2_512: "sha512",
}
AUTH_NAMES: dict[int, str] = {Auth.PRE_SHARED_KEY: "pre-share", Auth.RSA_SIG: "rsa-sig"}
MODP_GROUPS = (1, 2, 5, 14)


@dataclass(frozen=True)
class Policy:
    """One phase-1 transform: cipher (+ key length for AES), hash, authentication, DH group, lifetime (seconds)."""

    encryption: int = Encryption.TRIPLE_DES_CBC
    key_length: int | None = None
    hash: int = Hash.SHA1
    auth: int = Auth.PRE_SHARED_KEY
    group: int = 2
    lifetime: int = 86400
    priority: int = 0  # the local policy number; not sent on the wire

    def __post_init__(self) -> None:
        if (self.encryption, self.key_length) not in CIPHER_NAMES:
            raise ValueError(f"unsupported cipher {self.encryption}/{self.key_length}")
        if self.hash not in HASH_NAMES:
            raise ValueError(f"unsupported hash {self.hash}")
        if self.group not in MODP_GROUPS:
            raise ValueError(f"unsupported DH group {self.group}")
        if self.lifetime <= 0:
            raise ValueError("lifetime must be positive")

    @property
    def cipher_name(self) -> str:
        return CIPHER_NAMES[(self.encryption, self.key_length)]

    @property
    def hash_name(self) -> str:
        return HASH_NAMES[self.hash]

    @property
    def auth_name(self) -> str:
        return AUTH_NAMES.get(self.auth, str(self.auth))

    def same_suite(self, other: "Policy") -> bool:
        """Same encryption (and key length), hash, authentication and group: the ASA/IOS matching rule."""
        return (self.encryption, self.key_length, self.hash, self.auth, self.group) == (
            other.encryption,
            other.key_length,
            other.hash,
            other.auth,
            other.group,
        )


@dataclass(frozen=True)
class Mismatch:
    """Why the best local policy rejected an offered transform (feeds ASA 713257 / IOS 'atts are not acceptable')."""

    attribute: str  # "Encryption", "Hash", "Auth", "D-H Group", "Lifetime"
    received: str
    configured: str


def select(offered: list[Policy], local: list[Policy]) -> tuple[int, Policy] | Mismatch:
    """The responder's choice (RFC 2409 section 5, ASA/IOS rule).

    Local policies are tried in priority order against each offered transform in order. A local policy matches when
    encryption, hash, authentication and group are equal and the local lifetime is at most the offered one; the
    negotiated lifetime is the shorter (the local one). Returns (index of the offered transform, negotiated policy),
    or the mismatch against the highest-priority local policy for the first offered transform.
    """
    ordered = sorted(local, key=lambda p: p.priority)
    for local_policy in ordered:
        for index, offer in enumerate(offered):
            if offer.same_suite(local_policy) and local_policy.lifetime <= offer.lifetime:
                return index, Policy(
                    encryption=offer.encryption,
                    key_length=offer.key_length,
                    hash=offer.hash,
                    auth=offer.auth,
                    group=offer.group,
                    lifetime=min(offer.lifetime, local_policy.lifetime),
                    priority=local_policy.priority,
                )
    if not ordered or not offered:
        return Mismatch("Proposal", "none" if not offered else "offered", "none" if not ordered else "configured")
    return describe_mismatch(offered[0], ordered[0])


def describe_mismatch(offer: Policy, local: Policy) -> Mismatch:
    if (offer.encryption, offer.key_length) != (local.encryption, local.key_length):
        return Mismatch("Encryption", offer.cipher_name, local.cipher_name)
    if offer.hash != local.hash:
        return Mismatch("Hash", offer.hash_name, local.hash_name)
    if offer.auth != local.auth:
        return Mismatch("Auth", offer.auth_name, local.auth_name)
    if offer.group != local.group:
        return Mismatch("D-H Group", f"Group {offer.group}", f"Group {local.group}")
    return Mismatch("Lifetime", str(offer.lifetime), str(local.lifetime))
