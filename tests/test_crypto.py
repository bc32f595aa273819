"""Tests for sim.ike.crypto: MODP groups, DH, prf/hash, key derivation, CBC ciphers (ike-facts.md 1.7/1.8, App. A)."""

from __future__ import annotations

import hashlib
import hmac
import warnings

import gmpy2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.ike import crypto as c
from sim.ike.constants import Encryption, Hash

HYP = settings(database=None, deadline=None, max_examples=60)

HASH_NAMES = {
    Hash.MD5: "md5",
    Hash.SHA1: "sha1",
    Hash.SHA2_256: "sha256",
    Hash.SHA2_384: "sha384",
    Hash.SHA2_512: "sha512",
}
ALL_SPECS = [
    (Encryption.DES_CBC, None),
    (Encryption.TRIPLE_DES_CBC, None),
    (Encryption.AES_CBC, 128),
    (Encryption.AES_CBC, 192),
    (Encryption.AES_CBC, 256),
]


def det(label: str, n: int) -> bytes:
    """Deterministic pseudo-random bytes (no global random state)."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{label}/{i}".encode()).digest()
        i += 1
    return out[:n]


# ---------------------------------------------------------------------------------------------------------------------
# MODP primes, recomputed from pi
# ---------------------------------------------------------------------------------------------------------------------


def _arctan_inv(x: int, one: int) -> int:
    """one * arctan(1/x), each term truncated (error < 1 unit per term)."""
    total = 0
    power = one // x  # one / x^(2k+1)
    x2 = x * x
    k = 0
    while power:
        term = power // (2 * k + 1)
        total += -term if k % 2 else term
        power //= x2
        k += 1
    return total


def pi_fixed(frac_bits: int) -> int:
    """floor(pi * 2^frac_bits) by Machin's formula pi = 16 atan(1/5) - 4 atan(1/239), integers only."""
    guard = 64
    one = 1 << (frac_bits + guard)
    approx = 16 * _arctan_inv(5, one) - 4 * _arctan_inv(239, one)
    # total truncation error is a few thousand units at most; make sure flooring cannot be affected by it
    low = approx & ((1 << guard) - 1)
    assert 1 << 20 < low < (1 << guard) - (1 << 20)
    return approx >> guard


def test_pi_fixed_matches_known_hex_digits():
    # pi = 3.243F6A8885A308D313198A2E03707344A4093822299F31D0... (hex; also the Blowfish P-array)
    assert pi_fixed(4 * 31) == int("3243F6A8885A308D313198A2E03707344", 16) >> 4
    assert pi_fixed(4 * 48) == int("3243F6A8885A308D313198A2E03707344A4093822299F31D0", 16)


MODP_PARAMS = [(1, 768, 149686), (2, 1024, 129093), (5, 1536, 741804), (14, 2048, 124476)]


@pytest.mark.parametrize("number,bits,k", MODP_PARAMS)
def test_modp_prime_matches_pi_formula(number, bits, k):
    group = c.GROUPS[number]
    assert group.number == number and group.bits == bits and group.generator == 2
    assert group.length == bits // 8
    assert group.prime.bit_length() == bits
    # exact precision and extra precision give the same prime
    assert c.modp_prime(bits, k, pi_fixed(bits - 130)) == group.prime
    assert c.modp_prime(bits, k, pi_fixed(bits + 17)) == group.prime
    # the formula written out here as well (independent of modp_prime's shifting)
    p = 2**bits - 2 ** (bits - 64) - 1 + 2**64 * (pi_fixed(bits - 130) + k)
    assert p == group.prime
    # a wrong k gives a different number
    assert c.modp_prime(bits, k + 1, pi_fixed(bits - 130)) != group.prime


