"""Scenario YAML loading (sim.scenario) and the bundled scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine.path import Delay, Drop, Loss, NoRoute
from sim.errors import InputError
from sim.ike.config import PeerKey, Retransmit
from sim.scenario import (
    DeviceSpec,
    Scenario,
    bundled_dir,
    list_bundled,
    load_scenario,
    load_scenario_text,
)

BUNDLED = {
    "healthy",
    "udp500-blocked",
    "return-path-blocked",
    "missing-tunnel-group",
    "psk-mismatch",
    "initiator-no-psk",
}
LAB1, LAB2 = "50.57.228.150", "50.56.229.98"

MINIMAL = """\
title: Minimal
description: Two ASAs.
initiator:
  hostname: ASA-LAB1
  outside: 50.57.228.150
  config: |
    hostname ASA-LAB1
    crypto ikev1 enable outside
    crypto ikev1 policy 10
     encryption aes-256
     group 14
    tunnel-group 50.56.229.98 type ipsec-l2l
    tunnel-group 50.56.229.98 ipsec-attributes
     ikev1 pre-shared-key Key1
responder:
  hostname: ASA-LAB2
  platform: asa
  outside: 50.56.229.98
  config: |
    crypto ikev1 enable outside
    crypto ikev1 policy 10
     encryption aes-256
     group 14
    tunnel-group 50.57.228.150 type ipsec-l2l
    tunnel-group 50.57.228.150 ipsec-attributes
     ikev1 pre-shared-key Key1
"""


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the ``occurrence``-th line containing ``needle``."""
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def load_error(tmp_path: Path, text: str) -> tuple[InputError, str]:
    source = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_scenario(source)
    return info.value, source


def assert_located(error: InputError, source: str, line: int, field: str, *fragments: str) -> None:
    assert (error.source, error.line, error.field) == (source, line, field), str(error)
    assert str(error).startswith(f"{source}:{line}: {field}: "), str(error)
    for fragment in fragments:
        assert fragment in error.message, error.message


# ----------------------------------------------------------------------------------------------------------------
# bundled scenarios


def test_bundled_dir_is_the_repo_scenarios_folder():
    folder = bundled_dir()
    assert folder.is_dir()
    assert {p.stem for p in folder.glob("*.yaml")} >= BUNDLED


def test_list_bundled():
    listed = list_bundled()
    assert [name for name, _ in listed] == sorted(name for name, _ in listed)
    assert {name for name, _ in listed} >= BUNDLED
    titles = dict(listed)
    assert titles["psk-mismatch"] == "Pre-shared keys differ"
    assert all(isinstance(title, str) and title for title in titles.values())


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_scenario_loads(name):
    scenario = load_scenario(name)
    assert isinstance(scenario, Scenario)
    assert scenario.name == name
    assert scenario.title and scenario.description and scenario.notice and scenario.fix
    assert (scenario.look, scenario.seed) == (5.0, 1)
    assert Path(scenario.source) == bundled_dir() / f"{name}.yaml"
    initiator, responder = scenario.devices
    assert (initiator.role, initiator.hostname, initiator.outside) == ("initiator", "ASA-LAB1", LAB1)
    assert (responder.role, responder.hostname, responder.outside) == ("responder", "ASA-LAB2", LAB2)
    for device in scenario.devices:
        assert device.platform == "asa"
        assert device.timers == Retransmit(duplicate_holdoff=4.0)
        assert device.config.hostname == device.hostname
        ike = device.ike_config()
        assert ike.listening and ike.address == device.outside
        assert [(p.cipher_name, p.hash_name, p.auth_name, p.group, p.lifetime, p.priority) for p in ike.policies] == [
            ("aes-256", "sha", "pre-share", 14, 86400, 10)
        ]
        # config_line points at the file line holding the config's first line
        file_lines = Path(scenario.source).read_text().splitlines()
        assert file_lines[device.config_line - 1].strip() == device.config_text.splitlines()[0].strip()


