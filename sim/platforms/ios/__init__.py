"""Cisco IOS / IOS XE platform: configuration parsing, IOS state names, show output and console logs."""

from .config import POLICY_DEFAULTS, IosConfig, IsakmpKey, parse_ios_config

__all__ = ["POLICY_DEFAULTS", "IosConfig", "IsakmpKey", "parse_ios_config"]
