"""Helpers every platform's config parser and ``show`` command share.

Public names for what the ASA modules implemented first. The implementations still live there (private names in
:mod:`sim.platforms.asa.config` and :mod:`sim.platforms.asa.show`); other platforms import them from here, so that
moving the code into this module later changes no caller.

* :class:`ConfigError`: raise it inside a parser with a message; the parser's line loop turns it into an
  :class:`~sim.errors.InputError` with the current line and ``field="config"``.
* :func:`choices`: ``["a", "b", "c"]`` -> ``"a, b or c"`` for error messages.
* :func:`integer`: a whole number within bounds, or a ConfigError naming what was expected.
* :func:`matches_keywords`: does a typed command (each word possibly abbreviated) match a keyword sequence.
* :func:`apply_filter`: ``| begin|include|exclude|grep REGEX`` on a command's output text.
"""

from __future__ import annotations

from .asa.config import _choices as choices
from .asa.config import _Error as ConfigError
from .asa.config import _Parser as _AsaParser
from .asa.show import _matches as matches_keywords
from .asa.show import apply_filter

integer = _AsaParser.integer

__all__ = ["ConfigError", "apply_filter", "choices", "integer", "matches_keywords"]
