"""The corpus of whole running-configs in tests/corpus/configs checks itself.

Each ``NN-slug.cfg`` is a config kept byte for byte as published (or a marked synthetic one);
its ``NN-slug.yaml`` says where it comes from and what a reader should find in it.  These
tests only check the corpus against itself (metadata against text, pairs against each other),
so a later parser test can trust the metadata as its expected values.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from configcorpus import CORPUS, cfg_files, is_ipv4, read_meta, read_text


KEYS = {
    "source", "title", "platform", "version", "hostname", "interfaces", "outside_address",
    "peers", "keys_masked", "pair", "fragment", "synthetic", "sha256", "notes",
}
SYNTHETIC = re.compile(r"^synthetic \(written for ikesim, modelled on https://\S+.*\)$")
URL = re.compile(r"^https://\S+$")
MASKED = re.compile(
    r"pre-shared-key \*{5}"                                  # ASA show running-config
    r"|^crypto isakmp key [5678] \S+"                        # IOS encrypted key types
    r"|^ *pre-shared-key address \S+(?: \S+)? key [5678] ",  # IOS keyring
    re.M,
)


def _text(cfg: Path) -> str:
    text = read_text(cfg)
    return text if text.endswith("\n") else text + "\n"  # some files end without a newline


ALL = cfg_files()
IDS = [p.stem for p in ALL]


def test_every_file_has_its_partner():
    stems_cfg = {p.stem for p in CORPUS.glob("*.cfg")}
    stems_yaml = {p.stem for p in CORPUS.glob("*.yaml")}
    assert stems_cfg == stems_yaml
    assert all(re.fullmatch(r"\d\d-[a-z0-9.-]+", s) for s in stems_cfg)


def test_size_and_platforms():
    platforms = [read_meta(p)["platform"] for p in ALL]
    assert len(ALL) >= 16
    assert platforms.count("asa") >= 8
    assert platforms.count("ios") >= 8


@pytest.mark.parametrize("cfg", ALL, ids=IDS)
def test_metadata_keys_and_source(cfg):
    meta = read_meta(cfg)
    assert set(meta) == KEYS
    assert meta["platform"] in {"asa", "ios"}
    assert isinstance(meta["keys_masked"], bool)
    assert isinstance(meta["fragment"], bool)
    if meta["synthetic"]:
        assert SYNTHETIC.match(meta["source"]), meta["source"]
    else:
        assert URL.match(meta["source"]), meta["source"]
    assert meta["title"] and meta["notes"] and meta["version"]


@pytest.mark.parametrize("cfg", ALL, ids=IDS)
def test_text_is_unchanged(cfg):
    """The sha256 in the metadata pins the bytes: no editor may 'fix' a published config."""
    assert hashlib.sha256(cfg.read_bytes()).hexdigest() == read_meta(cfg)["sha256"]


@pytest.mark.parametrize("cfg", ALL, ids=IDS)
def test_metadata_matches_text(cfg):
    meta, text = read_meta(cfg), _text(cfg)
    if meta["hostname"] is None:
        assert not re.search(r"^hostname ", text, re.M)
    else:
        assert re.search(rf"^hostname {re.escape(meta['hostname'])}\s*$", text, re.M)
    for itf in meta["interfaces"]:
        block = re.search(
            rf"^interface {re.escape(itf['name'])}\s*\n((?:[ \t].*\n|\s*\n)*?)(?=\S|\Z)", text, re.M)
        assert block, itf
        assert re.search(rf"^ ip address {re.escape(itf['address'])} ", block.group(1), re.M), itf
        if meta["platform"] == "asa":
            assert re.search(rf"^ nameif {re.escape(itf['nameif'])}\s*$", block.group(1), re.M), itf
        else:
            assert "nameif" not in itf
    addresses = [itf["address"] for itf in meta["interfaces"]]
    if not meta["fragment"]:
        assert meta["outside_address"] in addresses
    assert meta["peers"]
    for peer in meta["peers"]:
        assert peer in text, peer
    assert bool(MASKED.search(text)) == meta["keys_masked"]


@pytest.mark.parametrize("cfg", ALL, ids=IDS)
def test_platform_matches_syntax(cfg):
    meta, text = read_meta(cfg), _text(cfg)
    asa_only = re.search(r"^(tunnel-group \S+ |crypto ikev1 |crypto isakmp enable |ASA Version )", text, re.M)
    ios_only = re.search(r"^(crypto isakmp key |crypto keyring |version \d)", text, re.M)
    if meta["platform"] == "asa":
        assert asa_only and not ios_only
    else:
        assert ios_only and not asa_only


def test_pairs_point_at_each_other():
    metas = {p.name: read_meta(p) for p in ALL}
    mutual = set()
    for name, meta in metas.items():
        other = meta["pair"]
        if other is None:
            continue
        assert other in metas and other != name, (name, other)
        if metas[other]["pair"] == name:
            mutual.add(frozenset((name, other)))
        # whichever way the pair field points, the two ends name each other as peers
        assert meta["outside_address"] in metas[other]["peers"], (name, other)
        assert metas[other]["outside_address"] in meta["peers"], (name, other)
    assert len(mutual) >= 3
    assert any(metas[a]["platform"] != metas[b]["platform"] for a, b in map(tuple, mutual))


def test_real_configs_come_first():
    metas = [read_meta(p) for p in ALL]
    real = [m for m in metas if not m["synthetic"]]
    assert len(real) > len(metas) - len(real)
    assert sum(m["synthetic"] for m in metas) <= 4  # at most two synthetic pairs


def test_readme_lists_every_file():
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    for p in ALL:
        assert p.name in readme, p.name


@pytest.mark.parametrize("cfg", ALL, ids=IDS)
def test_addresses_are_addresses(cfg):
    meta = read_meta(cfg)
    masked_by_publisher = "X" in (meta["outside_address"] or "")
    for addr in [i["address"] for i in meta["interfaces"]] + meta["peers"] + [meta["outside_address"]]:
        assert is_ipv4(addr) or (masked_by_publisher and re.fullmatch(r"[\dX]+(\.[\dX]+){3}", addr)), addr
