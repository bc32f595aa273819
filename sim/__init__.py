"""ikesim: a two-peer IKEv1 Main Mode simulator.

Public API (also what the ``ikesim`` command uses): :func:`run`, :class:`Run`, :func:`load_scenario`,
:func:`list_bundled`, :class:`InputError`. See :mod:`sim.api`.
"""

__version__ = "0.1.0"

from .api import Run, Scenario, list_bundled, load_scenario, load_scenario_text, run  # noqa: E402
from .errors import InputError  # noqa: E402

__all__ = ["run", "Run", "Scenario", "load_scenario", "load_scenario_text", "list_bundled", "InputError"]