def keys(scenario: Scenario) -> tuple[PeerKey | None, PeerKey | None]:
    """(key ASA-LAB1 uses for ASA-LAB2, key ASA-LAB2 uses for ASA-LAB1)."""
    return scenario.initiator.config.peer_key(LAB2), scenario.responder.config.peer_key(LAB1)


def test_bundled_differences():
    good = (PeerKey(LAB2, b"Vpn-Lab-Key1"), PeerKey(LAB1, b"Vpn-Lab-Key1"))

    healthy = load_scenario("healthy")
    assert keys(healthy) == good and healthy.path == ()

    blocked = load_scenario("udp500-blocked")
    assert keys(blocked) == good
    assert [(type(r), r.protocol, r.port, r.direction) for r in blocked.path] == [(Drop, "udp", 500, "initiator")]

    back = load_scenario("return-path-blocked")
    assert keys(back) == good
    assert [(type(r), r.protocol, r.port, r.direction) for r in back.path] == [(Drop, "udp", 500, "responder")]

    missing = load_scenario("missing-tunnel-group")
    assert missing.path == ()
    assert keys(missing) == (good[0], None)
    assert LAB1 not in missing.responder.config.tunnel_groups
    assert missing.responder.config.tunnel_groups["DefaultL2LGroup"].psk is None

    mismatch = load_scenario("psk-mismatch")
    assert mismatch.path == ()
    assert keys(mismatch) == (good[0], PeerKey(LAB1, b"Vpn-Lab-Key2"))

    no_psk = load_scenario("initiator-no-psk")
    assert no_psk.path == ()
    assert keys(no_psk) == (PeerKey(LAB2, None), good[1])
    assert no_psk.initiator.config.tunnel_groups[LAB2].type == "ipsec-l2l"


def test_load_by_name_with_suffix_and_by_path():
    by_name = load_scenario("healthy.yaml")
    by_path = load_scenario(str(bundled_dir() / "healthy.yaml"))
    assert by_name.title == by_path.title
    assert by_path.source == str(bundled_dir() / "healthy.yaml")


# ----------------------------------------------------------------------------------------------------------------
# a valid file


def test_minimal_scenario_and_defaults(tmp_path):
    source = write(tmp_path, MINIMAL, "mini.yaml")
    scenario = load_scenario(source)
    assert scenario.name == "mini"
    assert scenario.source == source
    assert (scenario.path, scenario.look, scenario.seed, scenario.notice, scenario.fix) == ((), 5.0, 1, None, None)
    assert scenario.responder.platform == "asa"
    assert scenario.initiator.config_line == line_of(MINIMAL, "    hostname ASA-LAB1")
    assert scenario.responder.config_line == line_of(MINIMAL, "crypto ikev1 enable outside", 2)
    assert isinstance(scenario.initiator, DeviceSpec)
    assert scenario.initiator.config_text.startswith("hostname ASA-LAB1\ncrypto ikev1 enable outside\n")


def test_device_lookup():
    scenario = load_scenario_text(MINIMAL, "mini.yaml")
    assert scenario.device("ASA-LAB2") is scenario.responder
    assert scenario.device("asa-lab1") is scenario.initiator
    with pytest.raises(InputError) as info:
        scenario.device("ASA-LAB3")
    assert "ASA-LAB3" in str(info.value) and "ASA-LAB1, ASA-LAB2" in str(info.value)


