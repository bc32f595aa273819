"""``python -m sim`` is the ``ikesim`` command."""

from .cli import entry

raise SystemExit(entry())
