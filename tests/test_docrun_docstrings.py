"""Docstring examples: found at their lines, selected as an autodoc directive shows them."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from docrun.docstrings import (
    display_path,
    docstrings_in_source,
    documented_by,
    module_name,
    run_documented,
)
from docrun.page import check_page

MODULE = textwrap.dedent(
    '''\
    r"""A demo module.

    >>> double(2)
    4
    """

    __all__ = ["double", "Box"]

    LIMIT = 10


    def double(x):
        r"""Twice x.

        Examples
        --------
        >>> double(0.5)
        1.0
        >>> double(LIMIT)
        20
        """
        return 2 * x


    def _hidden(x):
        """Not public.

        >>> _hidden(1)
        999
        """
        return x


    def helper(x):
        """Public but not in __all__.

        >>> helper(1)
        999
        """
        return x


    class Box:
        """A box.

        >>> Box().size()
        3
        """

        def size(self):
            """The size.

            >>> Box().size() + 1
            4
            """
            return 3

        def _inner(self):
            """>>> 1
            2
            """
    '''
)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Path]:
    """A package ``docrun_demo`` with one module, importable for the test."""
    package = tmp_path / "docrun_demo"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from docrun_demo.core import *\nfrom docrun_demo.core import __all__\n"
    )
    (package / "core.py").write_text(MODULE)
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("docrun_demo")]:
            del sys.modules[name]


def line_of(needle: str) -> int:
    return next(k for k, line in enumerate(MODULE.splitlines(), 1) if needle in line)


def test_docstrings_are_found_at_the_lines_of_their_examples() -> None:
    docstrings = docstrings_in_source(MODULE, "core.py")
    assert [d.qualname for d in docstrings] == [
        "",
        "double",
        "_hidden",
        "helper",
        "Box",
        "Box.size",
        "Box._inner",
    ]
    double = docstrings[1]
    examples = double.examples("core.py")
    assert [e.line for e in examples] == [line_of(">>> double(0.5)"), line_of(">>> double(LIMIT)")]
    assert [e.want for e in examples] == ["1.0", "20"]
    # The code starts after the docstring's indentation and the prompt.
    first = MODULE.splitlines()[examples[0].line - 1]
    assert examples[0].column == first.index(">>> ") + 4


def test_a_directive_shows_the_module_and_its_public_members(demo: Path) -> None:
    [documented] = documented_by("docrun_demo.core")
    assert documented.module == "docrun_demo.core"
    assert documented.qualnames == {"", "double", "Box"}
    assert documented.selects("Box.size")
    assert not documented.selects("Box._inner")
    assert not documented.selects("_hidden")
    assert not documented.selects("helper")
    [single] = documented_by("docrun_demo.double")
    assert single.qualnames == {"double"}


def test_examples_run_in_a_copy_of_the_module_globals_and_pass(demo: Path) -> None:
    outcomes = run_documented("docrun_demo.core", demo)
    assert [o.example.location for o in outcomes] == [
        f"docrun_demo/core.py:{line_of('>>> double(2)')}",
        f"docrun_demo/core.py:{line_of('>>> double(0.5)')}",
        f"docrun_demo/core.py:{line_of('>>> double(LIMIT)')}",
        f"docrun_demo/core.py:{line_of('>>> Box().size()')}",
        f"docrun_demo/core.py:{line_of('>>> Box().size() + 1')}",
    ]
    assert all(o.passed for o in outcomes)


def test_a_page_directive_reports_a_wrong_docstring_at_the_python_file(demo: Path) -> None:
    core = demo / "docrun_demo" / "core.py"
    core.write_text(MODULE.replace("    1.0\n", "    1.5\n"))
    result = check_page("# API\n\n::: docrun_demo\n", "docs/reference.md", root=demo)
    assert len(result.failures) == 1
    location = f"docrun_demo/core.py:{line_of('>>> double(0.5)')}: example failed"
    assert result.failures[0].startswith(location)
    assert "Expected:\n    1.5\nGot:\n    1.0" in result.failures[0]


def test_a_directive_without_examples_or_import_fails(demo: Path) -> None:
    (demo / "docrun_demo" / "bare.py").write_text(
        '"""No examples."""\n\ndef f():\n    """Plain."""\n'
    )
    bare = check_page("::: docrun_demo.bare\n", "docs/r.md", root=demo)
    assert bare.failures == [
        "docs/r.md:1: the objects documented on this page have no docstring examples, "
        "so nothing checks them"
    ]
    missing = check_page("text\n\n::: docrun_demo.nowhere\n", "docs/r.md", root=demo)
    assert missing.failures[0].startswith("docs/r.md:3: cannot import 'docrun_demo.nowhere'")


def test_module_names_and_display_paths(demo: Path) -> None:
    assert module_name(demo / "docrun_demo" / "core.py") == "docrun_demo.core"
    assert module_name(demo / "docrun_demo" / "__init__.py") == "docrun_demo"
    assert display_path(demo / "docrun_demo" / "core.py", demo) == "docrun_demo/core.py"
    outside = display_path("/elsewhere/x.py", demo)
    assert outside == "/elsewhere/x.py"