def test_all_path_rules_timers_and_options():
    text = MINIMAL.replace("  platform: asa\n", "  platform: ASA\n  timers: {interval: 2, retries: 5, remove_after: 0}\n")
    text = text.replace("  outside: 50.57.228.150\n", "  outside: 50.57.228.150\n  timers: {retries: 1}\n")
    text += """\
path:
  - drop: udp/4500
    name: NAT-T blocked
  - drop: UDP
    from: responder
  - drop: ip
  - no-route: true
    from: initiator
  - loss: 0.25
  - loss: 1
  - delay: 0.05
    from: responder
  - delay: 2
look: 12.5
seed: 0
notice: Look at ASA-LAB2.
fix: Nothing.
"""
    scenario = load_scenario_text(text, "rules.yaml")
    assert scenario.path == (
        Drop("udp", 4500, None, "NAT-T blocked"),
        Drop("udp", None, "responder", None),
        Drop("ip", None, None, None),
        NoRoute("initiator", None),
        Loss(0.25, None, None),
        Loss(1.0, None, None),
        Delay(0.05, "responder", None),
        Delay(2.0, None, None),
    )
    assert (scenario.look, scenario.seed, scenario.notice, scenario.fix) == (12.5, 0, "Look at ASA-LAB2.", "Nothing.")
    # the duplicate holdoff is half the interval
    assert scenario.initiator.timers == Retransmit(interval=8.0, retries=1, remove_after=8.0, duplicate_holdoff=4.0)
    assert scenario.responder.timers == Retransmit(interval=2.0, retries=5, remove_after=0.0, duplicate_holdoff=1.0)
    assert scenario.responder.platform == "asa"
    assert scenario.responder.ike_config().retransmit == scenario.responder.timers


def test_empty_path_is_allowed():
    assert load_scenario_text(MINIMAL + "path:\n", "p.yaml").path == ()
    assert load_scenario_text(MINIMAL + "path: []\n", "p.yaml").path == ()


# ----------------------------------------------------------------------------------------------------------------
# errors: file, line, field


def test_unknown_top_level_key(tmp_path):
    text = MINIMAL + "colour: blue\n"
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "colour"), "colour", "unknown key 'colour'", "title, description")


def test_unknown_device_key(tmp_path):
    text = MINIMAL.replace("  platform: asa\n", "  platform: asa\n  model: 5506-X\n")
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "model:"), "responder.model", "unknown key 'model'",
                   "hostname, platform, outside, config, timers")


def test_bad_address(tmp_path):
    text = MINIMAL.replace("outside: 50.56.229.98", "outside: 50.57.228.300")
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "50.57.228.300"), "responder.outside",
                   "'50.57.228.300' is not a valid IPv4 address")


@pytest.mark.parametrize("value", ["0.0.0.0", "224.0.0.5", "127.0.0.1", "255.255.255.255"])
def test_unusable_address(tmp_path, value):
    text = MINIMAL.replace("outside: 50.57.228.150", f"outside: {value}")
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, f"outside: {value}"), "initiator.outside", "cannot be an interface")


def test_bad_loss(tmp_path):
    text = MINIMAL + "path:\n  - delay: 0.1\n  - loss: 1.5\n"
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "loss: 1.5"), "path[1].loss", "1.5 is out of range",
                   "between 0 and 1")


def test_unknown_path_rule(tmp_path):
    text = MINIMAL + "path:\n  - block: udp/500\n"
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "block:"), "path[0].block", "unknown key 'block'",
                   "drop, no-route, loss, delay, nat, from, name")


def test_path_rule_without_kind(tmp_path):
    text = MINIMAL + "path:\n  - from: initiator\n"
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "from: initiator"), "path[0]", "exactly one of drop")


def test_path_rule_with_two_kinds(tmp_path):
    text = MINIMAL + "path:\n  - drop: ip\n    loss: 0.5\n"
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "drop: ip"), "path[0]", "found drop, loss")


def test_bad_from(tmp_path):
    text = MINIMAL + "path:\n  - drop: udp/500\n    from: outside\n"
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "from: outside"), "path[0].from", "'outside' is not a side",
                   "initiator or responder")


@pytest.mark.parametrize(
    "rule, field, fragment",
    [
        ("drop: tcp/500", "path[0].drop", "unknown drop target 'tcp/500'"),
        ("no-route: false", "path[0].no-route", "must be true"),
        ("delay: -1", "path[0].delay", "out of range"),
        ("delay: fast", "path[0].delay", "must be a number"),
        ("loss: true", "path[0].loss", "must be a number"),
        ("loss: .nan", "path[0].loss", "out of range"),
        ("udp/500", "path[0]", "must be a mapping"),
    ],
)
def test_bad_path_values(tmp_path, rule, field, fragment):
    text = MINIMAL + f"path:\n  - {rule}\n"
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, rule), field, fragment)


