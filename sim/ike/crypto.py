"""IKEv1 phase-1 cryptography: MODP Diffie-Hellman, prf/hash, SKEYID derivation, CBC ciphers (ike-facts.md 1.7/1.8).

Sans-IO and deterministic: no I/O, no clock, no global random state. Randomness is always supplied by the caller
(e.g. :func:`dh_private` takes the random bytes to turn into an exponent).

* DH uses ``gmpy2.powmod`` over the RFC 2409 / RFC 3526 MODP primes (groups 1, 2, 5, 14; generator 2).
* prf = HMAC with the negotiated hash; the plain hash is used for the IV (RFC 2409 appendix B).
* Ciphers are CBC with the RFC 2409 zero-byte padding. Single DES is run as 3DES with K1=K2=K3 (= key*3), which is
  bit-for-bit identical to DES and avoids ``cryptography``'s single-DES deprecation warning.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import NamedTuple

import gmpy2
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from sim.ike.constants import Encryption, Hash

__all__ = [
    "ModpGroup",
    "GROUPS",
    "modp_prime",
    "dh_private",
    "dh_public",
    "dh_shared",
    "hash_digest",
    "prf",
    "digest_size",
    "CipherSpec",
    "cipher_spec",
    "Phase1Keys",
    "derive_phase1_keys",
    "expand_key",
    "initial_iv",
    "hash_i",
    "hash_r",
    "encrypt",
    "decrypt",
    "last_block",
]

# ---------------------------------------------------------------------------------------------------------------------
# MODP groups
# ---------------------------------------------------------------------------------------------------------------------


class ModpGroup(NamedTuple):
    number: int  # 1, 2, 5, 14
    bits: int  # 768, 1024, 1536, 2048
    prime: int
    generator: int = 2

    @property
    def length(self) -> int:
        """Length of the prime (and of every KE value / shared secret) in bytes: 96, 128, 192, 256."""
        return (self.bits + 7) // 8


def modp_prime(bits: int, k: int, pi_bits: int) -> int:
    """``p = 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) * pi) + k)`` (RFC 2409 6.1/6.2, RFC 3526).

    ``pi_bits`` is pi in binary fixed point: ``floor(pi * 2^F)`` for any precision ``F >= bits - 130``. ``F`` is
    recovered from the value itself (3 <= pi < 4, so the value has exactly ``F + 2`` bits), and
    ``floor(2^(n-130) * pi)`` is obtained exactly as ``pi_bits >> (F - (n - 130))`` (floor of a floor).
    """
    n = bits
    if n < 130 or pi_bits <= 0:
        raise ValueError("need bits >= 130 and a positive fixed-point pi")
    frac = pi_bits.bit_length() - 2
    if not (3 << frac) <= pi_bits < (4 << frac):
        raise ValueError("pi_bits is not floor(pi * 2^F) for any F")
    need = n - 130
    if frac < need:
        raise ValueError(f"pi_bits has {frac} fractional bits, need at least {need}")
    pi_term = pi_bits >> (frac - need)
    return 2**n - 2 ** (n - 64) - 1 + 2**64 * (pi_term + k)


def _hex(s: str) -> int:
    return int("".join(s.split()), 16)


_P768 = _hex(
    """
    FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74
    020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437
    4FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF
    """
)
_P1024 = _hex(
    """
    FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74
    020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437
    4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED
    EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF
    """
)
_P1536 = _hex(
    """
    FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74
    020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437
    4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED
    EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05
    98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB
    9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF
    """
)
_P2048 = _hex(
    """
    FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74
    020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437
    4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED
    EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05
    98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB
    9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B
    E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718
    3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF
    """
)

GROUPS: dict[int, ModpGroup] = {
    1: ModpGroup(number=1, bits=768, prime=_P768),
    2: ModpGroup(number=2, bits=1024, prime=_P1024),
    5: ModpGroup(number=5, bits=1536, prime=_P1536),
    14: ModpGroup(number=14, bits=2048, prime=_P2048),
}


def _to_bytes(value: int, length: int) -> bytes:
    return int(value).to_bytes(length, "big")


def dh_private(group: ModpGroup, random_bytes: bytes) -> int:
    """Deterministic private exponent in ``[2, p-2]`` from caller-supplied random bytes (32 bytes typical)."""
    if len(random_bytes) == 0:
        raise ValueError("dh_private needs at least one random byte")
    return int.from_bytes(bytes(random_bytes), "big") % (group.prime - 3) + 2


def dh_public(group: ModpGroup, private: int) -> bytes:
    """``g^x mod p``, big-endian, left-padded with zeros to ``group.length``."""
    if not 0 < private < group.prime - 1:
        raise ValueError("DH private exponent out of range")
    return _to_bytes(gmpy2.powmod(group.generator, private, group.prime), group.length)


def dh_shared(group: ModpGroup, private: int, peer_public: bytes) -> bytes:
    """``peer^x mod p``, left-padded to ``group.length``.

    A peer value of the wrong length or outside ``[2, p-2]`` (0, 1, p-1, >= p, garbage) raises ``ValueError``.
    """
    if not isinstance(peer_public, (bytes, bytearray, memoryview)):
        raise ValueError("DH peer public value must be bytes")
    peer = bytes(peer_public)
    if len(peer) != group.length:
        raise ValueError(f"DH peer public value is {len(peer)} bytes, group {group.number} needs {group.length}")
    y = int.from_bytes(peer, "big")
    if not 2 <= y <= group.prime - 2:
        raise ValueError("DH peer public value out of range [2, p-2]")
    if not 0 < private < group.prime - 1:
        raise ValueError("DH private exponent out of range")
    return _to_bytes(gmpy2.powmod(y, private, group.prime), group.length)


# ---------------------------------------------------------------------------------------------------------------------
# Hash / prf
# ---------------------------------------------------------------------------------------------------------------------

_HASHES: dict[int, str] = {
    Hash.MD5: "md5",
    Hash.SHA1: "sha1",
    Hash.SHA2_256: "sha256",
    Hash.SHA2_384: "sha384",
    Hash.SHA2_512: "sha512",
}

_DIGEST_SIZES: dict[int, int] = {
    Hash.MD5: 16,
    Hash.SHA1: 20,
    Hash.SHA2_256: 32,
    Hash.SHA2_384: 48,
    Hash.SHA2_512: 64,
}


def _hash_name(hash_id: int) -> str:
    try:
        return _HASHES[int(hash_id)]
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"unsupported hash algorithm {hash_id!r}") from None


def hash_digest(hash_id: int, data: bytes) -> bytes:
    """Plain (non-HMAC) hash: md5/sha1/sha256/sha384/sha512."""
    return hashlib.new(_hash_name(hash_id), bytes(data)).digest()


def prf(hash_id: int, key: bytes, data: bytes) -> bytes:
    """The IKEv1 prf: HMAC with the negotiated hash."""
    return hmac.new(bytes(key), bytes(data), _hash_name(hash_id)).digest()


def digest_size(hash_id: int) -> int:
    _hash_name(hash_id)
    return _DIGEST_SIZES[int(hash_id)]


# ---------------------------------------------------------------------------------------------------------------------
# Ciphers
# ---------------------------------------------------------------------------------------------------------------------


class CipherSpec(NamedTuple):
    encryption: int
    key_length: int | None  # None for DES/3DES, 128/192/256 for AES
    name: str  # "des", "3des", "aes", "aes-192", "aes-256"
    key_size: int  # bytes: 8, 24, 16, 24, 32
    block_size: int  # 8 or 16


_SPECS: dict[tuple[int, int | None], CipherSpec] = {
    (Encryption.DES_CBC, None): CipherSpec(Encryption.DES_CBC, None, "des", 8, 8),
    (Encryption.TRIPLE_DES_CBC, None): CipherSpec(Encryption.TRIPLE_DES_CBC, None, "3des", 24, 8),
    (Encryption.AES_CBC, 128): CipherSpec(Encryption.AES_CBC, 128, "aes", 16, 16),
    (Encryption.AES_CBC, 192): CipherSpec(Encryption.AES_CBC, 192, "aes-192", 24, 16),
    (Encryption.AES_CBC, 256): CipherSpec(Encryption.AES_CBC, 256, "aes-256", 32, 16),
}


def cipher_spec(encryption: int, key_length: int | None) -> CipherSpec:
    """Spec for an (encryption, key-length attribute) pair; ``ValueError`` if unsupported.

    DES/3DES take no key length (``None``); AES requires 128, 192 or 256.
    """
    try:
        key = (int(encryption), None if key_length is None else int(key_length))
        return _SPECS[key]
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"unsupported cipher: encryption={encryption!r} key_length={key_length!r}") from None


def _cipher(spec: CipherSpec, key: bytes, iv: bytes) -> Cipher:
    key = bytes(key)
    iv = bytes(iv)
    if len(key) != spec.key_size:
        raise ValueError(f"{spec.name} key must be {spec.key_size} bytes, got {len(key)}")
    if len(iv) != spec.block_size:
        raise ValueError(f"{spec.name} IV must be {spec.block_size} bytes, got {len(iv)}")
    if spec.encryption == Encryption.AES_CBC:
        algorithm = algorithms.AES(key)
    elif spec.encryption == Encryption.DES_CBC:
        algorithm = TripleDES(key * 3)  # K1=K2=K3: identical to single DES
    elif spec.encryption == Encryption.TRIPLE_DES_CBC:
        algorithm = TripleDES(key)
    else:  # pragma: no cover - CipherSpec only comes from cipher_spec()
        raise ValueError(f"unsupported cipher {spec!r}")
    return Cipher(algorithm, modes.CBC(iv))


def encrypt(spec: CipherSpec, key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """CBC-encrypt after zero-padding to a block multiple (RFC 2409 App. B).

    An empty plaintext is padded to one full block, so the ciphertext is never empty.
    """
    data = bytes(plaintext)
    bs = spec.block_size
    pad = (-len(data)) % bs if data else bs
    data += b"\x00" * pad
    enc = _cipher(spec, key, iv).encryptor()
    return enc.update(data) + enc.finalize()


def decrypt(spec: CipherSpec, key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """CBC-decrypt; returns the plaintext including any padding. ``ValueError`` on empty / non-block-multiple input."""
    data = bytes(ciphertext)
    if len(data) == 0 or len(data) % spec.block_size:
        raise ValueError(f"{spec.name} ciphertext length {len(data)} is not a positive multiple of {spec.block_size}")
    dec = _cipher(spec, key, iv).decryptor()
    return dec.update(data) + dec.finalize()


def last_block(spec: CipherSpec, ciphertext: bytes) -> bytes:
    """Last ciphertext block: the IV for the next phase-1 message (CBC chaining MM5 -> MM6 -> ...)."""
    data = bytes(ciphertext)
    if len(data) == 0 or len(data) % spec.block_size:
        raise ValueError(f"{spec.name} ciphertext length {len(data)} is not a positive multiple of {spec.block_size}")
    return data[-spec.block_size :]


# ---------------------------------------------------------------------------------------------------------------------
# Phase-1 key material and authentication hashes
# ---------------------------------------------------------------------------------------------------------------------


class Phase1Keys(NamedTuple):
    skeyid: bytes
    skeyid_d: bytes
    skeyid_a: bytes
    skeyid_e: bytes
    enc_key: bytes  # the cipher key actually used (after RFC 2409 appendix B expansion/truncation)
    iv: bytes  # IV0 for MM5 = hash(g^xi | g^xr) truncated to block size


def expand_key(hash_id: int, skeyid_e: bytes, key_size: int) -> bytes:
    """RFC 2409 App. B: leading bytes of SKEYID_e, or ``K1 = prf(SKEYID_e, 0x00)``, ``Kn = prf(SKEYID_e, K(n-1))``."""
    if key_size <= 0:
        raise ValueError("key_size must be positive")
    skeyid_e = bytes(skeyid_e)
    if len(skeyid_e) >= key_size:
        return skeyid_e[:key_size]
    block = prf(hash_id, skeyid_e, b"\x00")
    out = block
    while len(out) < key_size:
        block = prf(hash_id, skeyid_e, block)
        out += block
    return out[:key_size]


def initial_iv(hash_id: int, g_xi: bytes, g_xr: bytes, block_size: int) -> bytes:
    """IV for the first encrypted phase-1 message: plain ``hash(g^xi | g^xr)`` truncated to the block size."""
    digest = hash_digest(hash_id, bytes(g_xi) + bytes(g_xr))
    if not 0 < block_size <= len(digest):
        raise ValueError(f"block size {block_size} out of range for a {len(digest)}-byte digest")
    return digest[:block_size]


def derive_phase1_keys(
    *,
    hash_id: int,
    encryption: int,
    key_length: int | None,
    psk: bytes,
    ni_b: bytes,
    nr_b: bytes,
    g_xy: bytes,
    cky_i: bytes,
    cky_r: bytes,
    g_xi: bytes,
    g_xr: bytes,
) -> Phase1Keys:
    """SKEYID (PSK), SKEYID_d/a/e, the cipher key and IV0 (RFC 2409 5 and App. B)."""
    spec = cipher_spec(encryption, key_length)
    tail = bytes(g_xy) + bytes(cky_i) + bytes(cky_r)
    skeyid = prf(hash_id, psk, bytes(ni_b) + bytes(nr_b))
    skeyid_d = prf(hash_id, skeyid, tail + b"\x00")
    skeyid_a = prf(hash_id, skeyid, skeyid_d + tail + b"\x01")
    skeyid_e = prf(hash_id, skeyid, skeyid_a + tail + b"\x02")
    return Phase1Keys(
        skeyid=skeyid,
        skeyid_d=skeyid_d,
        skeyid_a=skeyid_a,
        skeyid_e=skeyid_e,
        enc_key=expand_key(hash_id, skeyid_e, spec.key_size),
        iv=initial_iv(hash_id, g_xi, g_xr, spec.block_size),
    )


def hash_i(
    hash_id: int, skeyid: bytes, g_xi: bytes, g_xr: bytes, cky_i: bytes, cky_r: bytes, sai_b: bytes, idii_b: bytes
) -> bytes:
    """``HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)``."""
    return prf(hash_id, skeyid, b"".join(bytes(x) for x in (g_xi, g_xr, cky_i, cky_r, sai_b, idii_b)))


def hash_r(
    hash_id: int, skeyid: bytes, g_xi: bytes, g_xr: bytes, cky_i: bytes, cky_r: bytes, sai_b: bytes, idir_b: bytes
) -> bytes:
    """``HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)``.

    Arguments in the same order as :func:`hash_i`; the swap happens here.
    """
    return prf(hash_id, skeyid, b"".join(bytes(x) for x in (g_xr, g_xi, cky_r, cky_i, sai_b, idir_b)))
