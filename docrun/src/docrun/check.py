"""Compare written output with actual output: the one checker of the site and of pytest.

The rule follows the digits the author wrote. Output is split into numbers and the
text between them. Text must match once whitespace is normalised. A number written
with d decimals matches when the actual value rounds to it (``0.924`` matches
0.92414, ``0.735`` does not match 0.7311); a written integer must equal the actual
value exactly; and a written number whose float() is exactly the actual float matches
too (the article's 17-digit ``0.92414181997875655`` is the float ``0.9241418199787566``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# A number not glued to a name or another number: `float64` and `x1` are text, while
# `(0.5`, `-1e-05,` and `[1.` hold numbers. The sign belongs to the number.
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")
# Whitespace is kept only between two word characters ("a b" is not "ab"); next to
# punctuation it is layout (NumPy pads array elements to a common width).
_LAYOUT_SPACE = re.compile(r"(?<=\W) | (?=\W)")
_WHITESPACE = re.compile(r"\s+")

TRACEBACK_HEADER = "Traceback (most recent call last):"


@dataclass(frozen=True)
class Number:
    text: str

    @property
    def is_integer(self) -> bool:
        """Written without a decimal point or exponent: compared exactly."""
        return not any(c in self.text for c in ".eE")

    @property
    def half_unit(self) -> Decimal:
        """Half a unit in the last written place: the rounding tolerance."""
        mantissa, _, exponent = self.text.lower().partition("e")
        decimals = len(mantissa.partition(".")[2])
        return Decimal(5).scaleb(-decimals - 1 + int(exponent or 0))


def _normalise_text(text: str, *, number_before: bool, number_after: bool) -> str:
    """Collapse whitespace runs, drop layout spaces; a neighbouring number acts as a word."""
    before, after = ("0" if number_before else ""), ("0" if number_after else "")
    padded = before + _WHITESPACE.sub(" ", text) + after
    spaced = _LAYOUT_SPACE.sub("", padded)
    return spaced[1 if number_before else 0 : len(spaced) - (1 if number_after else 0)]


def tokens(output: str) -> list[str | Number]:
    """Split output into text and numbers, alternating, text first and last.

    The text has its whitespace normalised, so ``[0.5       , 1.]`` and ``[0.5, 1.]``
    give the same tokens.
    """
    output = output.strip()
    texts: list[str] = []
    numbers: list[Number] = []
    position = 0
    for match in _NUMBER.finditer(output):
        texts.append(output[position : match.start()])
        numbers.append(Number(match.group()))
        position = match.end()
    texts.append(output[position:])
    result: list[str | Number] = []
    for k, text in enumerate(texts):
        result.append(_normalise_text(text, number_before=k > 0, number_after=k < len(numbers)))
        if k < len(numbers):
            result.append(numbers[k])
    return result


def number_matches(written: Number, actual: Number) -> bool:
    """The digits rule for one written number against one actual number."""
    want, got = Decimal(written.text), Decimal(actual.text)
    if want == got or float(written.text) == float(actual.text):
        return True
    if written.is_integer:
        return False
    return abs(got - want) <= written.half_unit


def output_matches(want: str, got: str) -> bool:
    """True when the written output ``want`` agrees with the actual output ``got``."""
    expected, actual = tokens(want), tokens(got)
    if len(expected) != len(actual):
        return False
    for w, g in zip(expected, actual, strict=True):
        if isinstance(w, Number) and isinstance(g, Number):
            if not number_matches(w, g):
                return False
        elif w != g:  # text against text, or a number where text is written
            return False
    return True


def expects_exception(want: str) -> bool:
    return want.lstrip().startswith(TRACEBACK_HEADER)


def written_exception(want: str) -> str:
    """The ``Type: message`` part of a written traceback, as doctest reads it.

    After the header come optional indented frame lines or ``...``; the first line
    at column 0 starts the exception, which may span several lines.
    """
    lines = want.strip().splitlines()[1:]
    for k, line in enumerate(lines):
        if line.strip() == "..." or line[:1].isspace() or not line.strip():
            continue
        return "\n".join(lines[k:])
    return ""


def exception_text(error: BaseException) -> str:
    """``Type: message`` of an exception, the way the REPL's last line shows it."""
    name = type(error).__qualname__
    message = str(error)
    return f"{name}: {message}" if message else name


def exception_matches(want: str, error: BaseException) -> bool:
    """Written ``Type: message`` against the actual exception: type and message checked.

    The type may be written bare (``ValueError``) or with its module
    (``mlmath.errors.ShapeError``); the message follows the same digits rule as output.
    """
    written = written_exception(want)
    name, _, message = written.partition(":")
    cls = type(error)
    names = {cls.__name__, cls.__qualname__, f"{cls.__module__}.{cls.__qualname__}"}
    if name.strip() not in names:
        return False
    return output_matches(message, str(error))
