"""Numbers that the prose states, recomputed from mlmath and NumPy.

Examples check what a page prints; a number written in a sentence is checked by nobody
unless it sits beside an example. Each claim below names a number the pages state in
prose (a summary, an exercise's answer, an explanation), the computation that gives it,
and where it must appear. Every occurrence in prose on any page, in the notebook's text
and in the README must agree with the computed value at the precision it is written to,
so a stale "36.7" or a vague "a few hundred" (the claim is then missing) fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import mlmath

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# Fenced blocks and inline code are checked by running them, not here: a call such as
# sigmoid_prime(745.2) is an input, not a claim.
_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,}).*?^\1\2[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")


def prose(text: str) -> str:
    """The text without code; a fence leaves its newlines, so line numbers still hold."""
    without_fences = _FENCE.sub(lambda m: "\n" * m.group().count("\n"), text)
    return _INLINE_CODE.sub(" ", without_fences)


def texts() -> dict[str, str]:
    """The prose of every page, of the notebook's Markdown cells, and of the README."""
    found = {str(p.relative_to(ROOT)): prose(p.read_text("utf-8")) for p in DOCS.rglob("*.md")}
    found["README.md"] = prose((ROOT / "README.md").read_text("utf-8"))
    for notebook in DOCS.rglob("*.ipynb"):
        cells = json.loads(notebook.read_text("utf-8"))["cells"]
        markdown = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
        found[str(notebook.relative_to(ROOT))] = prose("\n".join(markdown))
    return found


def edge(predicate: Callable[[float], bool], low: float, high: float) -> float:
    """The float where predicate turns from False (at low) to True (at high), by bisection."""
    assert not predicate(low)
    assert predicate(high)
    while True:
        middle = (low + high) / 2
        if middle in (low, high):
            return high
        low, high = (low, middle) if predicate(middle) else (middle, high)


def naive_sigmoid_gives_zero(h: float) -> bool:
    with np.errstate(over="ignore"):
        return float(1 / (1 + np.exp(-np.float64(h)))) == 0.0


@dataclass(frozen=True)
class Claim:
    what: str
    pattern: str  # a regex whose group "n" is the number as written
    value: Callable[[], float]
    on: tuple[str, ...]  # files that must state it


CLAIMS = [
    Claim(
        "the size of the score below which the naive 1/(1 + e^(−h)) is 0 (e^(−h) overflows)",
        r"(?<![\d.])(?P<n>7[01]\d\.\d+)",
        lambda: edge(lambda t: naive_sigmoid_gives_zero(-t), 700.0, 720.0),
        ("docs/prediction.md", "docs/errata.md"),
    ),
    Claim(
        "from this score on, sigmoid is exactly 1.0 and σ(1 − σ) exactly 0",
        r"(?<![\d.])(?P<n>3[67]\.\d+)",
        lambda: edge(lambda h: mlmath.sigmoid(h) == 1.0, 30.0, 40.0),
        ("docs/prediction.md", "docs/errata.md"),
    ),
    Claim(
        "beyond this |h|, the float sigmoid_prime underflows to 0",
        r"(?<![\d.])(?P<n>74\d\.\d+)",
        lambda: edge(lambda h: mlmath.sigmoid_prime(h) == 0.0, 740.0, 750.0),
        ("docs/prediction.md", "docs/errata.md"),
    ),
    Claim(
        "the number of points of probability 0.4 whose product underflows to 0",
        r"(?<![\d.])(?P<n>814)(?![\d.])",
        lambda: next(n for n in range(1, 5000) if np.prod(np.full(n, 0.4)) == 0.0),
        ("docs/error.md",),
    ),
]


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.pattern for c in CLAIMS])
def test_every_prose_statement_of_a_number_agrees_with_the_library(claim: Claim) -> None:
    value = claim.value()
    stated_in = set()
    for path, text in texts().items():
        for match in re.finditer(claim.pattern, text):
            written = match["n"]
            decimals = len(written.partition(".")[2])
            line = text.count("\n", 0, match.start()) + 1
            assert float(written) == round(value, decimals), (
                f"{path}:{line} states {written} ({claim.what}); the library gives {value!r}"
            )
            stated_in.add(path)
    missing = set(claim.on) - stated_in
    assert not missing, f"{sorted(missing)} should state {claim.what} ({value!r})"


def test_prose_excludes_code_but_keeps_math() -> None:
    text = "beyond $|h| \\approx 745.13$,\n\n```pycon\n>>> f(745.2)\n```\nand `g(745.9)`."
    assert re.findall(r"745\.\d+", prose(text)) == ["745.13"]
