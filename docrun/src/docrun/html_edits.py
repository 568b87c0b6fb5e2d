"""Edits to a built page at the places Python's ``html.parser`` reports.

:mod:`docrun.far` and :mod:`docrun.tables` each find tags with ``HTMLParser`` and change
them in the page's text, leaving every other character as it was (re-serialising the
parsed page would not).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable


def offset_of(html: str) -> Callable[[tuple[int, int]], int]:
    """A function from ``HTMLParser.getpos()``'s (line from 1, column from 0) in html to
    the index of that character in html."""
    line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
    return lambda position: line_starts[position[0] - 1] + position[1]


def splice(html: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """html with each edit (index, length, text) applied: the ``length`` characters from
    ``index`` replaced by ``text``. The edits must not overlap; their order does not matter."""
    pieces, cursor = [], 0
    for at, length, text in sorted(edits):
        pieces += [html[cursor:at], text]
        cursor = at + length
    return "".join(pieces) + html[cursor:]
