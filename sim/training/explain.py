"""What a scenario is about, as a trainee reads it after the output (``ikesim run --explain``, the console's
``explain``): its title, description, what to notice and the fix."""

from __future__ import annotations


def explain_scenario(scenario) -> str:
    """The scenario's title, description, ``notice:`` and ``fix:`` as a trainee reads them after the output."""
    import textwrap

    def block(head: str, body: str | None) -> list[str]:
        if not body:
            return []
        return [f"{head}:"] + textwrap.wrap(" ".join(body.split()), 100, initial_indent="  ", break_on_hyphens=False,
                                            break_long_words=False, subsequent_indent="  ") + [""]

    lines = [f"== {scenario.name}: {scenario.title}", ""]
    lines += block("What it is", scenario.description)
    lines += block("What to notice", scenario.notice)
    lines += block("The fix", scenario.fix)
    return "\n".join(lines).rstrip("\n") + "\n"
