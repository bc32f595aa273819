"""ASA configuration parsing (sim.platforms.asa.config)."""

from __future__ import annotations

import dataclasses

import pytest

from sim.errors import InputError
from sim.ike.config import IkeConfig, PeerKey, Retransmit
from sim.ike.constants import Auth, Encryption, Hash
from sim.platforms.asa import POLICY_DEFAULTS, AsaConfig, TunnelGroup, parse_asa_config

FULL = """\
: Saved
:
ASA Version 9.8(4)
!
hostname ASA-LAB1
names
name 10.2.2.0 LAB2-NET
!
interface GigabitEthernet0/0
 nameif outside
 security-level 0
 ip address 50.57.228.150 255.255.255.0
!
interface GigabitEthernet0/1
 nameif inside
 security-level 100
 ip address 10.1.1.1 255.255.255.0
!
object network LAB1-LAN
 subnet 10.1.1.0 255.255.255.0
access-list LAB1-TO-LAB2 extended permit ip 10.1.1.0 255.255.255.0 10.2.2.0 255.255.255.0
nat (inside,outside) source static LAB1-LAN LAB1-LAN
route outside 0.0.0.0 0.0.0.0 50.57.228.1 1
crypto ipsec ikev1 transform-set TS esp-aes-256 esp-sha-hmac
crypto map outside_map 10 match address LAB1-TO-LAB2
crypto map outside_map 10 set peer 50.56.229.98
crypto map outside_map 10 set ikev1 transform-set TS
crypto map outside_map interface outside
crypto ikev2 enable outside
crypto isakmp identity address
crypto ikev1 enable outside
crypto ikev1 policy 10
 authentication pre-share
 encryption aes-256
 hash sha
 group 14
 lifetime 86400
crypto isakmp nat-traversal 30
tunnel-group 50.56.229.98 type ipsec-l2l
tunnel-group 50.56.229.98 general-attributes
 default-group-policy GP-LAB2
tunnel-group 50.56.229.98 ipsec-attributes
 ikev1 pre-shared-key Vpn-Lab-Key1
 isakmp keepalive threshold 10 retry 2
 peer-id-validate nocheck
 ikev2 remote-authentication pre-shared-key other
group-policy GP-LAB2 internal
group-policy GP-LAB2 attributes
 vpn-tunnel-protocol ikev1
no pager
: end
"""