@pytest.mark.parametrize("number", sorted(c.GROUPS))
def test_modp_prime_is_safe_prime(number):
    p = c.GROUPS[number].prime
    assert p % 2 == 1 and p.bit_length() == c.GROUPS[number].bits
    assert gmpy2.is_prime(p, 16)
    assert gmpy2.is_prime((p - 1) // 2, 16)
    # top and bottom 64 bits are all ones (RFC 2409 construction)
    assert p >> (p.bit_length() - 64) == 2**64 - 1
    assert p & (2**64 - 1) == 2**64 - 1


def test_groups_keys_and_lengths():
    assert sorted(c.GROUPS) == [1, 2, 5, 14]
    assert [c.GROUPS[n].length for n in (1, 2, 5, 14)] == [96, 128, 192, 256]


def test_modp_prime_rejects_insufficient_pi_precision():
    with pytest.raises(ValueError):
        c.modp_prime(1024, 129093, pi_fixed(1024 - 131))
    with pytest.raises(ValueError):
        c.modp_prime(1024, 129093, 0)


# ---------------------------------------------------------------------------------------------------------------------
# Diffie-Hellman
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", sorted(c.GROUPS))
def test_dh_both_sides_agree(number):
    g = c.GROUPS[number]
    xa = c.dh_private(g, det(f"a{number}", 32))
    xb = c.dh_private(g, det(f"b{number}", 32))
    assert xa != xb
    ya, yb = c.dh_public(g, xa), c.dh_public(g, xb)
    assert len(ya) == len(yb) == g.length
    assert int.from_bytes(ya, "big") == pow(2, xa, g.prime)
    sa, sb = c.dh_shared(g, xa, yb), c.dh_shared(g, xb, ya)
    assert sa == sb
    assert len(sa) == g.length
    assert int.from_bytes(sa, "big") == pow(2, xa * xb, g.prime)
    assert isinstance(xa, int) and type(xa) is int


def test_dh_private_range_and_determinism():
    g = c.GROUPS[2]
    assert c.dh_private(g, b"\x00" * 32) == 2
    assert c.dh_private(g, det("x", 32)) == c.dh_private(g, det("x", 32))
    assert c.dh_private(g, det("x", 32)) != c.dh_private(g, det("y", 32))
    # a value that would be p-3 maps to the top of the range, p-2 itself wraps to the bottom
    assert c.dh_private(g, (g.prime - 4).to_bytes(g.length, "big")) == g.prime - 2
    assert c.dh_private(g, (g.prime - 3).to_bytes(g.length, "big")) == 2
    with pytest.raises(ValueError):
        c.dh_private(g, b"")


@HYP
@given(st.sampled_from(sorted(c.GROUPS)), st.binary(min_size=1, max_size=300))
def test_dh_private_always_in_range(number, rnd):
    g = c.GROUPS[number]
    x = c.dh_private(g, rnd)
    assert 2 <= x <= g.prime - 2


def test_dh_padding_of_small_values():
    for g in c.GROUPS.values():
        assert c.dh_public(g, 1) == b"\x00" * (g.length - 1) + b"\x02"
        assert c.dh_public(g, 10) == b"\x00" * (g.length - 2) + b"\x04\x00"
        two = (2).to_bytes(g.length, "big")
        assert c.dh_shared(g, 3, two) == (8).to_bytes(g.length, "big")


def test_dh_padding_of_natural_leading_zero():
    g = c.GROUPS[1]
    limit = 1 << (8 * (g.length - 1))
    x = next(x for x in range(1000, 100000) if pow(2, x, g.prime) < limit)
    y = c.dh_public(g, x)
    assert len(y) == g.length and y[0] == 0
    assert int.from_bytes(y, "big") == pow(2, x, g.prime)
    # and a shared secret with a leading zero is padded too
    peer = c.dh_public(g, c.dh_private(g, det("peer", 32)))
    peer_int = int.from_bytes(peer, "big")
    x2 = next(x for x in range(2, 100000) if pow(peer_int, x, g.prime) < limit)
    s = c.dh_shared(g, x2, peer)
    assert len(s) == g.length and s[0] == 0


@pytest.mark.parametrize("number", sorted(c.GROUPS))
def test_dh_shared_rejects_bad_peer_values(number):
    g = c.GROUPS[number]
    p, n = g.prime, g.length
    x = c.dh_private(g, det("bad", 32))
    good = c.dh_public(g, c.dh_private(g, det("good", 32)))
    bad = [
        b"",
        good[:-1],
        good + b"\x00",
        b"\x00" + good,
        (0).to_bytes(n, "big"),
        (1).to_bytes(n, "big"),
        (p - 1).to_bytes(n, "big"),
        (p).to_bytes(n, "big"),
        (p + 1).to_bytes(n, "big"),
        b"\xff" * n,
        det("garbage", 7),
        det("garbage", n + 3),
    ]
    for value in bad:
        with pytest.raises(ValueError):
            c.dh_shared(g, x, value)
    # boundary values that are allowed
    assert len(c.dh_shared(g, x, (2).to_bytes(n, "big"))) == n
    assert len(c.dh_shared(g, x, (p - 2).to_bytes(n, "big"))) == n


@HYP
@given(st.sampled_from(sorted(c.GROUPS)), st.data())
def test_dh_shared_garbage_gives_valueerror_or_valid_result(number, data):
    g = c.GROUPS[number]
    value = data.draw(st.one_of(st.binary(max_size=300), st.binary(min_size=g.length, max_size=g.length)))
    x = c.dh_private(g, det("hyp", 32))
    try:
        out = c.dh_shared(g, x, value)
    except ValueError:
        y = int.from_bytes(value, "big")
        assert len(value) != g.length or not 2 <= y <= g.prime - 2
    else:
        assert len(out) == g.length
        assert int.from_bytes(out, "big") == pow(int.from_bytes(value, "big"), x, g.prime)


# ---------------------------------------------------------------------------------------------------------------------
# Hash / prf known answers
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hash_id,key,data,expected",
    [
        # RFC 2202 HMAC-MD5 test cases 1-3
        (Hash.MD5, b"\x0b" * 16, b"Hi There", "9294727a3638bb1c13f48ef8158bfc9d"),
        (Hash.MD5, b"Jefe", b"what do ya want for nothing?", "750c783e6ab0b503eaa86e310a5db738"),
        (Hash.MD5, b"\xaa" * 16, b"\xdd" * 50, "56be34521d144c88dbb8c733f0e8b3f6"),
        # RFC 2202 HMAC-SHA1 test cases 1-3
        (Hash.SHA1, b"\x0b" * 20, b"Hi There", "b617318655057264e28bc0b6fb378c8ef146be00"),
        (Hash.SHA1, b"Jefe", b"what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        (Hash.SHA1, b"\xaa" * 20, b"\xdd" * 50, "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
        # RFC 4231 test case 2
        (
            Hash.SHA2_256,
            b"Jefe",
            b"what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (
            Hash.SHA2_384,
            b"Jefe",
            b"what do ya want for nothing?",
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
        ),
        (
            Hash.SHA2_512,
            b"Jefe",
            b"what do ya want for nothing?",
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdca"
            "eab1a34d4a6b4b636e070a38bce737",
        ),
    ],
)
def test_prf_known_answers(hash_id, key, data, expected):
    assert c.prf(hash_id, key, data).hex() == expected
    assert c.prf(int(hash_id), key, data).hex() == expected


@pytest.mark.parametrize(
    "hash_id,expected",
    [
        (Hash.MD5, "900150983cd24fb0d6963f7d28e17f72"),
        (Hash.SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (Hash.SHA2_256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ],
)
def test_hash_digest_known_answers(hash_id, expected):
    assert c.hash_digest(hash_id, b"abc").hex() == expected


def test_digest_sizes_and_unknown_hash():
    assert [c.digest_size(h) for h in (1, 2, 4, 5, 6)] == [16, 20, 32, 48, 64]
    for h in HASH_NAMES:
        assert len(c.hash_digest(h, b"x")) == c.digest_size(h) == len(c.prf(h, b"k", b"x"))
        assert c.hash_digest(h, b"x") == hashlib.new(HASH_NAMES[h], b"x").digest()
    for bad in (0, 3, 7, 99):
        with pytest.raises(ValueError):
            c.digest_size(bad)
        with pytest.raises(ValueError):
            c.prf(bad, b"k", b"d")
        with pytest.raises(ValueError):
            c.hash_digest(bad, b"d")


# ---------------------------------------------------------------------------------------------------------------------
# Cipher specs and known-answer vectors
# ---------------------------------------------------------------------------------------------------------------------


def test_cipher_specs():
    table = {
        (1, None): ("des", 8, 8),
        (5, None): ("3des", 24, 8),
        (7, 128): ("aes", 16, 16),
        (7, 192): ("aes-192", 24, 16),
        (7, 256): ("aes-256", 32, 16),
    }
    for (enc, kl), (name, ks, bs) in table.items():
        spec = c.cipher_spec(enc, kl)
        assert (spec.encryption, spec.key_length, spec.name, spec.key_size, spec.block_size) == (enc, kl, name, ks, bs)
    for enc, kl in [(7, None), (7, 64), (7, 512), (1, 64), (5, 192), (3, None), (0, None), (2, None)]:
        with pytest.raises(ValueError):
            c.cipher_spec(enc, kl)


# NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt)
SP800_38A_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
SP800_38A_IV = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
SP800_38A_PT = bytes.fromhex(
    "6bc1bee22e409f96e93d7e117393172a"
    "ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef"
    "f69f2445df4f9b17ad2b417be66c3710"
)
SP800_38A_CT = bytes.fromhex(
    "7649abac8119b246cee98e9b12e9197d"
    "5086cb9b507219ee95db113a917678b2"
    "73bed6b8e3c1743b7116e69e22229516"
    "3ff1caa1681fac09120eca307586e1a7"
)


def test_aes128_cbc_sp800_38a():
    spec = c.cipher_spec(Encryption.AES_CBC, 128)
    assert c.encrypt(spec, SP800_38A_KEY, SP800_38A_IV, SP800_38A_PT) == SP800_38A_CT
    assert c.decrypt(spec, SP800_38A_KEY, SP800_38A_IV, SP800_38A_CT) == SP800_38A_PT
    assert c.last_block(spec, SP800_38A_CT) == SP800_38A_CT[-16:]


@pytest.mark.parametrize(
    "key_length,key,first_block",
    [
        # SP 800-38A F.2.3 (CBC-AES192) and F.2.5 (CBC-AES256), first ciphertext block
        (192, "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "4f021db243bc633d7178183a9fa071e8"),
        (
            256,
            "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
            "f58c4c04d6e5f1ba779eabfb5f7bfbd6",
        ),
    ],
)
def test_aes192_256_cbc_sp800_38a_first_block(key_length, key, first_block):
    spec = c.cipher_spec(Encryption.AES_CBC, key_length)
    ct = c.encrypt(spec, bytes.fromhex(key), SP800_38A_IV, SP800_38A_PT[:16])
    assert ct.hex() == first_block


def test_des_known_answer():
    spec = c.cipher_spec(Encryption.DES_CBC, None)
    # classic DES example: K=133457799BBCDFF1, P=0123456789ABCDEF -> C=85E813540F0AB405 (one block, zero IV = ECB)
    key = bytes.fromhex("133457799BBCDFF1")
    ct = c.encrypt(spec, key, bytes(8), bytes.fromhex("0123456789ABCDEF"))
    assert ct.hex() == "85e813540f0ab405"
    assert c.decrypt(spec, key, bytes(8), ct) == bytes.fromhex("0123456789ABCDEF")
    # NIST SP 800-17 variable-plaintext KAT, first entry: K=0101010101010101, P=8000000000000000
    assert c.encrypt(spec, b"\x01" * 8, bytes(8), bytes.fromhex("8000000000000000")).hex() == "95f8a5e5dd31d900"


def test_3des_known_answer_sp800_67():
    # NIST SP 800-67 example: three distinct keys, "The qufck brown fox jump" (ECB per block = CBC with zero IV)
    spec = c.cipher_spec(Encryption.TRIPLE_DES_CBC, None)
    key = bytes.fromhex("0123456789ABCDEF" "23456789ABCDEF01" "456789ABCDEF0123")
    pt = b"The qufck brown fox jump"
    expected = ["a826fd8ce53b855f", "cce21c8112256fe6", "68d5c05dd9b6b900"]
    for i, exp in enumerate(expected):
        assert c.encrypt(spec, key, bytes(8), pt[8 * i : 8 * i + 8]).hex() == exp
    # CBC over the whole message: block i is E(P_i xor C_(i-1))
    ct = c.encrypt(spec, key, bytes(8), pt)
    assert ct[:8].hex() == expected[0]
    prev = bytes(8)
    for i in range(3):
        block = bytes(a ^ b for a, b in zip(pt[8 * i : 8 * i + 8], prev))
        assert ct[8 * i : 8 * i + 8] == c.encrypt(spec, key, bytes(8), block)
        prev = ct[8 * i : 8 * i + 8]
    assert c.decrypt(spec, key, bytes(8), ct) == pt


def test_des_equals_3des_with_repeated_key_and_no_warning():
    des = c.cipher_spec(Encryption.DES_CBC, None)
    tdes = c.cipher_spec(Encryption.TRIPLE_DES_CBC, None)
    key, iv, pt = det("k", 8), det("iv", 8), det("pt", 40)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ct = c.encrypt(des, key, iv, pt)
        assert c.decrypt(des, key, iv, ct) == pt
        c.encrypt(tdes, key * 3, iv, pt)
    assert caught == []
    assert ct == c.encrypt(tdes, key * 3, iv, pt)


# ---------------------------------------------------------------------------------------------------------------------
# Encrypt / decrypt properties
# ---------------------------------------------------------------------------------------------------------------------


@HYP
@given(st.sampled_from(ALL_SPECS), st.binary(max_size=200), st.data())
def test_encrypt_decrypt_round_trip(enc_kl, plaintext, data):
    spec = c.cipher_spec(*enc_kl)
    key = data.draw(st.binary(min_size=spec.key_size, max_size=spec.key_size))
    iv = data.draw(st.binary(min_size=spec.block_size, max_size=spec.block_size))
    ct = c.encrypt(spec, key, iv, plaintext)
    assert len(ct) % spec.block_size == 0 and len(ct) >= max(len(plaintext), 1)
    assert len(ct) - len(plaintext) < spec.block_size or plaintext == b""
    out = c.decrypt(spec, key, iv, ct)
    assert len(out) == len(ct)
    assert out[: len(plaintext)] == plaintext
    assert out[len(plaintext) :] == b"\x00" * (len(ct) - len(plaintext))  # RFC 2409 zero padding
    # wrong key (flip a non-parity bit, DES ignores the low bit of each byte)
    wrong = bytes([key[0] ^ 0x80]) + key[1:]
    assert c.decrypt(spec, wrong, iv, ct) != out
    assert c.last_block(spec, ct) == ct[-spec.block_size :]


@pytest.mark.parametrize("enc_kl", ALL_SPECS)
def test_wrong_key_does_not_give_plaintext(enc_kl):
    spec = c.cipher_spec(*enc_kl)
    key, iv = det("right", spec.key_size), det("iv", spec.block_size)
    pt = det("payload", 5 * spec.block_size)
    ct = c.encrypt(spec, key, iv, pt)
    assert ct != pt
    for other in (det("wrong", spec.key_size), bytes([key[0] ^ 0x02]) + key[1:]):
        garbage = c.decrypt(spec, other, iv, ct)
        assert len(garbage) == len(ct)
        assert garbage != pt


@pytest.mark.parametrize("enc_kl", ALL_SPECS)
def test_padding_exact_lengths(enc_kl):
    spec = c.cipher_spec(*enc_kl)
    key, iv = det("k", spec.key_size), det("iv", spec.block_size)
    bs = spec.block_size
    assert len(c.encrypt(spec, key, iv, b"")) == bs
    assert len(c.encrypt(spec, key, iv, b"a")) == bs
    assert len(c.encrypt(spec, key, iv, b"a" * bs)) == bs
    assert len(c.encrypt(spec, key, iv, b"a" * (bs + 1))) == 2 * bs
    # zero padding is explicit: encrypting P equals encrypting P|zeros
    assert c.encrypt(spec, key, iv, b"abc") == c.encrypt(spec, key, iv, b"abc" + b"\x00" * (bs - 3))


@pytest.mark.parametrize("enc_kl", ALL_SPECS)
def test_cbc_chaining_with_last_block(enc_kl):
    spec = c.cipher_spec(*enc_kl)
    bs = spec.block_size
    key, iv = det("k", spec.key_size), det("iv0", bs)
    mm5, mm6 = det("mm5", 3 * bs), det("mm6", 2 * bs)
    c5 = c.encrypt(spec, key, iv, mm5)
    iv6 = c.last_block(spec, c5)
    assert iv6 == c5[-bs:]
    c6 = c.encrypt(spec, key, iv6, mm6)
    # chaining across messages is the same as one CBC stream
    assert c5 + c6 == c.encrypt(spec, key, iv, mm5 + mm6)
    assert c.decrypt(spec, key, iv6, c6) == mm6


@pytest.mark.parametrize("enc_kl", ALL_SPECS)
def test_cipher_input_validation(enc_kl):
    spec = c.cipher_spec(*enc_kl)
    bs, ks = spec.block_size, spec.key_size
    key, iv = det("k", ks), det("iv", bs)
    for bad_ct in (b"", b"\x00" * (bs - 1), b"\x00" * (bs + 1), b"\x00" * (3 * bs - 5)):
        with pytest.raises(ValueError):
            c.decrypt(spec, key, iv, bad_ct)
        with pytest.raises(ValueError):
            c.last_block(spec, bad_ct)
    with pytest.raises(ValueError):
        c.encrypt(spec, key[:-1], iv, b"x")
    with pytest.raises(ValueError):
        c.encrypt(spec, key + b"\x00", iv, b"x")
    with pytest.raises(ValueError):
        c.encrypt(spec, key, iv[:-1], b"x")
    with pytest.raises(ValueError):
        c.decrypt(spec, key, iv + b"\x00", b"\x00" * bs)


# ---------------------------------------------------------------------------------------------------------------------
# Key expansion and phase-1 derivation, against a test-side reimplementation of RFC 2409
# ---------------------------------------------------------------------------------------------------------------------


def ref_prf(hash_id: int, key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, HASH_NAMES[hash_id]).digest()


def ref_expand(hash_id: int, skeyid_e: bytes, key_size: int) -> bytes:
    """RFC 2409 appendix B, written out: Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, K(n-1))."""
    if len(skeyid_e) >= key_size:
        return skeyid_e[:key_size]
    blocks = [ref_prf(hash_id, skeyid_e, bytes([0]))]
    while sum(map(len, blocks)) < key_size:
        blocks.append(ref_prf(hash_id, skeyid_e, blocks[-1]))
    return b"".join(blocks)[:key_size]


@pytest.mark.parametrize(
    "hash_id,enc_kl,expands",
    [
        (Hash.SHA1, (Encryption.TRIPLE_DES_CBC, None), True),  # 20 -> 24
        (Hash.MD5, (Encryption.TRIPLE_DES_CBC, None), True),  # 16 -> 24
        (Hash.MD5, (Encryption.AES_CBC, 256), True),  # 16 -> 32 (exactly K1|K2)
        (Hash.SHA1, (Encryption.AES_CBC, 256), True),  # 20 -> 32
        (Hash.SHA1, (Encryption.AES_CBC, 128), False),  # truncation only
        (Hash.SHA2_512, (Encryption.TRIPLE_DES_CBC, None), False),  # truncation only
        (Hash.SHA2_256, (Encryption.AES_CBC, 256), False),  # exactly equal length
        (Hash.MD5, (Encryption.DES_CBC, None), False),
    ],
)
def test_expand_key_against_rfc_text(hash_id, enc_kl, expands):
    spec = c.cipher_spec(*enc_kl)
    skeyid_e = ref_prf(hash_id, b"skeyid", b"some input")
    got = c.expand_key(hash_id, skeyid_e, spec.key_size)
    assert len(got) == spec.key_size
    assert got == ref_expand(hash_id, skeyid_e, spec.key_size)
    if expands:
        k1 = hmac.new(skeyid_e, b"\x00", HASH_NAMES[hash_id]).digest()
        k2 = hmac.new(skeyid_e, k1, HASH_NAMES[hash_id]).digest()
        assert got == (k1 + k2)[: spec.key_size]
        assert not got.startswith(skeyid_e)  # SKEYID_e itself is not part of Ka
    else:
        assert got == skeyid_e[: spec.key_size]


def test_expand_key_long_expansion():
    skeyid_e = b"\x42" * 16
    got = c.expand_key(Hash.MD5, skeyid_e, 100)
    assert got == ref_expand(Hash.MD5, skeyid_e, 100)
    with pytest.raises(ValueError):
        c.expand_key(Hash.MD5, skeyid_e, 0)


COMBOS = [(h, e) for h in HASH_NAMES for e in ALL_SPECS]


@pytest.mark.parametrize("hash_id,enc_kl", COMBOS)
def test_derive_phase1_keys_against_rfc_text(hash_id, enc_kl):
    g = c.GROUPS[2]
    xi, xr = c.dh_private(g, det("xi", 32)), c.dh_private(g, det("xr", 32))
    g_xi, g_xr = c.dh_public(g, xi), c.dh_public(g, xr)
    g_xy = c.dh_shared(g, xi, g_xr)
    psk, ni_b, nr_b = b"cisco123", det("ni", 20), det("nr", 32)
    cky_i, cky_r = det("ckyi", 8), det("ckyr", 8)
    keys = c.derive_phase1_keys(
        hash_id=hash_id,
        encryption=enc_kl[0],
        key_length=enc_kl[1],
        psk=psk,
        ni_b=ni_b,
        nr_b=nr_b,
        g_xy=g_xy,
        cky_i=cky_i,
        cky_r=cky_r,
        g_xi=g_xi,
        g_xr=g_xr,
    )
    # RFC 2409 section 5 (pre-shared key)
    skeyid = ref_prf(hash_id, psk, ni_b + nr_b)
    skeyid_d = ref_prf(hash_id, skeyid, g_xy + cky_i + cky_r + b"\x00")
    skeyid_a = ref_prf(hash_id, skeyid, skeyid_d + g_xy + cky_i + cky_r + b"\x01")
    skeyid_e = ref_prf(hash_id, skeyid, skeyid_a + g_xy + cky_i + cky_r + b"\x02")
    spec = c.cipher_spec(*enc_kl)
    assert keys.skeyid == skeyid
    assert keys.skeyid_d == skeyid_d
    assert keys.skeyid_a == skeyid_a
    assert keys.skeyid_e == skeyid_e
    assert keys.enc_key == ref_expand(hash_id, skeyid_e, spec.key_size)
    assert len(keys.enc_key) == spec.key_size
    assert keys.iv == hashlib.new(HASH_NAMES[hash_id], g_xi + g_xr).digest()[: spec.block_size]
    assert keys.iv == c.initial_iv(hash_id, g_xi, g_xr, spec.block_size)
    # the responder computes the same keys from its side of the exchange
    g_xy_r = c.dh_shared(g, xr, g_xi)
    keys_r = c.derive_phase1_keys(
        hash_id=hash_id,
        encryption=enc_kl[0],
        key_length=enc_kl[1],
        psk=psk,
        ni_b=ni_b,
        nr_b=nr_b,
        g_xy=g_xy_r,
        cky_i=cky_i,
        cky_r=cky_r,
        g_xi=g_xi,
        g_xr=g_xr,
    )
    assert keys_r == keys


def test_psk_mismatch_changes_every_key_but_not_iv():
    common = dict(
        hash_id=Hash.SHA1,
        encryption=Encryption.TRIPLE_DES_CBC,
        key_length=None,
        ni_b=det("ni", 16),
        nr_b=det("nr", 16),
        g_xy=det("gxy", 128),
        cky_i=det("ci", 8),
        cky_r=det("cr", 8),
        g_xi=det("gxi", 128),
        g_xr=det("gxr", 128),
    )
    a = c.derive_phase1_keys(psk=b"secret-a", **common)
    b = c.derive_phase1_keys(psk=b"secret-b", **common)
    for field in ("skeyid", "skeyid_d", "skeyid_a", "skeyid_e", "enc_key"):
        assert getattr(a, field) != getattr(b, field)
    assert a.iv == b.iv  # IV0 depends only on the public values


def test_derive_phase1_keys_rejects_unsupported_cipher():
    with pytest.raises(ValueError):
        c.derive_phase1_keys(
            hash_id=Hash.SHA1,
            encryption=Encryption.AES_CBC,
            key_length=100,
            psk=b"k",
            ni_b=b"n",
            nr_b=b"n",
            g_xy=b"g",
            cky_i=bytes(8),
            cky_r=bytes(8),
            g_xi=b"a",
            g_xr=b"b",
        )


def test_initial_iv():
    g_xi, g_xr = det("gxi", 128), det("gxr", 128)
    assert c.initial_iv(Hash.MD5, g_xi, g_xr, 8) == hashlib.md5(g_xi + g_xr).digest()[:8]
    assert c.initial_iv(Hash.SHA1, g_xi, g_xr, 16) == hashlib.sha1(g_xi + g_xr).digest()[:16]
    assert c.initial_iv(Hash.SHA1, g_xi, g_xr, 16) != c.initial_iv(Hash.SHA1, g_xr, g_xi, 16)


@pytest.mark.parametrize("hash_id", list(HASH_NAMES))
def test_hash_i_and_hash_r(hash_id):
    skeyid = det("skeyid", c.digest_size(hash_id))
    g_xi, g_xr = det("gxi", 128), det("gxr", 128)
    cky_i, cky_r = det("ci", 8), det("cr", 8)
    sai_b = det("sa", 48)
    idii_b = bytes([1, 17, 1, 244]) + bytes([10, 0, 0, 1])  # ID_IPV4_ADDR, UDP/500
    idir_b = bytes([1, 17, 1, 244]) + bytes([10, 0, 0, 2])
    hi = c.hash_i(hash_id, skeyid, g_xi, g_xr, cky_i, cky_r, sai_b, idii_b)
    hr = c.hash_r(hash_id, skeyid, g_xi, g_xr, cky_i, cky_r, sai_b, idir_b)
    assert hi == ref_prf(hash_id, skeyid, g_xi + g_xr + cky_i + cky_r + sai_b + idii_b)
    assert hr == ref_prf(hash_id, skeyid, g_xr + g_xi + cky_r + cky_i + sai_b + idir_b)
    assert hi != hr
    # even with the same ID body the swap makes HASH_R differ from HASH_I
    assert c.hash_r(hash_id, skeyid, g_xi, g_xr, cky_i, cky_r, sai_b, idii_b) != hi
    assert len(hi) == len(hr) == c.digest_size(hash_id)
