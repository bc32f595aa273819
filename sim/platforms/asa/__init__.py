"""Cisco ASA platform: configuration parsing (and, elsewhere, ASA-style views)."""

from .config import POLICY_DEFAULTS, AsaConfig, TunnelGroup, parse_asa_config

__all__ = ["POLICY_DEFAULTS", "AsaConfig", "TunnelGroup", "parse_asa_config"]
