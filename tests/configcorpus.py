"""The running-config corpus (tests/corpus/configs/): its files, their sidecar metadata, and how a test reads them."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import yaml

CORPUS = Path(__file__).parent / "corpus" / "configs"


def cfg_files() -> list[Path]:
    return sorted(CORPUS.glob("*.cfg"))


def read_meta(cfg: Path) -> dict:
    """The .yaml next to a config: its source address, platform, version and what it holds."""
    return yaml.safe_load(cfg.with_suffix(".yaml").read_text(encoding="utf-8"))


def read_text(cfg: Path) -> str:
    """The file as ``sim.check.run`` reads it: CRLF line ends folded."""
    return cfg.read_bytes().decode("utf-8").replace("\r\n", "\n")


def is_ipv4(s: str) -> bool:
    try:
        ipaddress.IPv4Address(s)
    except ValueError:
        return False
    return True
