"""Compare written output with actual output: the one checker of the site and of pytest.

The rule follows the digits the author wrote. Output is split into numbers and the
text between them. Text must match once whitespace is normalised. A number written
with d decimals matches when the actual value rounds to it (``0.924`` matches
0.92414, ``0.735`` does not match 0.7311), and a written integer must equal the actual
value exactly. A float printed as its repr stands for its double exactly, so the
article's 17-digit ``0.92414181997875655`` matches the float ``0.9241418199787566``
(0.924141819978756551…), and a written number one unit off in its last digit never
matches (tests/test_written_digits.py).
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

# A number not glued to a name or another number: `float64` and `x1` are text, while
# `(0.5`, `-1e-05,` and `[1.` hold numbers. The sign belongs to the number.
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")
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
    def value(self) -> Decimal:
        """The value the text stands for. Up to 17 significant digits with a point or an
        exponent, it is taken as a float's repr, which stands for that double exactly:
        ``0.30000000000000004`` is 0.3000000000000000444…, so a written
        ``0.30000000000000005`` is 0.56 units away and fails, where comparing the two
        texts (or their floats) would let any of the digits that read back as the same
        double pass. Longer numbers (mpmath's, Decimal's) are their text."""
        digits = self.text.lower().partition("e")[0].lstrip("+-").replace(".", "").lstrip("0")
        if self.is_integer or len(digits) > 17:
            return Decimal(self.text)
        return Decimal(float(self.text))

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
    for match in NUMBER.finditer(output):
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
    want = Decimal(written.text)
    if want == Decimal(actual.text):
        return True
    if written.is_integer:
        return False
    return abs(actual.value - want) <= written.half_unit


def output_matches(want: str, got: str, options: Options | None = None) -> bool:
    """True when the written output ``want`` agrees with the actual output ``got``.

    ``options`` are the example's doctest directives (see :func:`directives`): with
    ``ELLIPSIS`` a written ``...`` stands for any run of output; unless
    ``DONT_ACCEPT_BLANKLINE``, a line ``<BLANKLINE>`` stands for an empty line.
    """
    flags = options.flags if options is not None else frozenset()
    if "DONT_ACCEPT_BLANKLINE" not in flags:
        want = _BLANKLINE_MARKER.sub("", want)
    if "ELLIPSIS" in flags and ELLIPSIS_MARKER in want:
        return _ellipsis_matches(want.split(ELLIPSIS_MARKER), got)
    return _tokens_match(tokens(want), tokens(got))


def _tokens_match(expected: list[str | Number], actual: list[str | Number]) -> bool:
    if len(expected) != len(actual):
        return False
    for w, g in zip(expected, actual, strict=True):
        if isinstance(w, Number) and isinstance(g, Number):
            if not number_matches(w, g):
                return False
        elif w != g:  # text against text, or a number where text is written
            return False
    return True


# doctest's marker for an empty line of output (a docstring's output ends at a blank line).
_BLANKLINE_MARKER = re.compile(r"(?m)^<BLANKLINE>[ \t]*$")
ELLIPSIS_MARKER = "..."


def _ellipsis_matches(pieces: list[str], got: str) -> bool:
    """doctest's ELLIPSIS under the digits rule: the written pieces between the ``...``
    match runs of the output's tokens in order, the first at its start and the last at its
    end. A piece may start or end inside a run of text, never inside a number."""
    actual = tokens(got)
    texts = [t for t in actual[::2] if isinstance(t, str)]
    numbers = [n for n in actual[1::2] if isinstance(n, Number)]
    end = (len(texts) - 1, len(texts[-1]))
    first, *middle, last = [tokens(piece) for piece in pieces]
    cursor = next((e for s, e in _placements(first, texts, numbers) if s == (0, 0)), None)
    for piece in middle:
        if cursor is None:
            return False
        here = cursor
        cursor = min((e for s, e in _placements(piece, texts, numbers) if s >= here), default=None)
    if cursor is None:
        return False
    here = cursor
    return any(s >= here and e == end for s, e in _placements(last, texts, numbers))


Cursor = tuple[int, int]  # (index of a text token, offset in it)


def _placements(
    piece: list[str | Number], texts: list[str], numbers: list[Number]
) -> Iterator[tuple[Cursor, Cursor]]:
    """Every (start, end) where the tokens of ``piece`` match the output's tokens."""
    head, tail = piece[0], piece[-1]
    # tokens() starts and ends with text
    assert isinstance(head, str)
    assert isinstance(tail, str)
    count = (len(piece) - 1) // 2  # the numbers in the piece
    for a, text in enumerate(texts):
        if count == 0:
            at = text.find(head)
            while at >= 0:
                yield (a, at), (a, at + len(head))
                at = text.find(head, at + 1)
            continue
        b = a + count
        if b >= len(texts) or not text.endswith(head) or not texts[b].startswith(tail):
            continue
        if _tokens_match(piece[1:-1], _interleave(numbers[a:b], texts[a + 1 : b])):
            yield (a, len(text) - len(head)), (b, len(tail))


