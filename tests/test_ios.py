"""The Cisco IOS platform: config parser, state names, show/log output, IOS timers, mixed ASA/IOS pairs, and the
core's "no key, no MM1" flag that IOS sets."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.engine.trace import DatagramSent, Logged, SaChanged
from sim.errors import InputError
from sim.ike.config import IkeConfig, PeerKey, Retransmit
from sim.ike.constants import Auth, Encryption, Hash
from sim.ike import events as ev
from sim.ike.effects import Log, Send
from sim.platforms.ios import POLICY_DEFAULTS, IosConfig, parse_ios_config
from sim.platforms.ios import logs as ios_logs
from sim.platforms.ios.config import MM3_VIDS, MM4_VIDS, NONCE_LENGTH
from sim.platforms.ios.platform import IOS
from sim.platforms.ios.show import state_name
from sim.platforms.registry import platform_for
from sim.scenario import bundled_dir, load_scenario, load_scenario_text

from corekit import I_ADDR, R_ADDR, Pair, config

GOLDEN = Path(__file__).parent / "golden" / "ios"
RETX = Retransmit(interval=2.0, retries=1, remove_after=1.0)
BRANCH, HQ = "203.0.113.10", "198.51.100.1"

INTERFACE = """\
interface GigabitEthernet0/0
 ip address 203.0.113.10 255.255.255.0
 crypto map VPN-MAP
"""


def policy_block(*lines: str, number: int = 10) -> str:
    return f"crypto isakmp policy {number}\n" + "".join(f" {line}\n" for line in lines)


def only_policy(*lines: str):
    policies = parse_ios_config(policy_block(*lines)).policies
    assert len(policies) == 1
    return policies[0]


# ----------------------------------------------------------------------------------------------------------------
# parser: keywords and defaults


def test_defaults_are_the_ios_documented_ones():
    p = only_policy()
    assert (p.encryption, p.key_length, p.hash, p.auth, p.group, p.lifetime, p.priority) == (
        Encryption.DES_CBC, None, Hash.SHA1, Auth.RSA_SIG, 1, 86400, 10)
    assert POLICY_DEFAULTS.auth == Auth.RSA_SIG


@pytest.mark.parametrize("line, expected", [
    ("encr des", (Encryption.DES_CBC, None)),
    ("encr 3des", (Encryption.TRIPLE_DES_CBC, None)),
    ("encr aes", (Encryption.AES_CBC, 128)),
    ("encr aes 128", (Encryption.AES_CBC, 128)),
    ("encr aes 192", (Encryption.AES_CBC, 192)),
    ("encr aes 256", (Encryption.AES_CBC, 256)),
    ("encryption AES 256", (Encryption.AES_CBC, 256)),
])
def test_encryption(line, expected):
    p = only_policy(line)
    assert (p.encryption, p.key_length) == expected


@pytest.mark.parametrize("word, expected", [("md5", Hash.MD5), ("sha", Hash.SHA1), ("sha256", Hash.SHA2_256),
                                            ("sha384", Hash.SHA2_384), ("SHA512", Hash.SHA2_512)])
def test_hash(word, expected):
    assert only_policy(f"hash {word}").hash == expected


@pytest.mark.parametrize("word, expected", [("pre-share", Auth.PRE_SHARED_KEY), ("rsa-sig", Auth.RSA_SIG),
                                            ("rsa-encr", Auth.RSA_ENC)])
def test_authentication(word, expected):
    assert only_policy(f"authentication {word}").auth == expected


@pytest.mark.parametrize("group", [1, 2, 5, 14])
def test_group(group):
    assert only_policy(f"group {group}").group == group


@pytest.mark.parametrize("seconds", [60, 3600, 86400])
def test_lifetime(seconds):
    assert only_policy(f"lifetime {seconds}").lifetime == seconds


def test_full_policy_and_priority_order():
    text = policy_block("encr 3des", "hash md5", "authentication pre-share", "group 2", "lifetime 3600", number=20)
    text += policy_block("encr aes 256", "authentication pre-share", "group 14", number=5)
    cfg = parse_ios_config(text)
    assert [(p.priority, p.cipher_name, p.hash_name, p.auth_name, p.group, p.lifetime) for p in cfg.policies] == [
        (5, "aes-256", "sha", "pre-share", 14, 86400),
        (20, "3des", "md5", "pre-share", 2, 3600),
    ]


def test_a_policy_block_may_be_continued_later():
    text = policy_block("encr aes") + "hostname R1\n" + policy_block("group 14")
    p = parse_ios_config(text).policies[0]
    assert (p.cipher_name, p.group) == ("aes", 14)


def test_global_isakmp_settings():
    cfg = parse_ios_config(
        "crypto isakmp keepalive 10 3 periodic\n"
        "crypto isakmp nat keepalive 20\n"
        "no crypto isakmp nat-traversal\n"
        "crypto isakmp identity address\n"
        "crypto isakmp invalid-spi-recovery\n"
        "crypto isakmp aggressive-mode disable\n"
        "no crypto isakmp default policy\n"
    )
    assert cfg.keepalive == (10, 3) and cfg.nat_keepalive == 20 and cfg.nat_traversal is False
    assert cfg.identity == "address" and cfg.invalid_spi_recovery is True and cfg.isakmp_enabled is True
    defaults = parse_ios_config("")
    assert defaults.nat_traversal is True and defaults.keepalive is None and defaults.nat_keepalive is None
    assert parse_ios_config("crypto isakmp keepalive 30\n").keepalive == (30, 2)


def test_lines_that_do_not_matter_to_phase_1_are_ignored():
    text = """\
