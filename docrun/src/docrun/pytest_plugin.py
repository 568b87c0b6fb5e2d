"""The pytest plugin: the site's examples as tests, through the build's own checker.

Collects one item per Markdown page under a ``docs`` folder (its fences and its
``:::`` directives, exactly what the build runs for it) and one item per docstring
with examples in the modules of a package (a ``.py`` file next to an ``__init__.py``).
Enable it with ``pytest_plugins = ["docrun.pytest_plugin"]`` in a conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mkdocs.utils.meta import get_data

from docrun import equations
from docrun.blocks import PageSyntaxError, find_directives, find_fences, markdown_first_line
from docrun.docstrings import (
    Docstring,
    display_path,
    docstrings_in_source,
    module_name,
    module_namespace,
    run_docstring,
)
from docrun.page import check_page
from docrun.run import register_source


class ExampleFailedError(Exception):
    """The failures of one item, already formatted with their file:line."""


def _is_page(file_path: Path, root: Path) -> bool:
    try:
        parts = file_path.resolve().relative_to(root.resolve()).parts
    except ValueError:
        return False
    return file_path.suffix == ".md" and "docs" in parts[:-1]


def _in_docs(file_path: Path, root: Path) -> bool:
    try:
        return "docs" in file_path.resolve().relative_to(root.resolve()).parts[:-1]
    except ValueError:
        return False


def _is_package_module(file_path: Path) -> bool:
    name = file_path.name
    return (
        file_path.suffix == ".py"
        and (file_path.parent / "__init__.py").is_file()
        and name != "conftest.py"
        and not name.startswith("test_")
        and not name.endswith("_test.py")
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "docrun_symbols",
        "the symbol table display equations are read with (relative to the rootdir); "
        "without it equations are not checked",
        default="",
    )
    parser.addini("docrun_library", "the package equation bindings call", default="mlmath")


def _symbols(config: pytest.Config) -> Path | None:
    value = str(config.getini("docrun_symbols"))
    return config.rootpath / value if value else None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    root = parent.config.rootpath
    if _is_page(file_path, root):
        return MarkdownPage.from_parent(parent, path=file_path)
    if (
        file_path.suffix == ".ipynb"
        and _symbols(parent.config) is not None
        and _in_docs(file_path, root)
    ):
        return NotebookFile.from_parent(parent, path=file_path)
    if _is_package_module(file_path):
        return DocstringModule.from_parent(parent, path=file_path)
    return None


class MarkdownPage(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        source = self.path.read_text(encoding="utf-8-sig")
        markdown, _ = get_data(source)
        first_line = markdown_first_line(source, markdown)
        # A prose-only page gives no item: an item must be able to fail.
        try:
            has_blocks = bool(find_fences(markdown, str(self.path), first_line))
        except PageSyntaxError:
            has_blocks = True  # the item reports it
        if has_blocks or find_directives(markdown, first_line):
            yield PageItem.from_parent(self, name="examples")
        elif "$$" in markdown and _symbols(self.config) is not None:
            yield PageItem.from_parent(self, name="equations")


class _CheckedItem(pytest.Item):
    """An item whose failures are already formatted with their file:line: shown as is."""

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ExampleFailedError | PageSyntaxError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


class PageItem(_CheckedItem):
    def runtest(self) -> None:
        root = self.config.rootpath
        source = self.path.read_text(encoding="utf-8-sig")
        markdown, _ = get_data(source)
        path = display_path(self.path, root)
        result = check_page(
            markdown,
            path,
            markdown_first_line(source, markdown),
            root=root,
            symbols=None if (table := _symbols(self.config)) is None else str(table),
            library=str(self.config.getini("docrun_library")),
        )
        if result.failures:
            raise ExampleFailedError("\n\n".join(result.failures))
        if result.examples_run == 0 and not result.equations:
            raise ExampleFailedError(f"{path}: no example ran on this page")

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"examples of {self.path.name}"


class DocstringModule(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        source = self.path.read_text(encoding="utf-8")
        path = display_path(self.path, self.config.rootpath)
        for docstring in docstrings_in_source(source, path):
            if docstring.examples(path) or (
                "$$" in docstring.text and _symbols(self.config) is not None
            ):
                yield DocstringItem.from_parent(
                    self, name=docstring.qualname or "<module>", docstring=docstring
                )


class DocstringItem(_CheckedItem):
    def __init__(self, *, docstring: Docstring, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.docstring = docstring

    def runtest(self) -> None:
        path = display_path(self.path, self.config.rootpath)
        register_source(path, self.path.read_text(encoding="utf-8"))
        namespace = module_namespace(module_name(self.path))
        outcomes = run_docstring(self.docstring, path, namespace)
        failures = [outcome.report() for outcome in outcomes if not outcome.passed]
        symbols = _symbols(self.config)
        if symbols is not None:
            results = equations.check_source(
                self.docstring.text,
                path,
                symbols,
                equations.library_namespace(str(self.config.getini("docrun_library"))),
                first_line=self.docstring.line,
            )
            failures += [f for result in results for f in result.failures]
        if failures:
            raise ExampleFailedError("\n\n".join(failures))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.docstring.line - 1, f"docstring of {self.name}"


class NotebookFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield NotebookEquations.from_parent(self, name="equations")


class NotebookEquations(_CheckedItem):
    """The display equations of a notebook's Markdown cells (its code runs in the build)."""

    def runtest(self) -> None:
        symbols = _symbols(self.config)
        assert symbols is not None  # collected only with a symbol table
        results = equations.check_notebook(
            self.path.read_text(encoding="utf-8"),
            display_path(self.path, self.config.rootpath),
            symbols,
            equations.library_namespace(str(self.config.getini("docrun_library"))),
        )
        failures = [f for result in results for f in result.failures]
        if failures:
            raise ExampleFailedError("\n\n".join(failures))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"equations of {self.path.name}"