def _interleave(numbers: list[Number], texts: list[str]) -> list[str | Number]:
    """numbers[0], texts[0], numbers[1], …, numbers[-1]: the tokens between two texts."""
    result: list[str | Number] = []
    for k, number in enumerate(numbers):
        result.append(number)
        if k < len(texts):
            result.append(texts[k])
    return result


# ---------------------------------------------------------------------------------------
# doctest directives
# ---------------------------------------------------------------------------------------

# doctest's own pattern: a `# doctest:` comment ends a source line, quotes end the search.
_DIRECTIVE = re.compile(r"#\s*doctest:\s*([^\n'\"]*)$", re.MULTILINE)

# What docrun does with each doctest option, and why (see docrun's README section).
_HONOURED = {
    "ELLIPSIS": "a written ... stands for any run of output",
    "DONT_ACCEPT_BLANKLINE": "<BLANKLINE> is compared as text",
    # Always in force here: the checker normalises whitespace, and True is never 1.
    "NORMALIZE_WHITESPACE": "",
    "DONT_ACCEPT_TRUE_FOR_1": "",
}
_ALWAYS_ON = {
    "NORMALIZE_WHITESPACE": "docrun always normalises whitespace in output",
    "DONT_ACCEPT_TRUE_FOR_1": "docrun never accepts True for 1",
}
_REFUSED = {
    "SKIP": "nothing on these pages escapes checking: make the example run, or remove it",
    "IGNORE_EXCEPTION_DETAIL": (
        "the exception's message is checked here (its module path may be left out); "
        "write what varies as ... with +ELLIPSIS, so the page shows what is unchecked"
    ),
}
_REPORTING = ("REPORT_UDIFF", "REPORT_CDIFF", "REPORT_NDIFF", "REPORT_ONLY_FIRST_FAILURE")
_REPORTING_REASON = "docrun reports every failure in one way; this option of doctest's report "
_REPORTING_REASON += "would change nothing"


@dataclass(frozen=True)
class Options:
    """The doctest directives of one example: flags in force, and why any were refused."""

    flags: frozenset[str] = frozenset()
    refused: tuple[str, ...] = ()


def directives(source: str) -> Options:
    """The ``# doctest: +ELLIPSIS, -SKIP`` directives of an example's source.

    Options whose doctest meaning fits the promise that everything written is checked are
    honoured; the others are refused with the reason, so the build fails saying why
    rather than with a confusing mismatch.
    """
    flags: set[str] = set()
    refused: list[str] = []
    for match in _DIRECTIVE.finditer(source):
        for option in match.group(1).replace(",", " ").split():
            sign, name = option[:1], option[1:]
            if sign not in "+-" or not sign or name not in _KNOWN_OPTIONS:
                refused.append(f"{option!r} is not a doctest option (+NAME or -NAME)")
            elif name in _REFUSED and sign == "+":
                refused.append(f"+{name}: {_REFUSED[name]}")
            elif name in _REPORTING or name == "FAIL_FAST":
                refused.append(f"{sign}{name}: {_REPORTING_REASON}")
            elif name in _ALWAYS_ON and sign == "-":
                refused.append(f"-{name}: {_ALWAYS_ON[name]}")
            elif sign == "+":
                flags.add(name)
            else:
                flags.discard(name)
    return Options(frozenset(flags), tuple(refused))


def strip_directives(source: str) -> str:
    """The source without its ``# doctest:`` comments, as the page shows it to readers."""
    lines = source.split("\n")
    return "\n".join(_DIRECTIVE.sub("", line).rstrip() if "#" in line else line for line in lines)


_KNOWN_OPTIONS = frozenset(_HONOURED) | frozenset(_REFUSED) | {*_REPORTING, "FAIL_FAST"}


# ---------------------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------------------

# How the REPL joins the tracebacks of a chain (traceback.py's wording).
CAUSE = "The above exception was the direct cause of the following exception:"
CONTEXT = "During handling of the above exception, another exception occurred:"
_LINKS = {CAUSE: "cause", CONTEXT: "context"}
_LINK_TEXT = {"cause": CAUSE, "context": CONTEXT}
# The REPL prints a SyntaxError of the typed code without a header: `  File "<stdin>", …`.
_FILE_LINE = re.compile(r'^\s+File "[^"]*", line \d+')
# doctest's rule: the exception starts at the first line that starts with a word character.
_EXCEPTION_START = re.compile(r"^\w")
_BARE_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(?::|$)")


@dataclass(frozen=True)
class WrittenException:
    """One exception of a written traceback: ``Type: message`` and any notes, and how it
    follows the one written before it (``"cause"``, ``"context"``, or None)."""

    text: str
    link: str | None