!
version 15.7
hostname R-BRANCH
!
crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac
 mode tunnel
crypto map VPN-MAP 10 ipsec-isakmp
 set peer 198.51.100.1
 set transform-set TS
 match address VPN
interface GigabitEthernet0/1
 description LAN
 ip address 10.20.0.1 255.255.255.0
 ip nat inside
 duplex auto
ip access-list extended VPN
 permit ip 10.20.0.0 0.0.0.255 10.10.0.0 0.0.0.255
access-list 101 permit ip any any
ip route 0.0.0.0 0.0.0.0 203.0.113.1
crypto isakmp client configuration group RA
 key abc
line vty 0 4
 transport input ssh
end
"""
    cfg = parse_ios_config(text)
    assert cfg.hostname == "R-BRANCH" and cfg.policies == () and cfg.keys == ()
    assert cfg.interfaces["GigabitEthernet0/1"].addresses == ("10.20.0.1",)
    assert cfg.crypto_map_interfaces == frozenset()


# ----------------------------------------------------------------------------------------------------------------
# parser: keys


def test_host_key_plain_and_type_0():
    cfg = parse_ios_config("crypto isakmp key Key-A address 198.51.100.1\n"
                           "crypto isakmp key 0 Key-B address 198.51.100.2 255.255.255.255 no-xauth\n")
    assert cfg.peer_key("198.51.100.1") == PeerKey("198.51.100.1", b"Key-A")
    assert cfg.peer_key("198.51.100.2") == PeerKey("198.51.100.2", b"Key-B")
    assert cfg.peer_key("198.51.100.3") is None


def test_a_key_called_0_is_a_key():
    assert parse_ios_config("crypto isakmp key 0 address 198.51.100.1\n").peer_key("198.51.100.1").psk == b"0"


def test_wildcard_key_is_the_default_peer_key():
    cfg = parse_ios_config("crypto isakmp key Any-Peer address 0.0.0.0 0.0.0.0\n"
                           "crypto isakmp key Host-Key address 198.51.100.1\n")
    assert cfg.peer_key("198.51.100.1") == PeerKey("198.51.100.1", b"Host-Key")
    assert cfg.peer_key("192.0.2.7") == PeerKey("0.0.0.0/0", b"Any-Peer", via_default=True)
    ike = cfg.ike_config(None, BRANCH, RETX)
    assert ike.default_peer == PeerKey("0.0.0.0/0", b"Any-Peer", via_default=True)
    assert ike.key_for("192.0.2.7").psk == b"Any-Peer"


def test_subnet_keys_match_longest_mask_first():
    cfg = parse_ios_config("crypto isakmp key Wide address 198.51.0.0 255.255.0.0\n"
                           "crypto isakmp key Narrow address 198.51.100.0 255.255.255.0\n")
    assert cfg.peer_key("198.51.100.1").psk == b"Narrow"
    assert cfg.peer_key("198.51.7.1").psk == b"Wide"
    assert cfg.peer_key("10.0.0.1") is None
    ike = cfg.ike_config(None, BRANCH, RETX)
    assert ike.key_for("198.51.100.1") == PeerKey("198.51.100.0/24", b"Narrow")
    assert "198.51.100.1" in ike.peers and "10.0.0.1" not in ike.peers and ike.peers.get("10.0.0.1") is None


def test_a_later_key_for_the_same_peer_replaces_the_earlier():
    cfg = parse_ios_config("crypto isakmp key Old address 198.51.100.1\ncrypto isakmp key New address 198.51.100.1\n")
    assert [k.key for k in cfg.keys] == ["New"] and cfg.keys[0].line == 2
    assert cfg.keys[0].network == ipaddress.IPv4Network("198.51.100.1/32")


# ----------------------------------------------------------------------------------------------------------------
# parser: errors name the config line


@pytest.mark.parametrize("text, line, fragment", [
    ("crypto isakmp frobnicate\n", 1, "unknown command 'crypto isakmp frobnicate'"),
    ("crypto isakmp\n", 1, "incomplete command"),
    ("!\n" + policy_block("encryption aes-256"), 3, "IOS writes the AES key length as a separate word"),
    (policy_block("encr aes 512"), 2, "unknown encryption 'aes 512'"),
    (policy_block("hash sha1"), 2, "unknown hash 'sha1'"),
    (policy_block("authentication psk"), 2, "unknown authentication 'psk'"),
    (policy_block("group 19"), 2, "group 19 is not simulated"),
    (policy_block("group 3"), 2, "unknown Diffie-Hellman group '3'"),
    (policy_block("lifetime 30"), 2, "lifetime 30 is out of range (expected 60 to 86400 seconds)"),
    (policy_block("lifetime 86401"), 2, "out of range"),
    (policy_block("lifetime forever"), 2, "not a number"),
    (policy_block("hash sha extra"), 2, "unexpected 'extra'"),
    (policy_block("prf sha"), 2, "unknown policy command 'prf'"),
    (policy_block("group"), 2, "'group' needs a value"),
    ("crypto isakmp policy 0\n", 1, "policy number 0 is out of range"),
    ("crypto isakmp policy\n", 1, "needs one policy number"),
    ("hostname R1\n encr aes\n", 2, "takes no sub-commands"),
    (" encr aes\n", 1, "not inside any block"),
    ("crypto isakmp key\n", 1, "needs a key"),
    ("crypto isakmp key Key1\n", 1, "'address' missing"),
    ("crypto isakmp key address 198.51.100.1\n", 1, "needs a key before 'address'"),
    ("crypto isakmp key 6 FLgBaJH address 198.51.100.1\n", 1, "type 6 key is encrypted"),
    ("crypto isakmp key Key1 hostname hq.example.com\n", 1, "keys by hostname are not simulated"),
    ("crypto isakmp key Key1 address 198.51.100.300\n", 1, "peer address '198.51.100.300' is not an IPv4 address"),
    ("crypto isakmp key Key1 address 0.0.0.0\n", 1, "the wildcard key is 'address 0.0.0.0 0.0.0.0'"),
    ("crypto isakmp key Key1 address 198.51.100.0 255.0.255.0\n", 1, "not a valid mask"),
    ("crypto isakmp key Key1 address 198.51.100.1 255.255.255.255 extra\n", 1, "peer address and an optional mask"),
    ("crypto isakmp nat keepalive 2\n", 1, "nat keepalive 2 is out of range"),
    ("crypto isakmp nat-traversal 20\n", 1, "NAT traversal is on by default on IOS"),
    ("crypto isakmp keepalive 5\n", 1, "keepalive interval 5 is out of range"),
    ("crypto isakmp identity hostname\n", 1, "is not simulated"),
    ("crypto isakmp profile\n", 1, "needs one profile name"),
    ("crypto keyring KR\n pre-shared-key address 192.0.2.1 key 6 AbCdEf\n", 2, "a type 6 key is encrypted"),
    ("crypto keyring KR\n pre-shared-key address 192.0.2.1\n", 2, "expected ' pre-shared-key address"),
    ("crypto keyring KR\n pre-shared-key address 192.0.2.1 255.0.255.0 key K\n", 2, "is not a valid mask"),
    ("no crypto isakmp keepalive\n", 1, "is not supported by the simulator"),
    ("hostname\n", 1, "hostname needs exactly one name"),
    ("interface Gi0/0\n crypto map\n", 2, "takes the map's name"),
])
def test_errors_name_the_line(text, line, fragment):
    with pytest.raises(InputError) as info:
        parse_ios_config(text)
    assert (info.value.line, info.value.field) == (line, "config")
    assert fragment in info.value.message, info.value.message


# ----------------------------------------------------------------------------------------------------------------
# where IKE listens, and the core's view


def test_a_crypto_map_on_the_interface_facing_the_peer_turns_ike_on():
    cfg = parse_ios_config(INTERFACE + "interface GigabitEthernet0/1\n ip address 10.20.0.1 255.255.255.0\n")
    assert cfg.interface_for(BRANCH) == "GigabitEthernet0/0" and cfg.interface_for("10.20.0.1") == "GigabitEthernet0/1"
    assert cfg.interface_for("192.0.2.1") is None
    assert cfg.ike_config("GigabitEthernet0/0", BRANCH, RETX).listening is True
    assert cfg.ike_config("GigabitEthernet0/1", "10.20.0.1", RETX).listening is False
    assert cfg.ike_config(None, BRANCH, RETX).listening is False


def test_secondary_addresses_and_no_crypto_map():
    cfg = parse_ios_config("interface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n"
                           " ip address 203.0.113.10 255.255.255.0 secondary\n crypto map M\n no crypto map\n")
    assert cfg.interface_for(BRANCH) == "Gi0/0"
    assert cfg.crypto_map_interfaces == frozenset()


@pytest.mark.parametrize("line", ["no crypto isakmp", "no crypto isakmp enable"])
def test_no_crypto_isakmp_turns_ike_off(line):
    cfg = parse_ios_config(INTERFACE + line + "\n")
    assert cfg.isakmp_enabled is False and cfg.ike_config("GigabitEthernet0/0", BRANCH, RETX).listening is False


def test_ike_config_carries_the_ios_profile():
    cfg = parse_ios_config(INTERFACE + policy_block("encr aes 256", "authentication pre-share", "group 14")
                           + "crypto isakmp key K address 198.51.100.1\n")
    ike = cfg.ike_config("GigabitEthernet0/0", BRANCH, RETX)
    assert isinstance(ike, IkeConfig)
    assert (ike.address, ike.retransmit, ike.nonce_length, ike.key_required_to_initiate) == (BRANCH, RETX, 20, True)
    assert NONCE_LENGTH == 20
    assert ike.vendor_ids_mm1 == () and ike.vendor_ids_mm3 == MM3_VIDS and ike.vendor_ids_mm4 == MM4_VIDS
    assert ike.nat_traversal is True
    assert ike.key_for(HQ) == PeerKey(HQ, b"K") and ike.default_peer is None


def test_platform_registry_and_profile():
    assert platform_for("ios") is IOS
    assert IOS.default_retransmit == Retransmit(interval=10.0, retries=5, remove_after=10.0, duplicate_holdoff=5.0)
    assert IOS.commands() == ["show crypto isakmp sa [detail]", "show logging", "debug crypto isakmp"]
    with pytest.raises(InputError, match="not supported"):
        platform_for("junos")


# ----------------------------------------------------------------------------------------------------------------
# state names


@pytest.mark.parametrize("role, core, ios", [
    ("initiator", "MM_WAIT_MSG2", "MM_NO_STATE"),
    ("initiator", "MM_WAIT_MSG4", "MM_SA_SETUP"),
    ("initiator", "MM_WAIT_MSG6", "MM_KEY_EXCH"),
    ("responder", "MM_WAIT_MSG3", "MM_SA_SETUP"),
    ("responder", "MM_WAIT_MSG5", "MM_KEY_EXCH"),
    ("initiator", "MM_ACTIVE", "QM_IDLE"),
    ("responder", "MM_ACTIVE", "QM_IDLE"),
])
def test_state_names(role, core, ios):
    assert state_name(role, core) == ios == IOS.state_name(role, core)


# ----------------------------------------------------------------------------------------------------------------
# the core: IOS needs a key before MM1 (IkeConfig.key_required_to_initiate)


def test_core_no_key_no_mm1_when_the_key_is_required():
    pair = Pair.make(config(I_ADDR, R_ADDR, psk=None, key_required_to_initiate=True), config(R_ADDR, I_ADDR))
    effects = pair.start()
    assert effects == [Log(ev.NoKeyToInitiate(None, R_ADDR))]
    assert pair.initiator.sas == {} and pair.sends("initiator") == []


def test_core_a_key_without_psk_counts_as_no_key():
    icfg = IkeConfig(address=I_ADDR, policies=config(I_ADDR, R_ADDR).policies, peers={R_ADDR: PeerKey(R_ADDR, None)},
                     key_required_to_initiate=True)
    assert Pair.make(icfg, config(R_ADDR, I_ADDR)).start() == [Log(ev.NoKeyToInitiate(None, R_ADDR))]


def test_core_the_default_peer_key_is_enough_to_start():
    icfg = config(I_ADDR, R_ADDR, psk=None, key_required_to_initiate=True, default_psk=b"secret")
    pair = Pair.make(icfg, config(R_ADDR, I_ADDR))
    pair.start()
    pair.pump()
    assert pair.state("initiator") == pair.state("responder") == "MM_ACTIVE"


def test_core_without_the_flag_the_initiator_starts_anyway():
    pair = Pair.make(config(I_ADDR, R_ADDR, psk=None), config(R_ADDR, I_ADDR))
    effects = pair.start()
    assert [e.message for e in effects if isinstance(e, Send)] == ["MM1"]
    assert IkeConfig(address=I_ADDR).key_required_to_initiate is False


# ----------------------------------------------------------------------------------------------------------------
# scenarios: loading


def variant(name: str, *replacements: tuple[str, str]):
    text = (bundled_dir() / f"{name}.yaml").read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return load_scenario_text(text, f"{name}-variant.yaml")


def test_bundled_ios_scenarios_load_with_the_ios_profile():
    for name in ("asa-to-ios-healthy", "ios-to-asa-psk-mismatch", "ios-no-psk"):
        scenario = load_scenario(name)
        assert scenario.title and scenario.description and scenario.notice and scenario.fix
        ios = next(d for d in scenario.devices if d.platform == "ios")
        asa = next(d for d in scenario.devices if d.platform == "asa")
        assert (ios.hostname, ios.outside, asa.hostname, asa.outside) == ("R-BRANCH", BRANCH, "ASA-HQ", HQ)
        assert isinstance(ios.config, IosConfig)
        assert ios.timers == Retransmit(interval=10.0, retries=5, remove_after=10.0, duplicate_holdoff=5.0)
        assert asa.timers == Retransmit(duplicate_holdoff=4.0)
        ike = ios.ike_config()
        assert ike.listening and ike.key_required_to_initiate and ike.address == BRANCH


def test_timers_override_the_ios_profile():
    scenario = variant("ios-no-psk", ("  platform: ios\n", "  platform: ios\n  timers: {retries: 2}\n"))
    assert scenario.initiator.timers == Retransmit(interval=10.0, retries=2, remove_after=10.0, duplicate_holdoff=5.0)


def test_an_ios_config_error_points_at_the_file_line():
    scenario_text = (bundled_dir() / "ios-no-psk.yaml").read_text()
    broken = scenario_text.replace("     group 14\n", "     group 19\n", 1)
    with pytest.raises(InputError) as info:
        load_scenario_text(broken, "x.yaml")
    line = next(i for i, text in enumerate(broken.splitlines(), start=1) if text.strip() == "group 19")
    assert (info.value.source, info.value.line, info.value.field) == ("x.yaml", line, "initiator.config")


def test_the_outside_address_must_be_on_an_interface():
    text = (bundled_dir() / "ios-no-psk.yaml").read_text()
    broken = text.replace(" ip address 203.0.113.10 255.255.255.0\n", " ip address 203.0.113.11 255.255.255.0\n")
    with pytest.raises(InputError) as info:
        load_scenario_text(broken, "x.yaml")
    config_line = next(i for i, t in enumerate(broken.splitlines(), start=1) if t.strip() == "config: |")
    assert (info.value.line, info.value.field) == (config_line, "initiator.config")
    assert "no interface in this config has 'ip address 203.0.113.10" in info.value.message


def test_the_ios_hostname_line_must_agree():
    with pytest.raises(InputError, match="the config says 'hostname R-OTHER'"):
        variant("ios-no-psk", ("    hostname R-BRANCH\n", "    hostname R-OTHER\n"))


# ----------------------------------------------------------------------------------------------------------------
# scenarios: running


def ios_states(run, host="R-BRANCH", t=None):
    t = run.look if t is None else t
    return [state_name(u.role, u.state) for u, _, _ in run.trace.sa_table(host, t)]


def asa_states(run, host="ASA-HQ", t=None):
    t = run.look if t is None else t
    return [u.state for u, _, _ in run.trace.sa_table(host, t)]


def test_api_show_on_the_ios_initiator_shows_mm_key_exch():
    out = sim.run("ios-to-asa-psk-mismatch").show("R-BRANCH", "show crypto isakmp sa")
    assert f"{HQ:<16}{BRANCH:<16}MM_KEY_EXCH       1001 ACTIVE" in out


@pytest.mark.parametrize("name, ios_look, asa_look", [
    ("asa-to-ios-healthy", ["QM_IDLE"], ["MM_ACTIVE"]),
    ("ios-to-asa-psk-mismatch", ["MM_KEY_EXCH"], ["MM_WAIT_MSG5"]),
    ("ios-no-psk", [], []),
])
def test_bundled_states(name, ios_look, asa_look):
    run = sim.run(name)
    assert ios_states(run) == ios_look
    assert asa_states(run) == asa_look


def test_ios_no_psk_sends_nothing_and_says_why():
    run = sim.run("ios-no-psk")
    assert run.trace.of(DatagramSent) == [] and run.trace.of(SaChanged) == []
    assert [type(r.event) for r in run.trace.of(Logged, "R-BRANCH")] == [ev.NoKeyToInitiate]
    debug = run.show("R-BRANCH", "debug crypto isakmp")
    assert "ISAKMP-ERROR: (0):No pre-shared key with 198.51.100.1!" in debug
    assert "construct_initial_message: Can not start Main mode" in debug


def test_ios_timers_resend_mm5_every_10_s_five_times_then_remove():
    trace = sim.run("ios-to-asa-psk-mismatch").trace
    mm5 = [r for r in trace.of(DatagramSent, "R-BRANCH") if r.message == "MM5"]
    original = mm5[0]
    assert (original.attempt, original.trigger) == (0, "protocol")
    by_timer = [r for r in mm5 if r.trigger == "timer"]
    assert [round(r.t - original.t, 6) for r in by_timer] == [10.0, 20.0, 30.0, 40.0, 50.0]
    removed = [r for r in trace.of(SaChanged, "R-BRANCH") if r.update.state is None]
    assert len(removed) == 1 and round(removed[0].t - original.t, 6) == 60.0
    assert removed[0].update.previous == "MM_WAIT_MSG6"
    # the ASA responder keeps its own profile: MM4 resent 3 times, 8 s apart
    mm4 = [r for r in trace.of(DatagramSent, "ASA-HQ") if r.message == "MM4" and r.trigger == "timer"]
    assert len(mm4) == 3


def test_mixed_pair_ios_initiator_asa_responder_comes_up():
    run = sim.run(variant("ios-to-asa-psk-mismatch", ("key hq-branch-key1 address", "key Hq-Branch-Key1 address")))
    assert ios_states(run) == ["QM_IDLE"] and asa_states(run) == ["MM_ACTIVE"]
    out = run.show("R-BRANCH", "show crypto isakmp sa")
    assert f"{HQ:<16}{BRANCH:<16}QM_IDLE           1001 ACTIVE" in out  # dst = the responder, src = us
    # the ASA responder announced DPD in MM4
    assert run.show("R-BRANCH", "show crypto isakmp sa detail | include 1001  ").rstrip().endswith("23:59:55 D")


def test_mixed_pair_asa_initiator_ios_responder_psk_mismatch():
    run = sim.run(variant("asa-to-ios-healthy", ("crypto isakmp key Hq-Branch-Key1", "crypto isakmp key Wrong-Key")))
    assert ios_states(run) == ["MM_KEY_EXCH"] and asa_states(run) == ["MM_WAIT_MSG6"]
    log = run.show("R-BRANCH", "show logging")
    assert (f"*Nov 27 10:00:00.025: %CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {HQ} failed its sanity check or is "
            "malformed") in log
    assert "ISAKMP:" not in log  # show logging has the syslogs only
    debug = run.show("R-BRANCH", "debug crypto isakmp | include reserved")
    assert debug.startswith("*Nov 27 10:00:00.025: ISAKMP: (1001):reserved not zero on ID payload!\n")


def test_ios_initiator_behind_pat_floats_to_4500():
    scenario = variant(
        "ios-to-asa-psk-mismatch",
        ("key hq-branch-key1 address", "key Hq-Branch-Key1 address"),
        ("    crypto ikev1 enable outside\n", "    crypto isakmp nat-traversal 20\n    crypto ikev1 enable outside\n"),
        ("tunnel-group 203.0.113.10", "tunnel-group 192.0.2.1"),
        ("look: 5", "path:\n  - nat: {inside: initiator, address: 192.0.2.1}\nlook: 5"),
    )
    run = sim.run(scenario)
    assert ios_states(run) == ["QM_IDLE"] and asa_states(run) == ["MM_ACTIVE"]
    assert run.show("R-BRANCH", "show crypto isakmp sa detail | include ^1001").rstrip().endswith("D N")
    debug = run.show("R-BRANCH", "debug crypto isakmp")
    assert "ISAKMP: (0):My hash no match -  this node inside NAT" in debug
    assert f"received packet from {HQ} dport 4500 sport 4500 Global (I) MM_KEY_EXCH" in debug  # as R-BRANCH saw it


def test_ios_to_ios_comes_up():
    text = (bundled_dir() / "asa-to-ios-healthy.yaml").read_text()
    initiator_start = text.index("initiator:")
    responder_start = text.index("responder:")
    responder = text[responder_start:text.index("look:")]
    other = (responder.replace("responder:", "initiator:").replace("R-BRANCH", "R-HQ")
             .replace("203.0.113.10", "198.51.100.1", 1).replace("ip address 203.0.113.10", "ip address 198.51.100.1")
             .replace("key Hq-Branch-Key1 address 198.51.100.1", "key Hq-Branch-Key1 address 203.0.113.10"))
    scenario = load_scenario_text(text[:initiator_start] + other + responder + text[text.index("look:"):], "ios2.yaml")
    run = sim.run(scenario)
    assert ios_states(run, "R-HQ") == ["QM_IDLE"] and ios_states(run, "R-BRANCH") == ["QM_IDLE"]
    assert "203.0.113.10    198.51.100.1    QM_IDLE           1001 ACTIVE" in run.show("R-HQ", "sh cry isa sa")


def test_ios_responder_default_rsa_sig_policy_rejects_a_pre_share_offer():
    run = sim.run(variant("asa-to-ios-healthy", ("     encr aes 256\n     authentication pre-share\n",
                                                 "     encr aes 256\n")))
    assert ios_states(run) == [] and asa_states(run) == ["MM_WAIT_MSG2"]
    debug = run.show("R-BRANCH", "debug crypto isakmp")
    assert "Preshared authentication offered but does not match policy!" in debug
    assert f"phase 1 SA policy not acceptable! (local {BRANCH} remote {HQ})" in debug
    assert f"%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main mode failed with peer at {HQ}" in debug
    assert "Sending NOTIFY PROPOSAL_NOT_CHOSEN protocol 1" in debug


def test_without_a_crypto_map_on_the_outside_interface_ios_does_not_answer():
    run = sim.run(variant("asa-to-ios-healthy", ("     ip nat outside\n     crypto map VPN-MAP\n",
                                                 "     ip nat outside\n")))
    assert ios_states(run) == [] and asa_states(run) == ["MM_WAIT_MSG2"]
    assert run.show("R-BRANCH", "debug crypto isakmp") == "Crypto ISAKMP debugging is on\n"


# ----------------------------------------------------------------------------------------------------------------
# show output: golden files


CASES = [
    ("asa-to-ios-healthy", "show crypto isakmp sa", None, "look"),
    ("asa-to-ios-healthy", "show crypto isakmp sa", 70, "at70"),
    ("asa-to-ios-healthy", "show crypto isakmp sa detail", None, "detail"),
    ("asa-to-ios-healthy", "debug crypto isakmp", None, "debug"),
    ("ios-to-asa-psk-mismatch", "show crypto isakmp sa", None, "look"),
    ("ios-to-asa-psk-mismatch", "show crypto isakmp sa", 70, "at70"),
    ("ios-to-asa-psk-mismatch", "show crypto isakmp sa detail", None, "detail"),
    ("ios-to-asa-psk-mismatch", "debug crypto isakmp", 70, "debug-at70"),
    ("ios-no-psk", "show crypto isakmp sa", None, "look"),
    ("ios-no-psk", "show crypto isakmp sa", 70, "at70"),
    ("ios-no-psk", "show crypto isakmp sa detail", None, "detail"),
    ("ios-no-psk", "debug crypto isakmp", None, "debug"),
]


@pytest.mark.parametrize("name, command, at, label", CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_golden_r_branch(name, command, at, label, golden):
    golden(GOLDEN / f"{name}.{label}.txt", sim.run(name).show("R-BRANCH", command, at=at))


def test_golden_set_is_exactly_the_cases():
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(f"{n}.{label}.txt" for n, _, _, label in CASES)


def test_the_table_layout_line_for_line():
    out = sim.run("asa-to-ios-healthy").show("R-BRANCH", "show crypto isakmp sa")
    assert out == ("IPv4 Crypto ISAKMP SA\n"
                   "dst             src             state          conn-id status\n"
                   "203.0.113.10    198.51.100.1    QM_IDLE           1001 ACTIVE\n"
                   "\n"
                   "IPv6 Crypto ISAKMP SA\n"
                   "\n")


def test_conn_id_is_0_until_the_sa_has_keys():
    run = sim.run("ios-to-asa-psk-mismatch")
    # R-BRANCH sends MM3 at 0.010 (MM_SA_SETUP, no keys yet) and derives its keys on MM4 at 0.020
    assert "MM_SA_SETUP          0 ACTIVE" in run.show("R-BRANCH", "show crypto isakmp sa", at=0.015)
    assert "MM_NO_STATE          0 ACTIVE" in run.show("R-BRANCH", "show crypto isakmp sa", at=0.005)
    assert "MM_KEY_EXCH       1001 ACTIVE" in run.show("R-BRANCH", "show crypto isakmp sa", at=0.020)


# ----------------------------------------------------------------------------------------------------------------
# commands, abbreviations and filters


@pytest.mark.parametrize("command", ["show crypto isakmp sa", "sh cry isa sa", "SHOW CRYPTO ISAKMP SA",
                                     "sho crypt isak s"])
def test_abbreviations(command):
    assert "QM_IDLE" in sim.run("asa-to-ios-healthy").show("R-BRANCH", command)


@pytest.mark.parametrize("command, expected", [
    ("show crypto isakmp sa | include QM_IDLE", "203.0.113.10    198.51.100.1    QM_IDLE           1001 ACTIVE\n"),
    ("show crypto isakmp sa | i QM", "203.0.113.10    198.51.100.1    QM_IDLE           1001 ACTIVE\n"),
    ("show crypto isakmp sa | begin IPv6", "IPv6 Crypto ISAKMP SA\n\n"),
    ("show crypto isakmp sa | exclude ^$|IPv", "dst             src             state          conn-id status\n"
                                               "203.0.113.10    198.51.100.1    QM_IDLE           1001 ACTIVE\n"),
    ("show crypto isakmp sa | count ACTIVE", "Number of lines which match regexp = 1\n"),
    # D: the ASA announced DPD (its DPD VID rides in MM5, as in the tunnelsup capture)
    ("show crypto isakmp sa detail | section ^1001", "1001  203.0.113.10    198.51.100.1           ACTIVE aes  sha  "
                                                    "  psk  14 23:59:55 D\n       Engine-id:Conn-id =  SW:1\n"),
])
def test_filters(command, expected):
    assert sim.run("asa-to-ios-healthy").show("R-BRANCH", command) == expected


@pytest.mark.parametrize("command, fragment", [
    ("show isakmp sa", "unknown command 'show isakmp sa' on an IOS router"),
    ("show crypto ikev1 sa", "unknown command"),
    ("show logging detail", "unknown command"),
    ("show crypto isakmp sa | grep QM", "unknown output modifier '| grep'"),
    ("show crypto isakmp sa | include", "needs a regular expression"),
    ("show crypto isakmp sa | include (", "bad regular expression"),
    ("show crypto isakmp sa | section (", "bad regular expression"),
])
def test_unknown_commands_and_filters(command, fragment):
    with pytest.raises(InputError) as info:
        sim.run("asa-to-ios-healthy").show("R-BRANCH", command)
    assert info.value.field == "command" and fragment in info.value.message


def test_show_logging_layout_and_time():
    run = sim.run("ios-to-asa-psk-mismatch")
    log = run.show("R-BRANCH", "sh logging")
    assert log.startswith("Syslog logging: enabled") and "Log Buffer (8192 bytes):\n" in log
    debug = run.show("R-BRANCH", "deb cry isa", at=0.0)
    assert debug.splitlines()[0] == "Crypto ISAKMP debugging is on"
    assert all(line.startswith("*Nov 27 10:00:00.000: ") for line in debug.splitlines()[1:])
    assert "MM_SA_SETUP" not in debug  # the replay stops at t


@pytest.mark.parametrize("t, text", [(0, "*Nov 27 10:00:00.000"), (8.020000000000001, "*Nov 27 10:00:08.020"),
                                     (3600.0004, "*Nov 27 11:00:00.000"), (14 * 3600 + 0.5, "*Nov 28 00:00:00.500")])
def test_timestamps(t, text):
    assert ios_logs.timestamp(t) == text


def test_every_core_event_name_is_known_to_the_ios_console():
    import re

    core = Path(sim.__file__).parent / "ike"
    names = set()
    for path in core.glob("*.py"):
        names |= set(re.findall(r'(?:_event|Event)\("([a-z0-9_]+)"', path.read_text()))
    # events rendered by a handler, or on purpose rendered elsewhere / not at all on IOS
    silent = {"sending", "retransmit", "ike_disabled", "not_listening", "no_policy", "unsupported_exchange",
              "nat_d_missing", "nat_t_float"}
    missing = {n for n in names if not hasattr(ios_logs._Console, f"ev_{n}")} - silent
    assert not missing, sorted(missing)


def test_deterministic_output():
    a = sim.run("ios-to-asa-psk-mismatch").show("R-BRANCH", "debug crypto isakmp", at=70)
    b = sim.run("ios-to-asa-psk-mismatch").show("R-BRANCH", "debug crypto isakmp", at=70)
    assert a == b


# ----------------------------------------------------------------------------------------------------------------
# the CLI passes commands to the IOS platform


def test_cli_runs_the_ios_scenario(capsys):
    assert main(["run", "ios-to-asa-psk-mismatch", "--command", "show crypto isakmp sa"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("R-BRANCH#show crypto isakmp sa\nIPv4 Crypto ISAKMP SA\n")
    assert "MM_KEY_EXCH       1001 ACTIVE" in out and "ASA-HQ# show crypto isakmp sa\n" in out
    assert "State   : MM_WAIT_MSG5" in out


def test_cli_unknown_ios_command_is_a_one_line_error(capsys):
    assert main(["run", "ios-no-psk", "--on", "R-BRANCH", "--command", "show isakmp sa"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown command 'show isakmp sa' on an IOS router" in err



# -- crypto keyring / crypto isakmp profile ---------------------------------------------------------------------------

KEYRING_CONFIG = """hostname R1
crypto keyring KR-A
  description first
  local-address GigabitEthernet0/0
  pre-shared-key address 192.0.2.1 key Key-A1
  pre-shared-key address 192.0.2.0 255.255.255.0 key Key-A-net
  pre-shared-key hostname peer.example.com key Key-Host
  pre-shared-key address ipv6 2001:db8::1/128 key Key-V6
  rsa-pubkey address 192.0.2.9
   address 192.0.2.9
   key-string
    30820122 300D0609
   quit
