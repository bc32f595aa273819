"""Every whole running-config of tests/corpus/configs is read by its platform's parser, says what its metadata says,
and every pair of the corpus gets a verdict from ``ikesim check``.

The corpus (its README) is real published configs plus four marked synthetic ones; its ``.yaml`` files record what
a reader finds in each text (hostname, interfaces and addresses, VPN peers). ``tests/test_config_corpus.py`` checks
the metadata against the text; here the parsers are held to it: interfaces and their addresses as
``interface_addresses()`` reads them, peers as :func:`sim.check.topology.references` reads them (crypto map
``set peer``, tunnel-groups, ``crypto isakmp key`` and keyring keys). Masked keys (``*****``, IOS type 6) are read
with the ``--key`` mechanism (``read_box(..., key=...)``), and without it they are the one clear error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from configcorpus import CORPUS, cfg_files, is_ipv4, read_meta, read_text

from sim.check.read import read_box
from sim.check.run import check
from sim.check.topology import references
from sim.errors import InputError
from sim.platforms.asa.config import LIFETIME_NONE

ALL = cfg_files()
IDS = [p.stem for p in ALL]

#: the real key behind a masked one: the key the other end of the pair has in clear (the .yaml notes say so)
REAL_KEYS = {
    "17-synthetic-asa9124-branch": "Br4nch-Tunn3l-2019",  # 16 has it in clear
    "19-synthetic-iosxe173-br2": "Dc2Br2-ikev1-K3y",  # 18 has it in clear
}
#: a masked key without a pair: any key reads the file
ANY_KEY = "Corpus-Key-1"


def _read(cfg: Path, label: str = "A"):
    meta = read_meta(cfg)
    key = REAL_KEYS.get(cfg.stem, ANY_KEY) if meta["keys_masked"] else None
    return read_box(label, read_text(cfg), str(cfg), key=key)


# -- every config is read, and says what its metadata says ----------------------------------------------------------

@pytest.mark.parametrize("cfg", ALL, ids=IDS)
def test_read_without_error_by_its_platform(cfg):
    meta = read_meta(cfg)
    box = _read(cfg)
    assert box.platform == meta["platform"]
    assert box.config.hostname == meta["hostname"]  # None for the fragments
    if box.config.version is not None:
        assert str(meta["version"]).startswith(box.config.version)


@pytest.mark.parametrize("cfg", ALL, ids=IDS)
def test_interfaces_and_addresses(cfg):
    """Every interface the metadata lists with an IPv4 address is read with that address (ASA: under its nameif);
    addresses the publisher masked (``206.X.X.X``) are no address."""
    meta = read_meta(cfg)
    config = _read(cfg).config
    expected = {i["address"]: (i.get("nameif") or i["name"]) for i in meta["interfaces"] if is_ipv4(i["address"])}
    assert config.interface_addresses() == expected
    if meta["platform"] == "asa":
        names = {i.nameif: i.name for i in config.interfaces if i.nameif}
        assert {i["nameif"]: i["name"] for i in meta["interfaces"] if is_ipv4(i["address"])}.items() <= names.items()


@pytest.mark.parametrize("cfg", ALL, ids=IDS)
def test_peers_as_the_check_reads_them(cfg):
    assert set(references(_read(cfg))) == set(read_meta(cfg)["peers"])


@pytest.mark.parametrize("cfg", [p for p in ALL if read_meta(p)["keys_masked"]], ids=lambda p: p.stem)
def test_a_masked_key_without_key_is_one_clear_error(cfg):
    with pytest.raises(InputError) as info:
        read_box("B", read_text(cfg), str(cfg))
    assert info.value.source == str(cfg)
    assert "masked" in str(info.value) and "--key B=KEY" in str(info.value)
    line = read_text(cfg).splitlines()[info.value.line - 1]
    assert "*****" in line or " 6 " in line


# -- what real boxes print, read as the box means it ----------------------------------------------------------------

@pytest.mark.parametrize("stem", ["02-cml-asav-site1-fw", "03-cml-asav-site2-fw"])
def test_asa_lifetime_none_is_the_longest_lifetime(stem):
    policies = _read(CORPUS / f"{stem}.cfg").config.policies
    assert [p.lifetime for p in policies] == [LIFETIME_NONE] * 3


def test_asa_names_resolve_the_crypto_map_peer():
    config = _read(CORPUS / "16-synthetic-asa825-hq.cfg").config
    assert "set peer BR-ASA-OUTSIDE" in read_text(CORPUS / "16-synthetic-asa825-hq.cfg")
    assert [e.peers for e in config.map_peers("outside")] == [("203.0.113.20",)]
    assert config.peer_key("203.0.113.20").psk == b"Br4nch-Tunn3l-2019"


def test_ios_keyring_keys_are_the_peer_keys():
    r1 = _read(CORPUS / "13-batfish-ios-r1.cfg").config
    assert r1.peer_key("2.3.4.8").psk == b"psk2" and r1.peer_key("2.3.4.11").psk == b"psk3"
    assert r1.key_entry("2.3.4.8").keyring == "KEYRING"
    assert [(p.name, p.keyrings, [str(n) for n in p.identities]) for p in r1.profiles] == [
        ("ISAKMP-PROFIE", ("KEYRING",), ["2.3.4.8/32"]),
        ("ISAKMP-PROFILE-FOR-R3", ("KEYRING_FOR_R3",), ["2.3.4.11/32"]),
    ]
    # r2 has 2.3.4.6 in two keyrings (psk2 in KEYRING, psk5 in KEYRING_FOR_R1): the first keyring's key is used
    r2 = _read(CORPUS / "14-batfish-ios-r2.cfg").config
    assert r2.peer_key("2.3.4.6").psk == b"psk2"
    assert r2.peer_key("2.3.4.11").psk == b"psk4"


def test_ios_vti_only_router_has_keys_but_no_crypto_map():
    """AWS-style: keyrings + profiles + VTIs (``tunnel protection ipsec profile``), no crypto map. Read without
    error; the keys are there, and IKE answers on no interface as the simulator models it (a crypto map turns it
    on; VTIs are not simulated)."""
    config = _read(CORPUS / "15-batfish-ios152-lhr-border-02.cfg").config
    assert config.key_entry("52.27.166.152").keyring == "keyring-vpn-ba2e34a8-0"
    assert config.key_entry("52.39.121.126").keyring == "keyring-vpn-ba2e34a8-1"
    assert config.map_peers() == () and config.ike_interfaces() == ()


def test_asa_several_peers_and_a_dynamic_map():
    config = _read(CORPUS / "18-synthetic-asa9163-dc.cfg").config
    entries = config.map_peers("outside")
    assert [(e.seq, e.peers, e.dynamic) for e in entries] == [
        (10, ("203.0.113.70",), False), (20, ("192.0.2.200",), False), (65535, (), True)]


def test_isakmp_lost_in_a_comment_line_is_read_as_not_enabled():
    """04 as published: 'crypto isakmp enable OUTSIDE' is inside a '!' comment line."""
    assert _read(CORPUS / "04-tunnelsup-asa82-blue.cfg").config.ike_interfaces() == ()


def test_keyring_key_unmasked_with_key():
    text = ("hostname R1\ncrypto keyring KR\n pre-shared-key address 192.0.2.1 key 6 AbCdEfGh\n"
            "crypto isakmp key 6 IjKlMn address 192.0.2.2\n")
    with pytest.raises(InputError) as info:
        read_box("A", text, "r1.cfg", platform="ios")
    assert info.value.line == 3
    config = read_box("A", text, "r1.cfg", platform="ios", key="Real-1").config
    assert config.peer_key("192.0.2.1").psk == b"Real-1" and config.peer_key("192.0.2.2").psk == b"Real-1"


# -- every pair gets a verdict --------------------------------------------------------------------------------------

def _pairs() -> list[tuple[str, str]]:
    pairs = {tuple(sorted((p.name, read_meta(p)["pair"]))) for p in ALL if read_meta(p)["pair"]}
    pairs.add(("10-pt-ios154-toronto.cfg", "12-pt-ios154-r-lan.cfg"))  # 12 is a second spoke of 10
    return sorted(pairs)


PAIRS = _pairs()
#: pairs that cannot be checked as published, and why: published fragments (a blog post's script) have no
#: interfaces; no option stands in for them (ikesim check needs whole running-configs), and the error says so
FRAGMENTS = {("04-tunnelsup-asa82-blue.cfg", "05-tunnelsup-asa82-red.cfg"),
             ("06-tunnelsup-asa82-blue-to-router.cfg", "07-tunnelsup-ios-red-router.cfg")}
#: the verdict each whole pair gets, in both orders: 0 both directions up
VERDICTS = {
    # IKEv1 and IKEv2 on one crypto map, 'lifetime none' on both ASAs: IKEv1 Phase 1 comes up (the real boxes
    # would try IKEv2 first; ikesim checks IKEv1 Main Mode)
    ("02-cml-asav-site1-fw.cfg", "03-cml-asav-site2-fw.cfg"): 0,
    ("08-gns3-ios124-edgerouter-hq.cfg", "09-gns3-ios124-edgerouter-branch.cfg"): 0,
    ("10-pt-ios154-toronto.cfg", "11-pt-ios154-montreal.cfg"): 0,
    ("10-pt-ios154-toronto.cfg", "12-pt-ios154-r-lan.cfg"): 0,
    ("13-batfish-ios-r1.cfg", "14-batfish-ios-r2.cfg"): 0,  # keys from keyrings
    ("16-synthetic-asa825-hq.cfg", "17-synthetic-asa9124-branch.cfg"): 0,  # masked key: --key
    ("18-synthetic-asa9163-dc.cfg", "19-synthetic-iosxe173-br2.cfg"): 0,  # type-6 key: --key
}


def test_every_pair_is_accounted_for():
    assert set(PAIRS) == set(VERDICTS) | FRAGMENTS


def _options(first: str, second: str) -> dict:
    """The options a pair genuinely needs: ``--key`` for a masked key (the real key of the other end)."""
    keys = [f"{label}={REAL_KEYS[Path(name).stem]}" for label, name in (("A", first), ("B", second))
            if Path(name).stem in REAL_KEYS]
    return {"keys": keys} if keys else {}


@pytest.mark.parametrize("order", ["forward", "reverse"])
@pytest.mark.parametrize("pair", sorted(VERDICTS), ids=lambda p: f"{p[0][:2]}-{p[1][:2]}")
def test_check_reaches_a_verdict_on_every_whole_pair(pair, order):
    first, second = pair if order == "forward" else pair[::-1]
    result = check(str(CORPUS / first), str(CORPUS / second), **_options(first, second))
    assert result.exit_code == VERDICTS[pair]
    assert all(d.evidence is not None and d.evidence.up for d in result.directions)
    assert {s.address for s in (result.topology.a, result.topology.b)} == {
        read_meta(CORPUS / first)["outside_address"], read_meta(CORPUS / second)["outside_address"]}


@pytest.mark.parametrize("pair", sorted(FRAGMENTS), ids=lambda p: f"{p[0][:2]}-{p[1][:2]}")
def test_fragments_are_refused_with_the_reason(pair):
    with pytest.raises(InputError) as info:
        check(str(CORPUS / pair[0]), str(CORPUS / pair[1]))
    assert "no interface with a static IPv4 address" in str(info.value)
    assert "whole running-config" in str(info.value)


def test_masked_pair_without_key_needs_the_key_option():
    with pytest.raises(InputError) as info:
        check(str(CORPUS / "16-synthetic-asa825-hq.cfg"), str(CORPUS / "17-synthetic-asa9124-branch.cfg"))
    assert "--key B=KEY" in str(info.value)


def test_wrong_key_for_a_masked_pair_is_a_key_mismatch():
    result = check(str(CORPUS / "18-synthetic-asa9163-dc.cfg"), str(CORPUS / "19-synthetic-iosxe173-br2.cfg"),
                   keys=["B=Not-The-Key"])
    assert result.exit_code == 1
    assert [e.code for e in result.explanations] == ["psk-mismatch", "psk-mismatch"]


def test_any_two_configs_give_a_verdict_or_one_clear_error():
    """Every ordered pair of the corpus, tunnel ends or not: an answer, or an InputError (never a traceback); only
    the real pairs come up."""
    up = set()
    for first in ALL:
        for second in ALL:
            if first == second:
                continue
            try:
                result = check(str(first), str(second), **_options(first.name, second.name))
            except InputError as exc:
                assert exc.source in (str(first), str(second))
                continue
            assert result.exit_code in (0, 1)
            if result.exit_code == 0:
                up.add(tuple(sorted((first.name, second.name))))
    assert up == set(VERDICTS)
