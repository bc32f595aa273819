"""``python -m sim`` is the ``ikesim`` command."""

from .cli import main

raise SystemExit(main())