def test_config_error_on_the_file_line(tmp_path):
    text = MINIMAL.replace("     encryption aes-256\n     group 14\n    tunnel-group 50.57",
                           "     encryption aes-256\n     group 7\n    tunnel-group 50.57")
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "group 7"), "responder.config", "group '7'", "1, 2, 5 or 14")


def test_config_error_line_with_leading_blank_and_comment_lines(tmp_path):
    text = MINIMAL.replace("  config: |\n    hostname ASA-LAB1\n",
                           "  config: |   # pasted from show run\n\n    ! comment\n    hostname ASA-LAB1\n")
    text = text.replace("     group 14\n    tunnel-group 50.56", "     hash sha512\n    tunnel-group 50.56")
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "hash sha512"), "initiator.config", "unknown hash 'sha512'")


def test_config_hostname_must_match_device(tmp_path):
    text = MINIMAL.replace("    hostname ASA-LAB1\n", "    hostname ASA-LABX\n")
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "hostname ASA-LABX"), "initiator.config", "ASA-LABX", "ASA-LAB1")


def test_yaml_syntax_error(tmp_path):
    text = MINIMAL + "look: [5\nseed: 1\n"
    error, source = load_error(tmp_path, text)
    assert (error.source, error.line) == (source, line_of(text, "seed: 1"))
    assert "YAML syntax error" in error.message and f"started on line {line_of(text, 'look: [5')}" in error.message
    assert str(error).startswith(f"{source}:{error.line}: YAML syntax error")


def test_yaml_tab_indentation(tmp_path):
    text = MINIMAL.replace("  platform: asa\n", "\tplatform: asa\n")
    error, source = load_error(tmp_path, text)
    assert (error.source, error.line) == (source, line_of(text, "\tplatform"))
    assert "tabs" in error.message


def test_missing_required_field(tmp_path):
    text = MINIMAL.replace("  outside: 50.56.229.98\n", "")
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "responder:"), "responder.outside", "missing required key 'outside'")


def test_missing_top_level_field(tmp_path):
    text = MINIMAL.replace("description: Two ASAs.\n", "")
    error, source = load_error(tmp_path, text)
    assert_located(error, source, 1, "description", "missing required key 'description'")


def test_nonexistent_file():
    with pytest.raises(InputError) as info:
        load_scenario("no/such/file.yaml")
    assert str(info.value) == "no such scenario file or bundled scenario 'no/such/file.yaml' (try: ikesim list)"
    with pytest.raises(InputError) as info:
        load_scenario("not-a-bundled-scenario")
    assert "'not-a-bundled-scenario' (try: ikesim list)" in str(info.value)


def test_directory_is_not_a_scenario(tmp_path):
    with pytest.raises(InputError) as info:
        load_scenario(str(tmp_path))
    assert str(info.value).startswith(f"{tmp_path}: ") and "directory" in str(info.value)


def test_same_hostname_twice(tmp_path):
    text = MINIMAL.replace("hostname: ASA-LAB2", "hostname: ASA-LAB1")
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "hostname: ASA-LAB1", 2), "responder.hostname",
                   "both devices are called 'ASA-LAB1'")


def test_same_address_twice(tmp_path):
    text = MINIMAL.replace("outside: 50.56.229.98", "outside: 50.57.228.150")
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "outside: 50.57.228.150", 2), "responder.outside",
                   "both devices have outside address 50.57.228.150")


@pytest.mark.parametrize(
    "old, new, needle, field, fragment",
    [
        ("hostname: ASA-LAB2", "hostname: 2ASA", "hostname: 2ASA", "responder.hostname", "not a valid hostname"),
        ("  platform: asa", "  platform: junos", "platform: junos", "responder.platform",
         "platform 'junos' is not supported yet (supported: asa, ios)"),
        ("title: Minimal", "title: [a, b]", "title:", "title", "must be a string"),
        ("description: Two ASAs.", "description: ''", "description:", "description", "must not be empty"),
        ("  config: |\n    hostname ASA-LAB1\n", "  config: 42\n  timers: |\n    hostname ASA-LAB1\n", "config: 42",
         "initiator.config", "must be a string"),
    ],
)
def test_bad_device_and_text_values(tmp_path, old, new, needle, field, fragment):
    assert old in MINIMAL
    text = MINIMAL.replace(old, new)
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, needle), field, fragment)


