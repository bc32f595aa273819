"""ikesim: a two-peer IKEv1 Main Mode simulator.

Public API (also what the ``ikesim`` command uses): :func:`run`, :class:`Run`, :func:`load_scenario`,
:func:`list_bundled`, :class:`InputError`. See :mod:`sim.api`.
"""

__version__ = "0.1.0"

from .api import Run, Scenario, list_bundled, load_scenario, load_scenario_text, replace_config, run  # noqa: E402
from .errors import InputError  # noqa: E402


def __getattr__(name: str):
    """``sim.faults`` on first use, so that ``import sim`` stays cheap for commands that do not need it."""
    if name == "faults":
        import importlib

        return importlib.import_module(".faults", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["run", "Run", "Scenario", "load_scenario", "load_scenario_text", "list_bundled", "replace_config",
           "InputError", "faults"]