def written_exceptions(want: str, *, bare: bool = False) -> list[WrittenException]:
    """The exceptions of a written traceback, oldest first; [] if ``want`` is not one.

    A traceback starts with doctest's header, or, for a SyntaxError of the typed code,
    with the REPL's ``File`` line. A chain pasted from the REPL has one traceback per
    exception, joined by the REPL's sentences. ``bare`` also accepts a ``Type: message``
    with nothing before it (for code that does not compile, so nothing ran).
    """
    lines = want.rstrip().split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return []
    parts: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in lines:
        if line.strip() in _LINKS:
            parts.append((_LINKS[line.strip()], []))
        else:
            parts[-1][1].append(line)
    found = []
    for link, part in parts:
        while part and not part[0].strip():
            part.pop(0)
        if not part:
            return []
        if part[0].strip() == TRACEBACK_HEADER:
            body = part[1:]
        elif _FILE_LINE.match(part[0]) or (bare and len(parts) == 1):
            body = part
        else:
            return []
        start = next((k for k, line in enumerate(body) if _EXCEPTION_START.match(line)), None)
        if start is None or (body is part and not _BARE_EXCEPTION.match(body[start])):
            return []
        found.append(WrittenException("\n".join(body[start:]).rstrip(), link))
    return found


def expects_exception(want: str) -> bool:
    """Whether the written output is a traceback (doctest's header, or the REPL's
    ``File`` line of a SyntaxError)."""
    return bool(written_exceptions(want))


def written_exception(want: str) -> str:
    """The ``Type: message`` part of the last exception of a written traceback."""
    found = written_exceptions(want)
    return found[-1].text if found else ""


def _type_name(error: BaseException) -> str:
    """The type as the REPL's last line names it: qualified unless built in or __main__."""
    cls = type(error)
    if cls.__module__ in ("builtins", "__main__"):
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def formatted_exception(error: BaseException) -> str:
    """``Type: message`` and the notes, as ``traceback.format_exception_only`` gives them.

    For a SyntaxError the file, source and caret lines before ``Type:`` are left out, as
    doctest leaves them out: they depend on the file name and the Python version.
    """
    lines = traceback.format_exception_only(type(error), error)
    name = _type_name(error)
    start = next(
        (k for k, line in enumerate(lines) if line.startswith((f"{name}:", f"{name}\n"))), 0
    )
    return "".join(lines[start:]).rstrip("\n")


def exception_chain(error: BaseException) -> list[tuple[BaseException, str | None]]:
    """The exceptions the REPL shows for ``error``, oldest first, each with how it follows
    the one before (``"cause"`` for ``raise … from``, ``"context"`` for one raised while
    handling another), as ``traceback`` walks them."""
    newest_first = [error]
    links: list[str] = []
    while True:
        current = newest_first[-1]
        if current.__cause__ is not None:
            following, link = current.__cause__, "cause"
        elif current.__context__ is not None and not current.__suppress_context__:
            following, link = current.__context__, "context"
        else:
            break
        if any(following is seen for seen in newest_first):
            break
        newest_first.append(following)
        links.append(link)
    oldest = newest_first[::-1]
    return list(zip(oldest, [None, *links[::-1]], strict=True))


def short_traceback(error: BaseException) -> str:
    """The chain as the REPL prints it, each stack shortened to doctest's ``...``."""
    parts = []
    for exc, link in exception_chain(error):
        if link is not None:
            parts.append(f"\n{_LINK_TEXT[link]}\n")
        parts.append(f"{TRACEBACK_HEADER}\n  ...\n{formatted_exception(exc)}")
    return "\n".join(parts)


def exception_text_matches(
    written: str, error: BaseException, options: Options | None = None
) -> bool:
    """Written ``Type: message`` (notes included) against one actual exception.

    The type may be written bare (``ValueError``) or with its module
    (``mlmath.errors.ShapeError``); the rest follows the same rules as output.
    """
    first, _, rest = written.partition("\n")
    name, colon, message = first.partition(":")
    cls = type(error)
    names = {cls.__name__, cls.__qualname__, f"{cls.__module__}.{cls.__qualname__}"}
    if name.strip() not in names:
        return False
    actual = formatted_exception(error)
    actual_rest = actual[len(_type_name(error)) :]
    return output_matches(colon + message + "\n" + rest, actual_rest, options)


def exception_matches(
    want: str, error: BaseException, options: Options | None = None, *, bare: bool = False
) -> bool:
    """The written traceback against the raised exception and the chain behind it.

    The last written exception is compared with the one raised, as doctest does; each
    one written before it (a chain pasted from the REPL) with the one before in the actual
    chain, and the REPL sentence joining them with the way they are linked.
    """
    written = written_exceptions(want, bare=bare)
    chain = exception_chain(error)
    if not written or len(written) > len(chain):
        return False
    for w, (exc, link) in zip(written[::-1], chain[::-1], strict=False):
        if w.link is not None and w.link != link:
            return False
        if not exception_text_matches(w.text, exc, options):
            return False
    return True