@pytest.mark.parametrize(
    "extra, field, fragment",
    [
        ("seed: true", "seed", "must be a whole number"),
        ("seed: 1.5", "seed", "must be a whole number"),
        ("seed: -1", "seed", "out of range"),
        ("look: -2", "look", "out of range"),
        ("look: soon", "look", "must be a number"),
        ("notice: [1]", "notice", "must be a string"),
    ],
)
def test_bad_top_level_values(tmp_path, extra, field, fragment):
    text = MINIMAL + extra + "\n"
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, extra), field, fragment)


@pytest.mark.parametrize(
    "timers, field, fragment",
    [
        ("{interval: 0}", "initiator.timers.interval", "expected between 1 and 120 seconds"),
        ("{interval: 0.000001}", "initiator.timers.interval", "expected between 1 and 120 seconds"),
        ("{interval: 121}", "initiator.timers.interval", "expected between 1 and 120 seconds"),
        ("{retries: 11}", "initiator.timers.retries", "expected between 0 and 10"),
        ("{retries: 1000000000}", "initiator.timers.retries", "expected between 0 and 10"),
        ("{reinitiate: 0}", "initiator.timers.reinitiate", "expected between 1 and 3600 seconds"),
        ("{remove_after: 3601}", "initiator.timers.remove_after", "expected between 0 and 3600 seconds"),
        ("{retries: 2.5}", "initiator.timers.retries", "whole number"),
        ("{remove_after: -1}", "initiator.timers.remove_after", "out of range"),
        ("{backoff: 2}", "initiator.timers.backoff", "unknown key 'backoff'"),
        ("8", "initiator.timers", "must be a mapping"),
    ],
)
def test_bad_timers(tmp_path, timers, field, fragment):
    text = MINIMAL.replace("  outside: 50.57.228.150\n", f"  outside: 50.57.228.150\n  timers: {timers}\n")
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "timers:"), field, fragment)


def test_duplicate_key(tmp_path):
    text = MINIMAL + "seed: 1\nseed: 2\n"
    error, source = load_error(tmp_path, text)
    assert_located(error, source, line_of(text, "seed: 2"), "seed", "duplicate key 'seed'")


def test_empty_file_and_non_mapping(tmp_path):
    error, source = load_error(tmp_path, "")
    assert error.source == source and "empty" in error.message
    error, source = load_error(tmp_path, "- a\n- b\n")
    assert (error.source, error.line) == (source, 1) and "must be a mapping" in error.message


def test_safe_loader_only(tmp_path):
    text = MINIMAL + "seed: !!python/object/apply:os.getpid []\n"
    error, source = load_error(tmp_path, text)
    assert (error.source, error.line) == (source, line_of(text, "!!python"))


def test_load_scenario_text_uses_the_given_source():
    with pytest.raises(InputError) as info:
        load_scenario_text(MINIMAL + "bogus: 1\n", "my/file.yaml")
    assert str(info.value).startswith(f"my/file.yaml:{line_of(MINIMAL + 'bogus: 1', 'bogus')}: bogus: ")


def test_bundled_dir_prefers_installed_package_data(tmp_path, monkeypatch):
    import sim

    installed = tmp_path / "site-packages" / "sim"
    (installed / "_bundled_scenarios").mkdir(parents=True)
    (installed / "_bundled_scenarios" / "only.yaml").write_text(MINIMAL, encoding="utf-8")
    monkeypatch.setattr(sim, "__file__", str(installed / "__init__.py"))
    assert bundled_dir() == installed / "_bundled_scenarios"
    assert list_bundled() == [("only", "Minimal")]
    assert load_scenario("only").title == "Minimal"
