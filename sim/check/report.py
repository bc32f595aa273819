"""The answer of ``ikesim check``, as text for people and as data (``--json``): the same content both ways.

JSON (``schema: ikesim-check/1``): ``configs`` (per file: label A/B, source, hostname, platform, version, address and
interface facing the other box, ``seen_as`` (the NAT address when behind NAT), ``inferred_from``), ``path`` (the
rules as given), ``directions`` (A starts, then B starts: initiator, responder, applicable, simulated, up, ``at``,
``states`` {hostname: {role, state (the platform's name), core_state} or null}, nat_t, datagrams, ``removed``
[{t, device, state, reason}], ``cause`` {code, where, message, t, detail} from the Trace, ``explanation`` {code, why},
``fixes`` [{device, lines, note}]), ``findings`` [{code, message, fixes}], ``exit``.
"""

from __future__ import annotations

from ..platforms.registry import platform_for
from .directions import Direction
from .fixes import Explanation, Fix
from .run import CheckResult

SCHEMA = "ikesim-check/1"


def _state(box, entry) -> dict | None:
    if entry is None:
        return None
    role, state = entry
    return {"role": role, "state": platform_for(box.platform).state_name(role, state), "core_state": state}


def _plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def _fix(fix: Fix) -> dict:
    return {"device": fix.hostname, "lines": list(fix.lines), "note": fix.note}


def _removal_words(box, reason, detail) -> str:
    from ..platforms.registry import platform_for
    from ..render.reasons import explain

    return explain(reason, detail, platform=platform_for(box.platform), removal=True)


def _direction(d: Direction, explanation: Explanation | None) -> dict:
    ev = d.evidence
    boxes = {d.initiator.box.hostname: d.initiator.box, d.responder.box.hostname: d.responder.box}
    out = {
        "initiator": d.initiator.box.hostname,
        "responder": d.responder.box.hostname,
        "applicable": d.applicable,
        "simulated": ev is not None,
        "up": bool(ev is not None and ev.up),
        "at": ev.at if ev is not None else None,
        "states": {host: _state(boxes[host], entry) for host, entry in ev.states.items()} if ev is not None else None,
        "nat_t": bool(ev is not None and ev.nat_t),
        "datagrams": ev.datagrams if ev is not None else 0,
        "removed": [{"t": t, "device": host, "state": _state(boxes[host], (role, state))["state"] if state else None,
                     "reason": str(reason), "why": _removal_words(boxes[host], reason, detail)}
                    for t, host, role, state, reason, detail in ev.removals] if ev is not None else [],
        "cause": None,
        "explanation": None,
        "fixes": [],
    }
    if ev is not None and ev.cause is not None:
        c = ev.cause
        out["cause"] = {"code": c.code, "where": c.where, "message": c.message, "t": c.t, "detail": _plain(c.detail)}
    if explanation is not None:
        out["explanation"] = {"code": explanation.code, "why": explanation.why}
        out["fixes"] = [_fix(f) for f in explanation.fixes]
    return out


def as_dict(result: CheckResult) -> dict:
    sides = (result.topology.a, result.topology.b)
    return {
        "schema": SCHEMA,
        "configs": [{"label": s.box.label, "source": s.box.source, "hostname": s.box.hostname,
                     "platform": s.box.platform, "version": s.box.version, "address": s.address,
                     "interface": s.interface, "seen_as": s.public, "inferred_from": s.how} for s in sides],
        "path": [r.text for r in result.rules],
        "directions": [_direction(d, e) for d, e in zip(result.directions, result.explanations)],
        "findings": [{"code": f.code, "message": f.message, "fixes": [_fix(x) for x in f.fixes]}
                     for f in result.findings],
        "exit": result.exit_code,
    }


def _trace_line(d: dict) -> str | None:
    """Which datagram died where, and why, as the Trace says."""
    cause = d["cause"]
    if cause is None:
        return None
    detail = cause["detail"]
    if cause["code"] == "path-drop":
        return (f"{cause['message']} from {detail.get('from')} dropped on the path at {cause['t']:.3f} s "
                f"({detail.get('rule')})")
    if cause["message"] is not None:
        sender = d["responder"] if cause["where"] == d["initiator"] else d["initiator"]
        why = f": {detail.get('text') or detail['reason']}" if detail.get("reason") else ""
        return f"{cause['message']} from {sender} discarded by {cause['where']} at {cause['t']:.3f} s{why}"
    if d["datagrams"] == 0:
        return f"no datagram was sent: {cause['where']} did not start ({cause['code']})"
    return None


def _fix_lines(fix: Fix) -> list[str]:
    if fix.hostname == "path":
        return [f"  fix in the network: {fix.note}"]
    lines = [f"  fix on {fix.hostname}:" + (f" ({fix.note})" if fix.note else "")]
    return lines + [f"    {line}" for line in fix.lines]


def render(result: CheckResult) -> str:
    data = as_dict(result)
    a, b = result.boxes
    out = [f"ikesim check: {a.describe()} and {b.describe()}"]
    for side in data["configs"]:
        where = f" ({side['interface']})" if side["interface"] else ""
        seen = f", seen as {side['seen_as']} through NAT" if side["seen_as"] != side["address"] else ""
        out.append(f"  {side['hostname']} is at {side['address']}{where}{seen}: from {side['inferred_from']}")
    if data["path"]:
        out.append("  path: " + "; ".join(data["path"]))
    up = 0
    applicable = 0
    for d, explanation in zip(data["directions"], result.explanations):
        out.append("")
        head = f"{d['initiator']} starts Main Mode toward {d['responder']}: "
        if not d["applicable"]:
            out.append(head + "not applicable")
        else:
            applicable += 1
            up += d["up"]
            nat_t = " (MM5 and MM6 on UDP 4500: NAT-T)" if d["nat_t"] and d["up"] else ""
            out.append(head + ("Phase 1 comes up" + nat_t if d["up"] else "Phase 1 does not come up"))
        if d["states"] is not None:
            shown = ", ".join(f"{host} {s['state']} ({s['role']})" if s else f"{host} no SA"
                              for host, s in d["states"].items())
            out.append(f"  at {d['at']:.3f} s: {shown}" if d["at"] != int(d["at"]) else f"  at {d['at']:g} s: {shown}")
            seen = _trace_line(d)
            if seen:
                out.append(f"  trace: {seen}")
            for removal in d["removed"][:2]:
                out.append(f"  {removal['device']} removed its SA at {removal['t']:.3f} s in {removal['state']}: "
                           f"{removal['why']}")
        elif d["applicable"]:
            out.append("  not simulated: the configs already say it cannot start")
        if explanation is not None:
            out.append(f"  why: {explanation.why}")
            for fix in explanation.fixes:
                out.extend(_fix_lines(fix))
    for finding in result.findings:
        out.append("")
        out.append(f"also: {finding.message}")
        for fix in finding.fixes:
            out.extend(_fix_lines(fix))
    out.append("")
    verdict = f"{up} of {applicable} directions come up"
    if result.findings:
        verdict += f", {len(result.findings)} other problem{'s' if len(result.findings) > 1 else ''}"
    out.append(f"result: {verdict} (exit {result.exit_code})")
    return "\n".join(out) + "\n"