def error_of(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse_asa_config(text)
    assert info.value.field == "config"
    return info.value


def policy_block(*lines: str, header: str = "crypto ikev1 policy 10") -> str:
    return "\n".join([header, *(" " + line for line in lines)]) + "\n"


# ----------------------------------------------------------------------------------------------------------------
# a complete configuration


def test_full_config():
    cfg = parse_asa_config(FULL)
    assert cfg.hostname == "ASA-LAB1"
    assert cfg.ikev1_interfaces == frozenset({"outside"})
    expected = dataclasses.replace(
        POLICY_DEFAULTS, encryption=Encryption.AES_CBC, key_length=256, hash=Hash.SHA1, group=14, priority=10
    )
    assert cfg.policies == (expected,)
    assert cfg.policies[0].cipher_name == "aes-256"
    assert cfg.nat_traversal == 30
    group = cfg.tunnel_groups["50.56.229.98"]
    assert group == TunnelGroup("50.56.229.98", "ipsec-l2l", "Vpn-Lab-Key1", FULL.splitlines().index(
        "tunnel-group 50.56.229.98 type ipsec-l2l") + 1)


def test_empty_config():
    cfg = parse_asa_config("")
    assert cfg == AsaConfig()
    assert cfg.hostname is None
    assert cfg.ikev1_interfaces == frozenset()
    assert cfg.policies == ()
    assert cfg.nat_traversal == 20  # NAT-T is on by default (9.x), keepalive 20 s
    assert set(cfg.tunnel_groups) == {"DefaultL2LGroup", "DefaultRAGroup"}


# ----------------------------------------------------------------------------------------------------------------
# policies: every keyword, defaults, ordering


def test_policy_defaults_constant():
    assert POLICY_DEFAULTS.encryption == Encryption.TRIPLE_DES_CBC
    assert POLICY_DEFAULTS.key_length is None
    assert POLICY_DEFAULTS.hash == Hash.SHA1
    assert POLICY_DEFAULTS.group == 2
    assert POLICY_DEFAULTS.lifetime == 86400
    assert POLICY_DEFAULTS.auth == Auth.PRE_SHARED_KEY


def test_empty_policy_block_gets_all_defaults():
    (policy,) = parse_asa_config("crypto ikev1 policy 7\n").policies
    assert policy == dataclasses.replace(POLICY_DEFAULTS, priority=7)
    assert (policy.cipher_name, policy.hash_name, policy.auth_name, policy.group, policy.lifetime) == (
        "3des", "sha", "pre-share", 2, 86400)


@pytest.mark.parametrize(
    "keyword, expected",
    [
        ("des", (Encryption.DES_CBC, None)),
        ("3des", (Encryption.TRIPLE_DES_CBC, None)),
        ("aes", (Encryption.AES_CBC, 128)),
        ("aes-192", (Encryption.AES_CBC, 192)),
        ("aes-256", (Encryption.AES_CBC, 256)),
        ("AES-256", (Encryption.AES_CBC, 256)),
    ],
)
def test_encryption(keyword, expected):
    (policy,) = parse_asa_config(policy_block(f"encryption {keyword}")).policies
    assert (policy.encryption, policy.key_length) == expected
    assert policy.hash == POLICY_DEFAULTS.hash and policy.group == POLICY_DEFAULTS.group


@pytest.mark.parametrize("keyword, expected", [("sha", Hash.SHA1), ("md5", Hash.MD5)])
def test_hash(keyword, expected):
    (policy,) = parse_asa_config(policy_block(f"hash {keyword}")).policies
    assert policy.hash == expected


@pytest.mark.parametrize("keyword, expected", [("pre-share", Auth.PRE_SHARED_KEY), ("rsa-sig", Auth.RSA_SIG)])
def test_authentication(keyword, expected):
    (policy,) = parse_asa_config(policy_block(f"authentication {keyword}")).policies
    assert policy.auth == expected


@pytest.mark.parametrize("group", [1, 2, 5, 14])
def test_group(group):
    (policy,) = parse_asa_config(policy_block(f"group {group}")).policies
    assert policy.group == group


@pytest.mark.parametrize("seconds", [120, 3600, 86400, 2147483647])
def test_lifetime(seconds):
    (policy,) = parse_asa_config(policy_block(f"lifetime {seconds}")).policies
    assert policy.lifetime == seconds


def test_policies_sorted_by_priority_and_bounds():
    text = policy_block("hash md5", header="crypto ikev1 policy 65535") + policy_block(
        "group 5", header="crypto ikev1 policy 1") + policy_block("group 14", header="crypto ikev1 policy 20")
    cfg = parse_asa_config(text)
    assert [p.priority for p in cfg.policies] == [1, 20, 65535]
    assert [p.group for p in cfg.policies] == [5, 14, 2]
    assert cfg.policies[2].hash == Hash.MD5


def test_reentering_a_policy_block_modifies_it():
    text = policy_block("encryption aes", "group 5") + "crypto ikev1 enable outside\n" + policy_block("group 14")
    (policy,) = parse_asa_config(text).policies
    assert (policy.cipher_name, policy.group) == ("aes", 14)


def test_keywords_are_case_insensitive_and_tabs_indent():
    text = "CRYPTO IKEV1 POLICY 10\n\tENCRYPTION AES-192\n\tHash MD5\nCrypto Ikev1 Enable outside\n"
    cfg = parse_asa_config(text)
    assert cfg.policies[0].cipher_name == "aes-192" and cfg.policies[0].hash == Hash.MD5
    assert cfg.ikev1_interfaces == {"outside"}


def test_comments_and_blank_lines_do_not_end_a_block():
    text = "crypto ikev1 policy 10\n encryption aes\n!\n\n hash md5\n"
    (policy,) = parse_asa_config(text).policies
    assert (policy.cipher_name, policy.hash) == ("aes", Hash.MD5)


# ----------------------------------------------------------------------------------------------------------------
# pre-8.4 forms


def test_pre_84_forms():
    text = """\
hostname PIX-OLD
crypto isakmp enable outside
crypto isakmp policy 20
 authentication pre-share
 encryption 3des
 hash md5
 group 2
 lifetime 28800
crypto isakmp nat-traversal
tunnel-group 198.51.100.7 type ipsec-l2l
tunnel-group 198.51.100.7 ipsec-attributes
 pre-shared-key old-style key
"""
    cfg = parse_asa_config(text)
    assert cfg.hostname == "PIX-OLD"
    assert cfg.ikev1_interfaces == {"outside"}
    assert cfg.policies == (
        dataclasses.replace(POLICY_DEFAULTS, hash=Hash.MD5, lifetime=28800, priority=20),
    )
    assert cfg.nat_traversal == 20
    assert cfg.tunnel_groups["198.51.100.7"].psk == "old-style key"


def test_mixed_forms_and_several_interfaces():
    cfg = parse_asa_config("crypto isakmp enable outside\ncrypto ikev1 enable dmz\n")
    assert cfg.ikev1_interfaces == frozenset({"outside", "dmz"})


def test_no_nat_traversal():
    assert parse_asa_config("crypto isakmp nat-traversal 20\nno crypto isakmp nat-traversal\n").nat_traversal is None


# ----------------------------------------------------------------------------------------------------------------
# tunnel-groups and keys


def test_key_is_rest_of_line_trailing_whitespace_kept():
    """A key pasted with a trailing space is a different key, as on the box (the psk-trailing-space fault)."""
    text = "tunnel-group 1.1.1.1 type ipsec-l2l\ntunnel-group 1.1.1.1 ipsec-attributes\n ikev1 pre-shared-key  a b!c#  \t\r\n"
    assert parse_asa_config(text).tunnel_groups["1.1.1.1"].psk == "a b!c#  \t"


def test_key_is_case_sensitive_and_last_one_wins():
    text = ("tunnel-group 1.1.1.1 type ipsec-l2l\ntunnel-group 1.1.1.1 ipsec-attributes\n ikev1 pre-shared-key First\n"
            "tunnel-group 1.1.1.1 ipsec-attributes\n IKEV1 PRE-SHARED-KEY SeCrEt\n")
    assert parse_asa_config(text).tunnel_groups["1.1.1.1"].psk == "SeCrEt"


def test_tunnel_group_without_key_and_remote_access():
    text = ("tunnel-group 1.1.1.1 type ipsec-l2l\ntunnel-group 1.1.1.1 ipsec-attributes\n isakmp keepalive disable\n"
            "tunnel-group VPN-USERS type remote-access\ntunnel-group VPN-USERS ipsec-attributes\n"
            " ikev1 pre-shared-key ra-key\n")
    cfg = parse_asa_config(text)
    assert cfg.tunnel_groups["1.1.1.1"] == TunnelGroup("1.1.1.1", "ipsec-l2l", None, 1)
    assert cfg.tunnel_groups["VPN-USERS"] == TunnelGroup("VPN-USERS", "remote-access", "ra-key", 4)


def test_builtin_groups_always_exist():
    cfg = parse_asa_config("hostname X\n")
    assert cfg.tunnel_groups["DefaultL2LGroup"] == TunnelGroup("DefaultL2LGroup", "ipsec-l2l", None, 0)
    assert cfg.tunnel_groups["DefaultRAGroup"] == TunnelGroup("DefaultRAGroup", "remote-access", None, 0)


def test_default_group_can_get_a_key_without_type_line():
    cfg = parse_asa_config("hostname X\ntunnel-group DefaultL2LGroup ipsec-attributes\n ikev1 pre-shared-key base\n")
    assert cfg.tunnel_groups["DefaultL2LGroup"] == TunnelGroup("DefaultL2LGroup", "ipsec-l2l", "base", 2)


def test_default_webvpn_group_attribute_blocks_are_ignored():
    cfg = parse_asa_config("tunnel-group DefaultWEBVPNGroup general-attributes\n address-pool POOL\n")
    assert "DefaultWEBVPNGroup" not in cfg.tunnel_groups


# ----------------------------------------------------------------------------------------------------------------
# ike_config / peer_key / DefaultL2LGroup behaviour


RETX = Retransmit(interval=2.0, retries=5, remove_after=1.0)


def test_ike_config():
    text = (policy_block("group 14", header="crypto ikev1 policy 30") + policy_block("group 5")
            + "crypto ikev1 enable outside\n"
            "tunnel-group 2.2.2.2 type ipsec-l2l\ntunnel-group 2.2.2.2 ipsec-attributes\n ikev1 pre-shared-key k2\n"
            "tunnel-group 3.3.3.3 type ipsec-l2l\n"
            "tunnel-group RA type remote-access\ntunnel-group RA ipsec-attributes\n ikev1 pre-shared-key ra\n")
    cfg = parse_asa_config(text)
    ike = cfg.ike_config("outside", "1.1.1.1", RETX)
    assert isinstance(ike, IkeConfig)
    assert ike.address == "1.1.1.1"
    assert ike.listening is True
    assert ike.retransmit == RETX
    assert [p.priority for p in ike.policies] == [10, 30]
    assert ike.peers == {"2.2.2.2": PeerKey("2.2.2.2", b"k2"), "3.3.3.3": PeerKey("3.3.3.3", None)}
    assert ike.default_peer == PeerKey("DefaultL2LGroup", None, via_default=True)
    assert ike.key_for("2.2.2.2") == PeerKey("2.2.2.2", b"k2")
    assert ike.key_for("3.3.3.3") == PeerKey("3.3.3.3", None)  # the group matched, but it has no key
    assert ike.key_for("9.9.9.9") is None  # no group, DefaultL2LGroup has no key
    assert ike.key_for("RA") is None  # remote-access groups are not L2L peers
    assert cfg.ike_config("inside", "10.0.0.1", RETX).listening is False


def test_not_listening_without_enable():
    assert parse_asa_config(policy_block("group 14")).ike_config("outside", "1.1.1.1", RETX).listening is False


def test_default_l2l_group_key_is_the_fallback():
    text = ("tunnel-group 2.2.2.2 type ipsec-l2l\ntunnel-group 2.2.2.2 ipsec-attributes\n ikev1 pre-shared-key k2\n"
            "tunnel-group DefaultL2LGroup ipsec-attributes\n ikev1 pre-shared-key base-key\n")
    cfg = parse_asa_config(text)
    ike = cfg.ike_config("outside", "1.1.1.1", RETX)
    assert ike.default_peer == PeerKey("DefaultL2LGroup", b"base-key", via_default=True)
    assert "DefaultL2LGroup" not in ike.peers
    assert ike.key_for("9.9.9.9") == PeerKey("DefaultL2LGroup", b"base-key", via_default=True)
    assert ike.key_for("2.2.2.2") == PeerKey("2.2.2.2", b"k2")
    assert cfg.peer_key("9.9.9.9") == ike.key_for("9.9.9.9")
    assert cfg.peer_key("2.2.2.2") == ike.key_for("2.2.2.2")


def test_peer_key_without_default_key():
    cfg = parse_asa_config("tunnel-group 2.2.2.2 type ipsec-l2l\n")
    assert cfg.peer_key("2.2.2.2") == PeerKey("2.2.2.2", None)
    assert cfg.peer_key("9.9.9.9") is None


def test_non_ascii_key_is_utf8_encoded():
    cfg = parse_asa_config("tunnel-group 2.2.2.2 type ipsec-l2l\ntunnel-group 2.2.2.2 ipsec-attributes\n"
                           " ikev1 pre-shared-key clé\n")
    assert cfg.peer_key("2.2.2.2").psk == "clé".encode()


# ----------------------------------------------------------------------------------------------------------------
# ignored lines


@pytest.mark.parametrize(
    "line",
    [
        "! a comment",
        "   ! indented comment",
        ": Saved",
        "",
        "   ",
        "names",
        "name 10.1.1.0 LAN",
        "interface GigabitEthernet0/0\n nameif outside\n security-level 0\n ip address 1.1.1.1 255.255.255.0\n no shutdown",
        "access-list OUT extended permit udp any any eq isakmp",
        "crypto ipsec ikev1 transform-set TS esp-3des esp-md5-hmac",
        "crypto ipsec security-association lifetime seconds 28800",
        "crypto map M 10 match address A",
        "crypto map M interface outside",
        "crypto dynamic-map DM 10 set ikev1 transform-set TS",
        "crypto ikev2 policy 1\n encryption aes-512-bogus\n group 99",
        "crypto ca trustpoint TP\n enrollment self",
        "crypto isakmp identity address",
        "crypto ikev1 am-disable",
        "crypto isakmp disconnect-notify",
        "crypto isakmp reload-wait",
        "crypto ikev1 ipsec-over-tcp port 10000",
        "route outside 0.0.0.0 0.0.0.0 1.1.1.254 1",
        "object network LAN\n subnet 10.0.0.0 255.0.0.0",
        "object-group network G\n network-object host 1.1.1.1",
        "nat (inside,outside) source static LAN LAN",
        "group-policy GP attributes\n vpn-tunnel-protocol ikev1",
        "username admin password x privilege 15",
        "no pager",
        "ASA Version 9.8(4)",
        "some future command the simulator does not know",
    ],
)
def test_ignored_lines(line):
    cfg = parse_asa_config(line + "\n")
    assert cfg.policies == () and cfg.ikev1_interfaces == frozenset() and cfg.nat_traversal == 20
    assert set(cfg.tunnel_groups) == {"DefaultL2LGroup", "DefaultRAGroup"}


def test_ignored_block_then_ike_block():
    text = "interface GigabitEthernet0/0\n nameif outside\ncrypto ikev1 policy 10\n hash md5\n"
    assert parse_asa_config(text).policies[0].hash == Hash.MD5


# ----------------------------------------------------------------------------------------------------------------
# errors: line number and message


@pytest.mark.parametrize(
    "text, line, fragments",
    [
        (policy_block("encryption aes-512"), 2,
         ["unknown encryption 'aes-512'", "des, 3des, aes, aes-192 or aes-256"]),
        (policy_block("encryption"), 2, ["'encryption' needs a value"]),
        (policy_block("hash sha256"), 2, ["unknown hash 'sha256'", "sha or md5", "SHA-2"]),
        (policy_block("hash sha", "group 7"), 3, ["group '7'", "1, 2, 5 or 14"]),
        (policy_block("lifetime 50"), 2, ["lifetime 50 is out of range", "120 to 2147483647 seconds"]),
        (policy_block("lifetime 2147483648"), 2, ["out of range"]),
        (policy_block("lifetime forever"), 2, ["lifetime 'forever' is not a number"]),
        (policy_block("authentication crack"), 2, ["unknown authentication 'crack'", "pre-share or rsa-sig"]),
        (policy_block("encr aes"), 2, ["unknown policy command 'encr'", "encryption"]),
        (policy_block("hash sha extra"), 2, ["unexpected 'extra'"]),
        (policy_block("hash sha ! comment"), 2, ["no end-of-line comments"]),
        ("crypto ikev1 policy 0\n", 1, ["policy number 0 is out of range", "1 to 65535"]),
        ("crypto ikev1 policy 65536\n", 1, ["policy number 65536 is out of range"]),
        ("crypto isakmp policy ten\n", 1, ["policy number 'ten' is not a number"]),
        ("crypto ikev1 policy\n", 1, ["needs one policy number"]),
        ("hostname A\ncrypto ikev1 foo bar\n", 2, ["unknown command 'crypto ikev1 foo'"]),
        ("crypto isakmp keepalive 10\n", 1, ["unknown command 'crypto isakmp keepalive'"]),
        ("crypto ikev1 nat-traversal 20\n", 1, ["unknown command 'crypto ikev1 nat-traversal'",
                                                "crypto isakmp nat-traversal"]),
        ("crypto isakmp\n", 1, ["incomplete command 'crypto isakmp'"]),
        ("crypto ikev1 enable\n", 1, ["needs one interface name"]),
        ("crypto isakmp nat-traversal 5\n", 1, ["nat-traversal keepalive 5 is out of range", "10 to 3600"]),
        ("no crypto ikev1 enable outside\n", 1, ["not supported"]),
        ("tunnel-group 1.1.1.1 type ipsec-ra\n", 1, ["unsupported tunnel-group type 'ipsec-ra'",
                                                      "ipsec-l2l or remote-access"]),
        ("tunnel-group 1.1.1.1 type\n", 1, ["needs one type"]),
        ("tunnel-group 1.1.1.1\n", 1, ["incomplete tunnel-group command"]),
        ("tunnel-group 1.1.1.1 type ipsec-l2l\ntunnel-group 1.1.1.1 crypto-attributes\n", 2,
         ["unknown tunnel-group command 'crypto-attributes'"]),
        ("hostname A\ntunnel-group 1.1.1.1 ipsec-attributes\n ikev1 pre-shared-key k\n", 2,
         ["tunnel-group 1.1.1.1 does not exist"]),
        ("tunnel-group 1.1.1.2 type ipsec-l2l\ntunnel-group 1.1.1.1 ipsec-attributes\n", 2,
         ["tunnel-group 1.1.1.1 does not exist"]),
        ("tunnel-group X general-attributes\n", 1, ["tunnel-group X does not exist"]),
        ("tunnel-group 1.1.1.1 type ipsec-l2l\ntunnel-group 1.1.1.1 type remote-access\n", 2,
         ["already type ipsec-l2l"]),
        ("tunnel-group DefaultL2LGroup type remote-access\n", 1, ["already type ipsec-l2l"]),
        ("tunnel-group 1.1.1.1 type ipsec-l2l\ntunnel-group 1.1.1.1 ipsec-attributes\n ikev1 pre-shared-key\n", 3,
         ["'ikev1 pre-shared-key' needs a key"]),
        ("tunnel-group 1.1.1.1 type ipsec-l2l\ntunnel-group 1.1.1.1 ipsec-attributes\n pre-shared-key   \n", 3,
         ["'pre-shared-key' needs a key"]),
        ("tunnel-group 1.1.1.1 type ipsec-l2l\ntunnel-group 1.1.1.1 ipsec-attributes\n ikev1 pre-shared-key *****\n", 3,
         ["masked form", "more system:running-config"]),
        ("tunnel-group 1.1.1.1 type ipsec-l2l\ntunnel-group 1.1.1.1 ipsec-attributes\n ikev1 pre-shared-key "
         + "k" * 129 + "\n", 3, ["129 characters", "1 to 128"]),
        ("tunnel-group 1.1.1.1 type ipsec-l2l\ntunnel-group 1.1.1.1 ipsec-attributes\n ikev1 trust-point TP\n", 3,
         ["unknown ipsec-attributes command 'ikev1 trust-point'", "tunnel-group 1.1.1.1"]),
        ("tunnel-group 1.1.1.1 type ipsec-l2l\ntunnel-group 1.1.1.1 ipsec-attributes\n preshared-key k\n", 3,
         ["unknown ipsec-attributes command 'preshared-key'", "ikev1 pre-shared-key"]),
        ("tunnel-group 1.1.1.1 type ipsec-l2l\n ikev1 pre-shared-key k\n", 2,
         ["follows 'tunnel-group 1.1.1.1 type ipsec-l2l'", "ipsec-attributes"]),
        ("crypto ikev1 enable outside\n encryption aes\n", 2, ["takes no sub-commands"]),
        (" encryption aes\ncrypto ikev1 policy 10\n", 1, ["not inside any block"]),
        ("hostname\n", 1, ["hostname needs exactly one name"]),
    ],
)
def test_errors(text, line, fragments):
    error = error_of(text)
    assert error.line == line, str(error)
    for fragment in fragments:
        assert fragment in error.message, error.message
    assert str(error).startswith(f"line {line}: config: ")


def test_error_message_exact_wording():
    error = error_of("hostname A\n!\ncrypto ikev1 policy 10\n encryption aes-512\n")
    assert str(error) == "line 4: config: unknown encryption 'aes-512' (expected des, 3des, aes, aes-192 or aes-256)"


def test_too_many_policies():
    text = "".join(policy_block(header=f"crypto ikev1 policy {n}") for n in range(1, 22))
    error = error_of(text)
    assert error.line == 21 and "at most 20" in error.message


def test_error_line_counts_comments_and_blank_lines():
    text = "! one\n\n: three\ninterface X\n nameif outside\ncrypto ikev1 policy 10\n group 3\n"
    assert error_of(text).line == 7


def test_asa_config_is_frozen():
    cfg = parse_asa_config("hostname X\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.hostname = "Y"  # type: ignore[misc]


def test_lifetime_none_is_the_longest_lifetime():
    from sim.platforms.asa import fixlines
    from sim.platforms.asa.config import LIFETIME_NONE, LIFETIME_RANGE

    config = parse_asa_config("crypto ikev1 policy 10\n authentication pre-share\n lifetime none\n")
    assert config.policies[0].lifetime == LIFETIME_NONE == LIFETIME_RANGE[1]
    assert fixlines.policy_lines(config, config.policies[0], 10, ("lifetime",)) == ["crypto ikev1 policy 10",
                                                                                    " lifetime none"]
    with pytest.raises(InputError, match="lifetime 'never' is not a number"):
        parse_asa_config("crypto ikev1 policy 10\n lifetime never\n")


def test_names_resolve_crypto_map_peers_and_tunnel_group_names():
    config = parse_asa_config("names\nname 203.0.113.20 BR-ASA-OUTSIDE description branch\n"
                              "crypto map M 1 set peer BR-ASA-OUTSIDE 198.51.100.9\n"
                              "tunnel-group BR-ASA-OUTSIDE type ipsec-l2l\n"
                              "tunnel-group BR-ASA-OUTSIDE ipsec-attributes\n ikev1 pre-shared-key K1\n")
    assert config.crypto_maps[0].peers == ("203.0.113.20", "198.51.100.9")
    assert config.keyed_peers() == ("203.0.113.20",)
    assert config.peer_key("203.0.113.20").psk == b"K1"