crypto keyring KR-B
  pre-shared-key address 192.0.2.1 key Key-B1
  pre-shared-key address 192.0.2.2 key 0 Key-B2 with blanks  
  pre-shared-key address 0.0.0.0 0.0.0.0 key Key-Any
crypto isakmp key Global-3 address 192.0.2.3
crypto isakmp key Global-net address 192.0.2.0 255.255.255.0
crypto isakmp profile PROF-A
   keyring KR-A
   match identity address 192.0.2.1 255.255.255.255
   match identity host peer.example.com
   self-identity address
   keepalive 10 retry 3
   initiate mode main
"""


def test_keyring_keys_are_peer_keys_by_address():
    from sim.platforms.ios.config import parse_ios_config

    config = parse_ios_config(KEYRING_CONFIG)
    key = lambda peer: config.peer_key(peer).psk.decode()  # noqa: E731
    assert key("192.0.2.1") == "Key-A1"  # in KR-A and KR-B: the first keyring wins
    assert key("192.0.2.2") == "Key-B2 with blanks"  # a key is everything after 'key [0]' but trailing blanks
    assert key("192.0.2.3") == "Global-3"
    assert key("192.0.2.77") == "Global-net"  # same network in KR-A and crypto isakmp key: the global key wins
    assert key("198.51.100.1") == "Key-Any"  # a keyring's 0.0.0.0 0.0.0.0 is the wildcard
    assert config.keyed_peers() == ("192.0.2.3", "192.0.2.1", "192.0.2.2")
    assert [(k.name, k.keyring) for k in config.keys][:2] == [("192.0.2.3", None), ("192.0.2.0/24", None)]
    assert config.keyrings == ("KR-A", "KR-B")
    (profile,) = config.profiles
    assert (profile.name, profile.keyrings) == ("PROF-A", ("KR-A",))
    assert profile.identities == (ipaddress.IPv4Network("192.0.2.1/32"),)
    # the core's view: keyring keys are ordinary peer keys
    ike = config.ike_config(None, "198.51.100.2", Retransmit(10, 5, 10))
    assert ike.key_for("192.0.2.1").psk == b"Key-A1"


def test_keyring_fix_lines_go_where_the_key_lives():
    from sim.platforms.ios import fixlines
    from sim.platforms.ios.config import parse_ios_config

    config = parse_ios_config(KEYRING_CONFIG)
    assert fixlines.key_lines(config, "192.0.2.1", "K") == ["crypto keyring KR-A", " pre-shared-key address 192.0.2.1 key K"]
    assert fixlines.key_lines(config, "192.0.2.3", "K") == ["crypto isakmp key K address 192.0.2.3"]
    assert fixlines.key_place("192.0.2.2", config) == "crypto keyring KR-B pre-shared-key address 192.0.2.2"
    # keys only in keyrings: a new key goes in the keyring of the profile that matches the peer
    only = parse_ios_config("crypto keyring KR\n pre-shared-key address 192.0.2.8 key K8\n"
                            "crypto isakmp profile P\n keyring KR\n match identity address 192.0.2.0 255.255.255.0\n")
    assert fixlines.key_lines(only, "192.0.2.9", "K") == ["crypto keyring KR", " pre-shared-key address 192.0.2.9 key K"]
    assert fixlines.key_lines(only, "203.0.113.9", "K") == ["crypto isakmp key K address 203.0.113.9"]


def test_keyring_in_an_asa_config_is_an_error():
    from sim.platforms.asa import parse_asa_config

    with pytest.raises(InputError, match="looks like IOS syntax"):
        parse_asa_config("crypto keyring KR\n pre-shared-key address 192.0.2.1 key K\n")


def test_ikev2_vti_and_dynamic_maps_are_read_and_not_simulated():
    from sim.platforms.ios.config import parse_ios_config

    config = parse_ios_config("""hostname R1
