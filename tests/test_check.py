"""``ikesim check``: whole running-configs (tests/corpus/check/, modelled on real ASA 9.12, ASA 8.4 and IOS 15.9
running-configs with their usual noise) against each other, each fault in both directions, on ASA<->IOS and
ASA<->ASA. Codes are compared, not prose, where codes exist (evidence cause codes, explanation codes, exit codes)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sim.check import report
from sim.check.run import check, check_texts
from sim.cli import main
from sim.errors import InputError

CORPUS = Path(__file__).parent / "corpus" / "check"
ASA_HQ = (CORPUS / "asa-hq.cfg").read_text()
R_BRANCH = (CORPUS / "r-branch.cfg").read_text()
ASA_BRANCH = (CORPUS / "asa-branch.cfg").read_text()
HQ, BRANCH = "203.0.113.1", "198.51.100.20"
PEERS = {"ios": R_BRANCH, "asa": ASA_BRANCH}
BRANCH_NAME = {"ios": "R-BRANCH", "asa": "ASA-BRANCH"}


def sub(text: str, pattern: str, replacement: str, count: int = 1) -> str:
    new, n = re.subn(pattern, replacement, text, count=count, flags=re.M)
    assert n, pattern
    return new


def run(a: str, b: str, **options):
    return check_texts(a, b, "a.cfg", "b.cfg", **options)


def codes(result):
    """Per direction: (up, evidence cause code, explanation code)."""
    out = []
    for direction, explanation in zip(result.directions, result.explanations):
        ev = direction.evidence
        out.append((bool(ev and ev.up), ev.cause.code if ev and ev.cause else None,
                    explanation.code if explanation else None))
    return out


def states(result):
    return [report.as_dict(result)["directions"][i]["states"] for i in (0, 1)]


def state_names(result, i):
    return {host: (s["state"] if s else None) for host, s in states(result)[i].items()}


def fixes(result, i):
    explanation = result.explanations[i]
    return [(f.hostname, list(f.lines)) for f in explanation.fixes]


# -- the corpus reads ----------------------------------------------------------------------------------------------

def test_whole_configs_read_with_everything_unrelated_left_in():
    result = run(ASA_HQ, R_BRANCH)
    a, b = result.boxes
    assert (a.platform, a.hostname, a.version) == ("asa", "ASA-HQ", "9.12(4)")
    assert (b.platform, b.hostname, b.version) == ("ios", "R-BRANCH", "15.9")
    assert a.config.crypto_map_bindings == {"outside": "outside_map"}
    assert [(e.map, e.seq, e.peers) for e in a.config.crypto_maps] == [("outside_map", 1, (BRANCH,))]
    assert a.config.interface_addresses() == {HQ: "outside", "10.10.0.1": "inside", "192.168.1.1": "management"}
    assert [(e.map, e.seq, e.peers) for e in b.config.crypto_maps] == [("VPN-MAP", 10, (HQ,))]
    # the banner's and the certificate block's 'crypto isakmp key' lines are not keys
    assert [k.name for k in b.config.keys] == [HQ]
    assert (result.topology.a.address, result.topology.b.address) == (HQ, BRANCH)
    assert run(ASA_HQ, ASA_BRANCH).boxes[1].version == "8.4(7)"


@pytest.mark.parametrize("peer", ["ios", "asa"])
def test_healthy_both_directions_come_up(peer):
    result = run(ASA_HQ, PEERS[peer])
    assert codes(result) == [(True, None, None), (True, None, None)]
    up = "QM_IDLE" if peer == "ios" else "MM_ACTIVE"
    assert state_names(result, 0) == {"ASA-HQ": "MM_ACTIVE", BRANCH_NAME[peer]: up}
    assert result.exit_code == 0


@pytest.mark.parametrize("peer", ["ios", "asa"])
def test_key_mismatch(peer):
    broken = sub(PEERS[peer], "Hq-Branch-Key1", "Hq-Branch-Key9")
    result = run(ASA_HQ, broken)
    assert codes(result) == [(False, "psk-mismatch", "psk-mismatch")] * 2
    wait5 = "MM_KEY_EXCH" if peer == "ios" else "MM_WAIT_MSG5"
    wait6 = "MM_KEY_EXCH" if peer == "ios" else "MM_WAIT_MSG6"
    assert state_names(result, 0) == {"ASA-HQ": "MM_WAIT_MSG6", BRANCH_NAME[peer]: wait5}
    assert state_names(result, 1) == {BRANCH_NAME[peer]: wait6, "ASA-HQ": "MM_WAIT_MSG5"}
    # each fix goes to that direction's responder, in its dialect; the keys are never printed
    branch_fix = (["crypto isakmp key <the same key as on ASA-HQ> address 203.0.113.1"] if peer == "ios" else
                  ["tunnel-group 203.0.113.1 ipsec-attributes", " ikev1 pre-shared-key <the same key as on ASA-HQ>"])
    assert fixes(result, 0) == [(BRANCH_NAME[peer], branch_fix)]
    assert fixes(result, 1) == [("ASA-HQ", ["tunnel-group 198.51.100.20 ipsec-attributes",
                                            f" ikev1 pre-shared-key <the same key as on {BRANCH_NAME[peer]}>"])]
    text = report.render(result)
    assert "Hq-Branch-Key" not in text and "Hq-Branch-Key" not in json.dumps(report.as_dict(result))


def test_key_mismatch_by_a_trailing_blank_is_named():
    broken = sub(ASA_BRANCH, "ikev1 pre-shared-key Hq-Branch-Key1", "ikev1 pre-shared-key Hq-Branch-Key1 \\t")
    result = run(ASA_HQ, broken)
    # an ASA key is everything after its keyword, trailing blanks included (as the box stores it)
    assert codes(result)[0][2] == "psk-mismatch"
    assert "differ only in trailing blanks" in result_why(result, 0)
    broken = sub(R_BRANCH, "Hq-Branch-Key1", "hq-branch-key1")
    assert "differ only in upper and lower case" in result_why(run(ASA_HQ, broken), 0)


def result_why(result, i):
    return result.explanations[i].why


@pytest.mark.parametrize("peer", ["ios", "asa"])
def test_tunnel_group_for_the_wrong_address(peer):
    broken = sub(ASA_HQ, r"^tunnel-group 198\.51\.100\.20 ", "tunnel-group 198.51.100.21 ", count=0)
    result = run(broken, PEERS[peer])
    assert codes(result) == [(False, "no-key", "no-key")] * 2
    lines = ["tunnel-group 198.51.100.20 type ipsec-l2l", "tunnel-group 198.51.100.20 ipsec-attributes",
             f" ikev1 pre-shared-key <the same key as on {BRANCH_NAME[peer]}>"]
    assert fixes(result, 0) == fixes(result, 1) == [("ASA-HQ", lines)]
    assert "written for 198.51.100.21 while the peer is 198.51.100.20: a typo?" in result_why(result, 1)
    # ASA-HQ starts anyway and gives up after MM4; as responder it drops MM3
    assert result.directions[0].evidence.removals[0][1:4] == ("ASA-HQ", "initiator", "MM_WAIT_MSG4")
    assert result.directions[1].evidence.cause.message == "MM3"
    wait = "MM_SA_SETUP" if peer == "ios" else "MM_WAIT_MSG4"
    assert state_names(result, 1) == {BRANCH_NAME[peer]: wait, "ASA-HQ": None}


def test_ios_key_for_the_wrong_address():
    broken = sub(R_BRANCH, r"address 203\.0\.113\.1 *$", "address 203.0.113.2")
    result = run(ASA_HQ, broken)
    assert codes(result) == [(False, "no-key", "no-key")] * 2
    assert [c.event for c in (d.evidence.cause for d in result.directions)] == ["proposal_rejected",
                                                                                 "no_key_to_initiate"]
    assert fixes(result, 0) == fixes(result, 1) == [
        ("R-BRANCH", ["crypto isakmp key <the same key as on ASA-HQ> address 203.0.113.1"])]
    assert "written for 203.0.113.2 while the peer is 203.0.113.1: a typo?" in result_why(result, 0)
    assert state_names(result, 0) == {"ASA-HQ": "MM_WAIT_MSG2", "R-BRANCH": None}
    assert state_names(result, 1) == {"R-BRANCH": None, "ASA-HQ": None}


@pytest.mark.parametrize("peer", ["ios", "asa"])
def test_dh_group_mismatch(peer):
    broken = sub(PEERS[peer], r"^ group 14", " group 5")
    result = run(ASA_HQ, broken)
    assert codes(result) == [(False, "proposal-mismatch", "proposal-mismatch")] * 2
    name = BRANCH_NAME[peer]
    header = "crypto isakmp policy 10" if peer == "ios" else "crypto ikev1 policy 10"
    assert fixes(result, 0) == [(name, [header, " group 14"])]
    assert fixes(result, 1) == [("ASA-HQ", ["crypto ikev1 policy 10", " group 5"])]
    why = result_why(result, 0)
    assert "ASA-HQ crypto ikev1 policy 10: group 14" in why and f"{name} {header}: group 5" in why
    assert state_names(result, 0) == {"ASA-HQ": "MM_WAIT_MSG2", name: None}
    assert state_names(result, 1)[name] == ("MM_NO_STATE" if peer == "ios" else "MM_WAIT_MSG2")


@pytest.mark.parametrize("peer, broken_side", [("ios", "hq"), ("asa", "hq"), ("asa", "branch")])
def test_crypto_ikev1_enable_missing(peer, broken_side):
    """(IOS has no 'crypto ikev1 enable': its interface opens with a crypto map, see the crypto map tests.)"""
    hq, branch = ASA_HQ, PEERS[peer]
    if broken_side == "hq":
        hq = sub(hq, r"^crypto ikev1 enable outside\n", "")
    else:
        branch = sub(branch, r"^crypto ikev1 enable outside\n", "")
    result = run(hq, branch)
    assert codes(result) == [(False, "not-listening", "ike-disabled")] * 2
    host = "ASA-HQ" if broken_side == "hq" else BRANCH_NAME[peer]
    assert fixes(result, 0) == fixes(result, 1) == [(host, ["crypto ikev1 enable outside"])]
    # the closed side starts nothing; the other side's MM1 gets no answer
    assert [d.evidence.cause.event for d in result.directions] == (
        ["ike_disabled", "not_listening"] if broken_side == "hq" else ["not_listening", "ike_disabled"])


@pytest.mark.parametrize("peer", ["ios", "asa"])
@pytest.mark.parametrize("broken_side", ["hq", "branch"])
def test_no_crypto_map_on_the_interface(peer, broken_side):
    hq, branch = ASA_HQ, PEERS[peer]
    if broken_side == "hq":
        hq = sub(hq, r"^crypto map outside_map interface outside\n", "")
        host, lines = "ASA-HQ", ["crypto map outside_map interface outside"]
    elif peer == "asa":
        branch = sub(branch, r"^crypto map outside_map interface outside\n", "")
        host, lines = "ASA-BRANCH", ["crypto map outside_map interface outside"]
    else:
        branch = sub(branch, r"^ crypto map VPN-MAP\n", "")
        host, lines = "R-BRANCH", ["interface GigabitEthernet0/0", " crypto map VPN-MAP"]
    result = run(hq, branch)
    assert codes(result) == [(False, "not-listening", "no-crypto-map")] * 2
    assert fixes(result, 0) == fixes(result, 1) == [(host, lines)]
    for direction in result.directions:
        assert direction.evidence.cause.detail["why"] == "no-crypto-map"
    if host.startswith("ASA"):
        assert "No crypto map bound to interface" in result_why(result, 0)


@pytest.mark.parametrize("peer", ["ios", "asa"])
@pytest.mark.parametrize("behind", ["A", "B"])
def test_nat_between_them_needs_nat_t(peer, behind):
    public = "192.0.2.1"
    hq, branch = ASA_HQ, PEERS[peer]
    if behind == "B":  # the branch sits behind PAT: the HQ names its public address
        hq = hq.replace(BRANCH, public)
        branch = sub(branch, r"ip address 198\.51\.100\.20 255\.255\.255\.0", "ip address 10.0.0.2 255.255.255.0")
    else:
        branch = branch.replace(HQ, public)
        hq = sub(hq, r"ip address 203\.0\.113\.1 255\.255\.255\.248", "ip address 10.0.0.2 255.255.255.0")
    # NAT-T is on by default on an ASA (8.3 on): turn it off on the ASA(s) with its 'no' form
    hq = sub(hq, r"^crypto ikev1 enable outside$", "crypto ikev1 enable outside\nno crypto isakmp nat-traversal")
    if peer == "asa":
        branch = sub(branch, r"^crypto ikev1 enable outside$",
                     "crypto ikev1 enable outside\nno crypto isakmp nat-traversal")
    rule = [f"nat {behind} {public}"]
    result = run(hq, branch, path=rule)
    # only the box behind PAT can start; Phase 1 comes up on UDP 500, but NAT-T is off on the ASA(s)
    applicable = [d.applicable for d in result.directions]
    assert applicable == ([False, True] if behind == "B" else [True, False])
    started = result.directions[applicable.index(True)]
    assert started.evidence.up and not started.evidence.nat_t
    assert {f.code for f in result.findings} == {"nat-t-needed"}
    off = {f.fixes[0].hostname for f in result.findings}
    assert off == ({"ASA-HQ"} if peer == "ios" else {"ASA-HQ", "ASA-BRANCH"})
    assert result.exit_code == 1
    # with 'crypto isakmp nat-traversal 20' on the ASA(s): MM5/MM6 float to UDP 4500 and the check passes
    hq = sub(hq, r"^no crypto isakmp nat-traversal$", "crypto isakmp nat-traversal 20")
    if peer == "asa":
        branch = sub(branch, r"^no crypto isakmp nat-traversal$", "crypto isakmp nat-traversal 20")
    result = run(hq, branch, path=rule)
    started = result.directions[applicable.index(True)]
    assert started.evidence.up and started.evidence.nat_t
    assert result.findings == () and result.exit_code == 0
    assert result.explanations[applicable.index(False)].code == "behind-pat"


def test_nat_not_given_says_which_option():
    hq = ASA_HQ.replace(BRANCH, "192.0.2.1")
    branch = sub(R_BRANCH, r"ip address 198\.51\.100\.20 255\.255\.255\.0", "ip address 10.0.0.2 255.255.255.0")
    with pytest.raises(InputError) as info:
        run(hq, branch)
    assert "--path 'nat B 192.0.2.1'" in str(info.value) and "--address B=IP" in str(info.value)


def test_several_peer_addresses_say_which_option():
    branch = sub(R_BRANCH, r"^interface GigabitEthernet0/2\n no ip address",
                 "interface GigabitEthernet0/2\n ip address 198.51.100.30 255.255.255.0")
    hq = sub(ASA_HQ, r"^crypto map outside_map 1 set peer 198\.51\.100\.20 ",
             "crypto map outside_map 1 set peer 198.51.100.20 198.51.100.30")
    with pytest.raises(InputError) as info:
        run(hq, branch)
    assert "--address B=IP" in str(info.value)
    assert "--peer A=IP" in str(info.value)
    assert run(hq, branch, addresses=["R-BRANCH=198.51.100.20"]).topology.b.address == BRANCH
    assert run(hq, branch, peers=["ASA-HQ=198.51.100.30"]).topology.b.address == "198.51.100.30"


@pytest.mark.parametrize("peer", ["ios", "asa"])
def test_path_rules_are_per_side(peer):
    result = run(ASA_HQ, PEERS[peer], path=["drop udp/500 from A"])
    assert codes(result) == [(False, "path-drop", "path-drop")] * 2
    assert [d.evidence.cause.message for d in result.directions] == ["MM1", "MM2"]
    assert result.explanations[0].fixes[0].hostname == "path"
    assert run(ASA_HQ, PEERS[peer], path=["delay 0.5", "loss 0"]).exit_code == 0


def test_crypto_map_peer_typo_means_that_side_never_starts():
    branch = sub(R_BRANCH, r"^ set peer 203\.0\.113\.1", " set peer 203.0.113.7")
    result = run(ASA_HQ, branch)
    assert result.directions[1].blocked == "no-crypto-map-entry"
    assert result.explanations[1].code == "no-crypto-map-entry"
    assert fixes(result, 1) == [("R-BRANCH", ["crypto map VPN-MAP 10 ipsec-isakmp", " set peer 203.0.113.1"])]
    assert result.directions[0].evidence.up and result.exit_code == 1


# -- the command ---------------------------------------------------------------------------------------------------

def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_exit_codes(tmp_path, capsys):
    hq, branch = write(tmp_path, "hq.cfg", ASA_HQ), write(tmp_path, "r.cfg", R_BRANCH)
    assert main(["check", hq, branch]) == 0
    bad = write(tmp_path, "bad.cfg", sub(R_BRANCH, r"^ group 14", " group 5"))
    assert main(["check", hq, bad]) == 1
    unreadable = write(tmp_path, "asa-in-ios.cfg", sub(R_BRANCH, r"^crypto isakmp policy 10$", "crypto ikev1 policy 10"))
    capsys.readouterr()
    assert main(["check", hq, unreadable]) == 2
    err = capsys.readouterr().err
    line = R_BRANCH.splitlines().index("crypto isakmp policy 10") + 1
    assert err.startswith(f"ikesim: error: {unreadable}:{line}: config: 'crypto ikev1 policy 10' looks like ASA syntax")
    assert main(["check", hq, str(tmp_path / "missing.cfg")]) == 2


def test_json_is_the_same_answer_as_data(tmp_path, capsys):
    hq = write(tmp_path, "hq.cfg", ASA_HQ)
    branch = write(tmp_path, "r.cfg", sub(R_BRANCH, "Hq-Branch-Key1", "Hq-Branch-Key2"))
    assert main(["check", hq, branch, "--json", "--at", "10"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "ikesim-check/1" and data["exit"] == 1
    assert [c["hostname"] for c in data["configs"]] == ["ASA-HQ", "R-BRANCH"]
    assert set(data["configs"][0]) == {"label", "source", "hostname", "platform", "version", "address", "interface",
                                       "seen_as", "inferred_from"}
    first = data["directions"][0]
    assert set(first) == {"initiator", "responder", "applicable", "simulated", "up", "at", "states", "nat_t",
                          "datagrams", "removed", "cause", "explanation", "fixes"}
    assert first["at"] == 10.0 and first["cause"]["code"] == "psk-mismatch"
    assert first["states"]["ASA-HQ"] == {"role": "initiator", "state": "MM_WAIT_MSG6", "core_state": "MM_WAIT_MSG6"}
    assert first["states"]["R-BRANCH"]["state"] == "MM_KEY_EXCH"
    assert first["fixes"][0]["device"] == "R-BRANCH"
    assert main(["check", hq, branch]) == 1
    text = capsys.readouterr().out
    assert first["explanation"]["why"] in text


def test_output_is_deterministic(tmp_path, capsys):
    hq, branch = write(tmp_path, "hq.cfg", ASA_HQ), write(tmp_path, "r.cfg", R_BRANCH)
    outputs = set()
    for _ in range(2):
        main(["check", hq, branch, "--path", "loss 0.3"])
        outputs.add(capsys.readouterr().out)
    assert len(outputs) == 1


# -- strict where it matters ----------------------------------------------------------------------------------------

def error(a: str, b: str, **options) -> InputError:
    with pytest.raises(InputError) as info:
        run(a, b, **options)
    return info.value


def line_of(text: str, line: str) -> int:
    return text.splitlines().index(line) + 1


@pytest.mark.parametrize("old, new, fragment", [
    ("crypto isakmp policy 10", "crypto ikev1 policy 10", "looks like ASA syntax, but this is an IOS config"),
    (" encr aes 256", " encryption aes-256", "looks like ASA syntax, but this is an IOS config"),
    ("crypto isakmp key Hq-Branch-Key1 address 203.0.113.1    ", "tunnel-group 203.0.113.1 type ipsec-l2l",
     "looks like ASA syntax"),
    ("crypto isakmp keepalive 10 3", "crypto isakmp enable outside", "looks like ASA syntax"),
    (" crypto map VPN-MAP", " nameif outside", "looks like ASA syntax"),
    ("crypto isakmp keepalive 10 3", "crypto map VPN-MAP interface GigabitEthernet0/0", "looks like ASA syntax"),
    ("crypto isakmp keepalive 10 3", "crypto map VPN-MAP 10 set peer 203.0.113.1", "looks like ASA syntax"),
    ("crypto isakmp policy 10", "cry isa pol 10", "abbreviation of 'crypto isakmp policy 10'"),
    (" authentication pre-share", " auth pre-share", "abbreviation of 'authentication pre-share'"),
    (" crypto map VPN-MAP", " cry map VPN-MAP", "abbreviation of 'crypto map VPN-MAP'"),
])
def test_ios_config_errors_name_file_and_line(old, new, fragment):
    broken = sub(R_BRANCH, "^" + re.escape(old) + "$", new)
    err = error(ASA_HQ, broken)
    assert (err.source, err.line) == ("b.cfg", line_of(broken, new)), str(err)
    assert fragment in err.message, err.message


@pytest.mark.parametrize("old, new, fragment", [
    (" ikev1 pre-shared-key Hq-Branch-Key1", " crypto isakmp key Hq-Branch-Key1 address 198.51.100.20",
     "looks like IOS syntax"),
    ("crypto ikev1 enable outside", "crypto isakmp key Hq-Branch-Key1 address 198.51.100.20",
     "looks like IOS syntax, but this is an ASA config"),
    ("crypto ikev1 policy 10\n authentication pre-share\n encryption aes-256",
     "crypto ikev1 policy 10\n authentication pre-share\n encr aes 256", "looks like IOS syntax, but this is an ASA config"),
    ("crypto ikev1 policy 10\n authentication pre-share\n encryption aes-256",
     "crypto ikev1 policy 10\n authentication pre-share\n encryption aes 256", "looks like IOS syntax"),
    ("crypto map outside_map interface outside", "crypto keyring BRANCH", "looks like IOS syntax"),
    ("crypto ikev1 policy 10", "cry ikev1 pol 10", "abbreviation of 'crypto ikev1 policy 10'"),
    (" hash sha", " ha sha", "abbreviation of 'hash sha'"),
    (" nameif outside", " nameif outside\n crypto map outside_map", "looks like IOS syntax"),
    (" ikev1 pre-shared-key Hq-Branch-Key1", " ikev1 pre-shared Hq-Branch-Key1", "abbreviation of 'ikev1 pre-shared-key'"),
    ("crypto ikev1 enable outside", "crypto ike enable outside", "ambiguous"),
])
def test_asa_config_errors_name_file_and_line(old, new, fragment):
    broken = sub(ASA_HQ, "^" + re.escape(old) + " ?$", new)
    err = error(broken, R_BRANCH)
    new = new.splitlines()[-1]
    assert (err.source, err.line) == ("a.cfg", line_of(broken, new)), str(err)
    assert fragment in err.message, err.message


def test_ios_crypto_map_block_in_an_asa_config():
    broken = sub(ASA_HQ, r"^crypto map outside_map 1 match address outside_cryptomap$",
                 "crypto map outside_map 1 ipsec-isakmp\n set peer 198.51.100.20")
    err = error(broken, R_BRANCH)
    assert err.line == line_of(broken, " set peer 198.51.100.20") and "looks like IOS syntax" in err.message


@pytest.mark.parametrize("masked", ["*****", "8 fTxIdWbRTaPcJUGhUKEAKHBAIVRUXYKOc"])
def test_masked_asa_key(masked, tmp_path, capsys):
    broken = sub(ASA_HQ, r"^ ikev1 pre-shared-key Hq-Branch-Key1$", f" ikev1 pre-shared-key {masked}")
    err = error(broken, R_BRANCH)
    assert err.line == line_of(broken, f" ikev1 pre-shared-key {masked}")
    assert "masked" in err.message and "--key A=KEY" in err.message
    assert run(broken, R_BRANCH, keys=["ASA-HQ=Hq-Branch-Key1"]).exit_code == 0
    assert codes(run(broken, R_BRANCH, keys=["A=wrong"]))[0][2] == "psk-mismatch"
    hq, branch = write(tmp_path, "hq.cfg", broken), write(tmp_path, "r.cfg", R_BRANCH)
    assert main(["check", hq, branch]) == 2
    assert "--key A=KEY" in capsys.readouterr().err
    assert main(["check", hq, branch, "--key", "A=Hq-Branch-Key1"]) == 0


@pytest.mark.parametrize("masked", ["6 FLgBaJHXdYY_AcHZZMgQ_RhTDJXHUBAAB", "7 02050D480809", "8 $8$abcdef", "*****"])
def test_masked_ios_key(masked):
    broken = sub(R_BRANCH, r"^crypto isakmp key Hq-Branch-Key1 address", f"crypto isakmp key {masked} address")
    err = error(ASA_HQ, broken)
    assert err.line == line_of(broken, f"crypto isakmp key {masked} address 203.0.113.1    ")
    assert "masked" in err.message and "--key B=KEY" in err.message
    assert run(ASA_HQ, broken, keys=["R-BRANCH=Hq-Branch-Key1"]).exit_code == 0


def test_options_are_checked():
    for options in ({"path": ["drop udp/501"]}, {"path": ["nat C 1.2.3.4"]}, {"path": ["loss 2"]},
                    {"keys": ["nobody=x"]}, {"addresses": ["A=10.9.9.9"]}, {"platforms": ["A=pix"]}):
        with pytest.raises(InputError):
            run(ASA_HQ, R_BRANCH, **options)


def test_platform_cannot_be_told():
    err = error("hostname X\n", R_BRANCH)
    assert "--platform A=asa" in err.message


def test_corpus_files_read_through_the_file_api():
    assert check(str(CORPUS / "asa-hq.cfg"), str(CORPUS / "asa-branch.cfg")).exit_code == 0


def test_pre_84_asa_reads_and_gets_fixes_in_its_own_syntax():
    old = (CORPUS / "asa-82-branch.cfg").read_text()
    with pytest.raises(InputError, match="--address B=IP"):
        run(ASA_HQ, old)  # ASA-HQ names no address of ASA-OLD
    result = run(ASA_HQ, old, addresses=["ASA-OLD=198.51.100.30"])
    box = result.boxes[1]
    assert (box.hostname, box.version) == ("ASA-OLD", "8.2(5)")
    # 'set peer HQ-PEER' is resolved through 'name 203.0.113.1 HQ-PEER'
    assert box.config.crypto_maps[0].peers == (HQ,)
    assert result.topology.b.address == "198.51.100.30"
    # ASA-HQ has no crypto map entry for it; the old box offers 3des/group 2, which ASA-HQ does not accept
    assert result.explanations[0].code == "no-crypto-map-entry"
    assert fixes(result, 0) == [("ASA-HQ", ["crypto map outside_map 1 set peer 198.51.100.30"])]
    assert codes(result)[1] == (False, "proposal-mismatch", "proposal-mismatch")
    from sim.platforms.asa import fixlines

    assert fixlines.key_lines(box.config, HQ, "K") == [f"tunnel-group {HQ} type ipsec-l2l",
                                                      f"tunnel-group {HQ} ipsec-attributes", " pre-shared-key K"]
    assert fixlines.enable_lines(box.config, "outside") == ["crypto isakmp enable outside"]


@pytest.mark.parametrize("banner", [
    "banner motd ^CSingle line with crypto isakmp key x address 1.1.1.1^C",
    "banner login #\ncrypto ikev1 policy 1\n#",
    "banner exec ^C\ntunnel-group 1.1.1.1 type ipsec-l2l\n  indented text\n^C",
    "banner ^C\ncry isa pol 10\n^C",
])
def test_ios_banners_are_skipped_whatever_they_say(banner):
    text = sub(R_BRANCH, r"^control-plane$", "control-plane\n!\n" + banner)
    assert run(ASA_HQ, text).exit_code == 0


def test_asa_no_crypto_map_rule_keeps_fragments_working():
    from sim.platforms.asa.config import parse_asa_config

    fragment = parse_asa_config("crypto ikev1 enable outside\n")
    assert fragment.listening_on("outside") == (True, "")
    whole = parse_asa_config("ASA Version 9.12(4)\ncrypto ikev1 enable outside\n")
    assert whole.listening_on("outside") == (False, "no-crypto-map")
    mapped = parse_asa_config("crypto map M 10 set peer 1.1.1.1\ncrypto ikev1 enable outside\n")
    assert mapped.listening_on("outside") == (False, "no-crypto-map")
    assert parse_asa_config("crypto map M interface outside\n").listening_on("outside") == (False, "ike-disabled")


@pytest.mark.parametrize("peer", ["ios", "asa"])
def test_a_tunnel_that_comes_up_late_is_shown_up(peer):
    result = run(ASA_HQ, PEERS[peer], path=["loss 0.5"])
    for i, direction in enumerate(result.directions):
        if direction.evidence.up:
            assert set(state_names(result, i).values()) <= {"MM_ACTIVE", "QM_IDLE"}
    assert any(d.evidence.up and d.evidence.at > 5 for d in result.directions)


# -- IOS <-> IOS (R-HQ keeps its key in a crypto keyring matched by an ISAKMP profile, R-BRANCH in crypto isakmp key)

R_HQ = (CORPUS / "r-hq.cfg").read_text()
HQ_KEYRING_FIX = ["crypto keyring KR-BRANCHES", " pre-shared-key address 198.51.100.20 key <the same key as on R-BRANCH>"]


def test_ios_ios_reads_the_keyring_and_profile():
    result = run(R_HQ, R_BRANCH)
    a, b = result.boxes
    assert (a.platform, a.hostname, a.version, b.hostname) == ("ios", "R-HQ", "16.12", "R-BRANCH")
    # the certificate block's indented 'crypto keyring' / 'pre-shared-key' lines are not configuration
    assert [(k.name, k.keyring) for k in a.config.keys] == [(BRANCH, "KR-BRANCHES")]
    assert [(p.name, p.keyrings) for p in a.config.profiles] == [("IKE-BRANCHES", ("KR-BRANCHES",))]
    assert (result.topology.a.address, result.topology.b.address) == (HQ, BRANCH)
    assert "crypto map HQ-MAP 10 set peer 198.51.100.20" in result.topology.b.how


@pytest.mark.parametrize("order", ["hq-first", "branch-first"])
def test_ios_ios_healthy(order):
    a, b = (R_HQ, R_BRANCH) if order == "hq-first" else (R_BRANCH, R_HQ)
    result = run(a, b)
    assert codes(result) == [(True, None, None), (True, None, None)]
    assert state_names(result, 0) == state_names(result, 1) == {"R-HQ": "QM_IDLE", "R-BRANCH": "QM_IDLE"}
    assert result.exit_code == 0


@pytest.mark.parametrize("broken_side", ["hq", "branch"])
def test_ios_ios_key_mismatch(broken_side):
    hq, branch = R_HQ, R_BRANCH
    if broken_side == "hq":
        hq = sub(hq, r"key Hq-Branch-Key1$", "key Hq-Branch-Key9")
    else:
        branch = sub(branch, "Hq-Branch-Key1", "Hq-Branch-Key9")
    result = run(hq, branch)
    assert codes(result) == [(False, "psk-mismatch", "psk-mismatch")] * 2
    assert state_names(result, 0) == state_names(result, 1) == {"R-HQ": "MM_KEY_EXCH", "R-BRANCH": "MM_KEY_EXCH"}
    # each direction's responder gets the fix, where its key lives: R-HQ's keyring, R-BRANCH's crypto isakmp key
    assert fixes(result, 0) == [("R-BRANCH", ["crypto isakmp key <the same key as on R-HQ> address 203.0.113.1"])]
    assert fixes(result, 1) == [("R-HQ", HQ_KEYRING_FIX)]
    assert "R-HQ's crypto keyring KR-BRANCHES pre-shared-key address 198.51.100.20" in result_why(result, 0)
    assert "Hq-Branch-Key" not in report.render(result)


@pytest.mark.parametrize("broken_side", ["hq", "branch"])
def test_ios_ios_dh_group_mismatch(broken_side):
    hq, branch = R_HQ, R_BRANCH
    if broken_side == "hq":
        hq = sub(hq, r"^ group 14", " group 5")
    else:
        branch = sub(branch, r"^ group 14", " group 5")
    result = run(hq, branch)
    assert codes(result) == [(False, "proposal-mismatch", "proposal-mismatch")] * 2
    hq_group, branch_group = ("5", "14") if broken_side == "hq" else ("14", "5")
    # each responder is told to take the initiator's group
    assert fixes(result, 0) == [("R-BRANCH", ["crypto isakmp policy 10", f" group {hq_group}"])]
    assert fixes(result, 1) == [("R-HQ", ["crypto isakmp policy 10", f" group {branch_group}"])]
    assert state_names(result, 0) == {"R-HQ": "MM_NO_STATE", "R-BRANCH": None}
    assert state_names(result, 1) == {"R-BRANCH": "MM_NO_STATE", "R-HQ": None}


@pytest.mark.parametrize("broken_side", ["hq", "branch"])
def test_ios_ios_no_crypto_map_on_the_interface(broken_side):
    hq, branch = R_HQ, R_BRANCH
    if broken_side == "hq":
        hq = sub(hq, r"^ crypto map HQ-MAP\n", "")
        host, lines = "R-HQ", ["interface GigabitEthernet0/0/0", " crypto map HQ-MAP"]
    else:
        branch = sub(branch, r"^ crypto map VPN-MAP\n", "")
        host, lines = "R-BRANCH", ["interface GigabitEthernet0/0", " crypto map VPN-MAP"]
    result = run(hq, branch)
    assert codes(result) == [(False, "not-listening", "no-crypto-map")] * 2
    assert fixes(result, 0) == fixes(result, 1) == [(host, lines)]
    # the router without a crypto map neither starts nor answers; the other one stays in MM_NO_STATE
    other = "R-BRANCH" if host == "R-HQ" else "R-HQ"
    started = 1 if host == "R-HQ" else 0
    assert state_names(result, started) == {other: "MM_NO_STATE", host: None}
    assert state_names(result, 1 - started) == {host: None, other: None}


def test_ios_keyring_written_for_the_wrong_address():
    hq = sub(R_HQ, r"address 198\.51\.100\.20 key", "address 198.51.100.21 key")
    result = run(hq, R_BRANCH)
    assert codes(result) == [(False, "no-key", "no-key")] * 2
    # the fix goes in the keyring of the ISAKMP profile that matches the peer
    assert fixes(result, 0) == fixes(result, 1) == [("R-HQ", HQ_KEYRING_FIX)]
    assert "written for 198.51.100.21 while the peer is 198.51.100.20: a typo?" in result_why(result, 1)


@pytest.mark.parametrize("masked", ["6 FLgBaJHXdYY_AcHZZMgQ_RhTDJXHUBAAB", "7 02050D480809"])
def test_masked_keyring_key(masked):
    hq = sub(R_HQ, r"key Hq-Branch-Key1$", f"key {masked}")
    err = error(hq, R_BRANCH)
    assert err.line == line_of(hq, f"  pre-shared-key address 198.51.100.20 key {masked}")
    assert "--key A=KEY" in err.message
    assert run(hq, R_BRANCH, keys=["R-HQ=Hq-Branch-Key1"]).exit_code == 0


# -- ASA 'lifetime none' ---------------------------------------------------------------------------------------------

def test_asa_lifetime_none_is_the_longest_lifetime():
    """Read as 2147483647 s (README, "Choices where the facts are uncertain"): offered by ASA-HQ, R-BRANCH's
    86400 s wins; offered 86400 s by R-BRANCH, the responder's <= rule refuses it, and the fix says so in ASA
    syntax."""
    hq = sub(ASA_HQ, r"^ lifetime 86400$", " lifetime none")
    result = run(hq, R_BRANCH)
    assert codes(result) == [(True, None, None), (False, "proposal-mismatch", "proposal-mismatch")]
    assert "differs in lifetime" in result_why(result, 1) and "lifetime none" in result_why(result, 1)
    assert fixes(result, 1) == [("ASA-HQ", ["crypto ikev1 policy 10", " lifetime 86400"])]
    both = sub(ASA_BRANCH, r"^ lifetime 86400$", " lifetime none")
    assert run(hq, both).exit_code == 0
