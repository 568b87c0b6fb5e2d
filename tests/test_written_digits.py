"""Every number written in a page's output is tight: one unit in its last digit fails.

docrun accepts a written number when the actual value rounds to it (see docrun.check).
That rule is only as strong as the digits an author writes, and a tolerance bug would
accept too much without any page failing. So each page and each docstring runs once,
and then every number written in the output of each example is moved up and down by one
unit in its last written digit: the checker must reject both. A number it still accepts
is not pinning anything (a 17-digit float that rounds to the same double, a tolerance
that grew), and the test names it at its page and line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from docrun.blocks import markdown_first_line
from docrun.check import NUMBER
from docrun.docstrings import display_path, docstrings_in_source, module_namespace
from docrun.page import check_page
from docrun.pytest_plugin import run_docstring
from docrun.run import Outcome
from mkdocs.utils.meta import get_data

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").rglob("*.md"))
MODULES = sorted((ROOT / "mlmath").glob("*.py"))


def one_unit_off(number: str) -> tuple[str, str]:
    """The written number one unit up and one unit down in its last written digit,
    written with as many digits (``0.924`` gives ``0.925`` and ``0.923``; ``1.`` gives
    ``2.`` and ``0.``; ``2.5e-16`` gives ``2.6e-16`` and ``2.4e-16``)."""
    mantissa, e, exponent = number.replace("E", "e").partition("e")
    decimals = len(mantissa.partition(".")[2])
    unit = Decimal(1).scaleb(-decimals)
    value = Decimal(mantissa)

    def written(d: Decimal) -> str:
        text = f"{d:.{decimals}f}"
        if mantissa.endswith("."):
            text += "."  # NumPy's `1.`
        if mantissa.startswith("+") and not text.startswith("-"):
            text = "+" + text
        return text + (e + exponent if e else "")

    return written(value + unit), written(value - unit)


def test_one_unit_off_keeps_the_written_form() -> None:
    assert one_unit_off("0.924") == ("0.925", "0.923")
    assert one_unit_off("0.929") == ("0.930", "0.928")
    assert one_unit_off("1.") == ("2.", "0.")
    assert one_unit_off("-2.5e-16") == ("-2.4e-16", "-2.6e-16")
    assert one_unit_off("3") == ("4", "2")
    assert one_unit_off("0.0") == ("0.1", "-0.1")


def perturbations(outcome: Outcome) -> Iterator[tuple[str, str, str]]:
    """(written number, its replacement, the whole written output with it replaced)."""
    want = outcome.example.want
    for match in NUMBER.finditer(want):
        for other in one_unit_off(match.group()):
            yield match.group(), other, want[: match.start()] + other + want[match.end() :]


def loose_numbers(outcomes: list[Outcome]) -> list[str]:
    """Each written number whose one-unit change the checker still accepts."""
    loose = []
    for outcome in outcomes:
        assert outcome.passed, outcome.report()
        for number, other, want in perturbations(outcome):
            changed = dataclasses.replace(
                outcome, example=dataclasses.replace(outcome.example, want=want)
            )
            if changed.passed:
                loose.append(f"{outcome.example.location}: {number} -> {other} still passes")
    return loose


def count_numbers(outcomes: list[Outcome]) -> int:
    return sum(len(NUMBER.findall(outcome.example.want)) for outcome in outcomes)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_written_number_on_a_page_is_tight(page: Path) -> None:
    source = page.read_text(encoding="utf-8-sig")
    markdown, _ = get_data(source)
    path = display_path(page, ROOT)
    result = check_page(markdown, path, markdown_first_line(source, markdown), root=ROOT)
    assert not result.failures, "\n\n".join(result.failures)
    assert not loose_numbers(result.outcomes)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_written_number_in_a_docstring_is_tight(module: Path) -> None:
    path = display_path(module, ROOT)
    name = "mlmath" if module.stem == "__init__" else f"mlmath.{module.stem}"
    outcomes: list[Outcome] = []
    for docstring in docstrings_in_source(module.read_text(encoding="utf-8"), path):
        outcomes += run_docstring(docstring, path, module_namespace(name))
    assert not loose_numbers(outcomes)


def test_the_check_finds_a_loose_number() -> None:
    """The test can fail: a value exactly halfway between two written numbers matches
    both, so that digit pins nothing; a float's full repr is tight in its 17th digit."""
    markdown = "```pycon\n>>> 0.1 + 0.2\n0.30000000000000004\n>>> 1 / 4\n0.2\n```\n"
    result = check_page(markdown, "docs/probe.md", root=ROOT)
    assert not result.failures
    assert count_numbers(result.outcomes) == 2
    assert loose_numbers(result.outcomes) == ["docs/probe.md:4: 0.2 -> 0.3 still passes"]
