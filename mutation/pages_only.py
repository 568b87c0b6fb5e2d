"""The pytest plugin of `make mutate`: the site's examples, and only them, against a mutant.

mutmut copies mlmath into ``mutants/`` with every mutant as a function of its own next to
the original (``x_sigmoid__mutmut_1``, ...), each carrying the original's docstring. docrun
would collect each of those docstrings as an item; only the public function's own one
is the site's example, so the copies are dropped here, before their examples are parsed.

The items mutmut selects for a mutant run fastest first: a mutant dies at the first
failing item (``-x``), and most die in a docstring that takes a tenth of a second, not
in a page that takes ten.

Most of a page's time goes to the equation checker's own mathematics: SymPy proving
each ``=`` of a display, expanding the definitions in each binding's side, and mpmath
evaluating that side to 30 digits.
Neither calls mlmath, so they give the same answer under every mutant: they are
remembered from the clean run and looked up in the mutant runs. What calls mlmath (the
examples, and each binding's ``equals``/``derivative`` expression) always runs.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy
from docrun.docstrings import display_path
from docrun.pytest_plugin import DocstringItem, DocstringModule

from docrun import docstrings, equations

# mutmut's names for the copies it makes of a function: x_name__mutmut_N, x_name__mutmut_orig.
_COPY = "__mutmut_"


class SiteDocstrings(DocstringModule):  # the pytest items of a module's docstrings
    """docrun's docstring items of one module, without mutmut's copies of functions."""

    def collect(self) -> Iterator[pytest.Item]:
        source = self.path.read_text(encoding="utf-8")
        path = display_path(self.path, self.config.rootpath)
        for docstring in docstrings.docstrings_in_source(source, path):
            if _COPY in docstring.qualname:
                continue
            if docstring.examples(path) or "$$" in docstring.text:
                yield DocstringItem.from_parent(
                    self, name=docstring.qualname or "<module>", docstring=docstring
                )


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Iterator[Any]:
    collectors = yield
    return [
        SiteDocstrings.from_parent(parent, path=file_path)
        if type(collector) is DocstringModule
        else collector
        for collector in collectors
    ]


def _durations(root: Path) -> dict[str, float]:
    """How long each item took in mutmut's clean run (its stats file), by node id."""
    stats = root / "mutmut-stats.json"
    if not stats.is_file():
        return {}
    durations: dict[str, float] = json.loads(stats.read_text()).get("duration_by_test", {})
    return durations


# The API reference page runs the docstrings of the public API, which are items of
# their own here (each with its equations): the page would only check them again, in
# one item that is the slowest of the site (15 s), for every mutant that survives.
_SAME_AS_DOCSTRINGS = "docs/reference.md"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    again = [item for item in items if item.nodeid.startswith(_SAME_AS_DOCSTRINGS + "::")]
    if again:
        config.hook.pytest_deselected(items=again)
        items[:] = [item for item in items if item not in again]
    durations = _durations(config.rootpath)
    if durations:
        items.sort(key=lambda item: durations.get(item.nodeid, float("inf")))


# In memory only: mutmut's stats and clean runs happen in its main process and every
# mutant runs in a process forked from it, so each mutant starts with what the clean run
# remembered; nothing is kept between runs (an edited page is simply checked afresh).
_memo: dict[tuple[Any, ...], Any] = {}


def _sample_key(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        (name, np.asarray(v).dtype.str, np.shape(v), np.asarray(v).tobytes())
        for name, v in sorted(values.items())
    )


def _remember_evaluate(function: Callable[..., Any]) -> Callable[..., Any]:
    def evaluate(expr: sympy.Expr, values: dict[str, Any]) -> Any:
        key = ("evaluate", expr, _sample_key(values))
        if key not in _memo:
            _memo[key] = function(expr, values)
        return _memo[key]

    return evaluate


def _remember_docstrings(function: Callable[..., Any]) -> Callable[..., Any]:
    # A mutated module is some 18,000 lines (every mutant is a copy of its function), and
    # the API reference page parses each one for its docstrings in every mutant run.
    def docstrings_in_source(source: str, path: str) -> Any:
        key = ("docstrings", path, source)
        if key not in _memo:
            _memo[key] = function(source, path)
        return _memo[key]

    return docstrings_in_source


def _definitions_key(definitions: Any) -> tuple[Any, ...]:
    # docrun names a set of definitions by a counter that a forked mutant run continues
    # past the clean run's values; the definitions themselves are the same.
    return (
        tuple(sorted(definitions.variables.items())),
        tuple(sorted(definitions.functions.items())),
    )


def _remember_expand(function: Callable[..., Any]) -> Callable[..., Any]:
    def expand(expr: sympy.Expr, definitions: Any, sizes: dict[Any, int], keep: set[str]) -> Any:
        key = (
            "expand",
            expr,
            _definitions_key(definitions),
            frozenset(sizes.items()),
            frozenset(keep),
        )
        if key not in _memo:
            _memo[key] = function(expr, definitions, sizes, keep)
        return _memo[key]

    return expand


def _remember_identity(function: Callable[..., Any]) -> Callable[..., Any]:
    # (statement, number, context, samples, defining): the checker reads the symbol table
    # and the definitions from the context, never the library.
    def identity(
        statement: Any, number: int, context: Any, samples: Any, defining: bool = False
    ) -> Any:
        key = (
            "identity",
            statement.tex,
            number,
            defining,
            context.path,
            context.line,
            _definitions_key(context.definitions),
            tuple(_sample_key(values) for values in samples.arrays),
        )
        if key not in _memo:
            _memo[key] = function(statement, number, context, samples, defining)
        return _memo[key]

    return identity


def _without_copies(function: Callable[..., list[object]]) -> Callable[..., list[object]]:
    # The API reference page (`::: mlmath.activation`) documents a module's public names.
    # To docrun, mutmut's copies (x_sigmoid__mutmut_1, ...) are public functions, and the
    # public ones are mutmut's trampolines, whose source is mutmut's: documented is the
    # function the trampoline wraps, defined (with its docstring) in the mutated module.
    def public_members(module: Any) -> list[object]:
        return [
            _unwrapped(member)
            for member in function(module)
            if _COPY not in getattr(member, "__name__", "")
        ]

    return public_members


def _unwrapped(member: object) -> object:
    code = getattr(member, "__code__", None)
    wrapped = getattr(member, "__wrapped__", None)
    if wrapped is not None and code is not None and "mutmut" in code.co_filename:
        return wrapped
    return member


def pytest_unconfigure(config: pytest.Config) -> None:
    # mutmut forks every mutant's run from the process that ran the clean run: frozen,
    # the objects that run left behind (SymPy's caches, the memo above) are not walked
    # again by each child's garbage collector. A child's own objects still are.
    gc.freeze()


def pytest_configure(config: pytest.Config) -> None:
    if not getattr(equations, "_mutation_memo", False):
        equations._evaluate = _remember_evaluate(equations._evaluate)  # type: ignore[attr-defined]
        equations._identity = _remember_identity(equations._identity)  # type: ignore[attr-defined]
        equations._expand = _remember_expand(equations._expand)  # type: ignore[attr-defined]
        docstrings.docstrings_in_source = _remember_docstrings(docstrings.docstrings_in_source)
        docstrings._public_members = _without_copies(docstrings._public_members)  # type: ignore[attr-defined]
        equations._mutation_memo = True  # type: ignore[attr-defined]