crypto ikev2 keyring IKEV2-KR
 peer AWS
  address 52.1.1.1
  pre-shared-key local Local-K
  pre-shared-key remote Remote-K
crypto ikev2 profile IKEV2-PROF
 match identity remote address 52.1.1.1 255.255.255.255
 authentication remote pre-share
 keyring local IKEV2-KR
crypto ipsec profile VTI-PROF
 set ikev2-profile IKEV2-PROF
crypto dynamic-map DYN 10
 set transform-set TS
crypto map VPN 10 ipsec-isakmp
 set peer 192.0.2.1
crypto map VPN 65535 ipsec-isakmp dynamic DYN
crypto isakmp key K1 address 192.0.2.1
interface Tunnel1
 ip address 169.254.1.2 255.255.255.252
 tunnel source GigabitEthernet0/0
 tunnel mode ipsec ipv4
 tunnel destination 52.1.1.1
 tunnel protection ipsec profile VTI-PROF
interface GigabitEthernet0/0
 ip address 198.51.100.2 255.255.255.0
 crypto map VPN
""")
    assert [(e.seq, e.peers, e.dynamic) for e in config.crypto_maps] == [(10, ("192.0.2.1",), False), (65535, (), True)]
    assert config.keyed_peers() == ("192.0.2.1",)  # the IKEv2 keyring is not an IKEv1 key
    assert config.ike_interfaces() == ("GigabitEthernet0/0",)
