"""Content tabs hide all but one tab: a name defined in a tab is not there for a reader on
another tab. So a name an example uses must come from outside the tabs, from its own tab,
or from every tab of the group (then any tab the reader picks defines it).

The examples are read with docrun's own parser; names with Python's ``ast``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from docrun.blocks import PYCON, find_fences, parse_session

DOCS = Path(__file__).resolve().parent.parent / "docs"
# A content tab (pymdownx.tabbed): `=== "Title"` at some indentation.
_TAB = re.compile(r'^(?P<indent>[ \t]*)===\+?!? +"(?P<title>[^"]*)"')


@dataclass(frozen=True)
class Example:
    line: int
    defines: frozenset[str]
    uses: frozenset[str]
    tab: tuple[int, int] | None  # (group, tab) or None outside any tab


def names(source: str) -> tuple[set[str], set[str]]:
    """(names bound, names read) by a statement."""
    tree = ast.parse(source)
    bound: set[str] = set()
    read: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else read).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            bound.update(a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg))
        elif isinstance(node, ast.Lambda):
            bound.update(a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return bound, read


def tab_of_line(lines: list[str]) -> list[tuple[int, int] | None]:
    """For each line of a page, the (group, tab) it sits in, or None."""
    where: list[tuple[int, int] | None] = [None] * len(lines)
    group, tab, indent = -1, -1, None
    for i, line in enumerate(lines):
        match = _TAB.match(line)
        if match:
            if indent is None or len(match["indent"]) != indent:
                group, tab = group + 1, 0
            else:
                tab += 1
            indent = len(match["indent"])
            where[i] = (group, tab)
            continue
        at_or_left = len(line) - len(line.lstrip(" \t")) <= (indent or 0)
        if indent is not None and line.strip() and at_or_left:
            indent = None  # the group has ended: back at or left of its `===`
        if indent is not None:
            where[i] = (group, tab)
    return where


def examples_of(page: Path) -> list[Example]:
    text = page.read_text(encoding="utf-8")
    where = tab_of_line(text.splitlines())
    found = []
    for fence in find_fences(text, str(page)):
        if fence.kind != PYCON:
            continue
        for example in parse_session(
            fence.body, str(page), fence.body_line, output_ends_at_blank=False
        ):
            bound, read = names(example.source)
            found.append(
                Example(example.line, frozenset(bound), frozenset(read), where[fence.start])
            )
    return found


def hidden_names(examples: list[Example]) -> list[str]:
    """Every use of a name that only some tabs, not the one in view, define."""
    problems = []
    outside: set[str] = set()  # defined outside tabs so far
    tabs_defining: dict[str, dict[int, set[int]]] = {}  # name -> group -> tabs
    tab_count: dict[int, int] = {}
    for example in examples:
        for name in sorted(example.uses - outside):
            for group, tabs in tabs_defining.get(name, {}).items():
                own = example.tab is not None and example.tab[0] == group and example.tab[1] in tabs
                if not own and len(tabs) < tab_count[group]:
                    problems.append(
                        f"line {example.line}: {name!r} is defined only in tab(s) {sorted(tabs)} "
                        f"of tab group {group}; define it outside the tabs or in each of them"
                    )
        if example.tab is None:
            outside |= example.defines
        else:
            group, tab = example.tab
            tab_count[group] = max(tab_count.get(group, 0), tab + 1)
            for name in example.defines - outside:
                tabs_defining.setdefault(name, {}).setdefault(group, set()).add(tab)
    return problems


def test_a_name_defined_in_one_tab_only_is_caught() -> None:
    page = [
        Example(1, frozenset({"np"}), frozenset(), None),
        Example(5, frozenset(), frozenset(), (0, 0)),
        Example(9, frozenset({"W"}), frozenset({"np"}), (0, 1)),
        Example(12, frozenset({"X"}), frozenset({"np", "W"}), (0, 2)),
        Example(20, frozenset(), frozenset({"W"}), None),
    ]
    problems = hidden_names(page)
    assert [p.split(":")[0] for p in problems] == ["line 12", "line 20"]
    assert "'W'" in problems[0]
    assert "'W'" in problems[1]


def test_tabs_are_found_with_their_groups() -> None:
    lines = ['=== "A"', "", "    a", '=== "B"', "    b", "", "after", '=== "C"', "    c"]
    assert tab_of_line(lines) == [
        (0, 0),
        (0, 0),
        (0, 0),
        (0, 1),
        (0, 1),
        (0, 1),
        None,
        (1, 0),
        (1, 0),
    ]


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_no_example_relies_on_a_name_hidden_in_another_tab(page: Path) -> None:
    assert hidden_names(examples_of(page)) == []
