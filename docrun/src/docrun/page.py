"""Run and check one Markdown page: every fence, every directive, in order down the page.

``check_page`` is a pure function of the page's text, its path and its first line: it
returns the Markdown to render (actual outputs in place of written ones, printed
Markdown and figure placeholders after ``python run`` blocks) and the failures, each
starting with ``path:line``. The MkDocs plugin and the pytest plugin both call it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from docrun import figures, interactive, marks
from docrun.blocks import (
    ALLOWED_FENCES,
    PYCON,
    PYTHON_RUN,
    Fence,
    PageSyntaxError,
    find_directives,
    find_fences,
    parse_session,
)
from docrun.check import strip_directives
from docrun.docstrings import run_documented
from docrun.run import (
    Namespace,
    Outcome,
    fresh_namespace,
    indent,
    register_source,
    run_example,
    run_script,
)


@dataclass
class PageResult:
    """What a page did: the Markdown to render, what failed, how much ran."""

    markdown: str
    failures: list[str] = field(default_factory=list)
    examples_run: int = 0
    # Every >>> example that ran, the page's and its documented docstrings', in order.
    outcomes: list[Outcome] = field(default_factory=list)
    figures: dict[str, str] = field(default_factory=dict)
    equations: list[marks.Result] = field(default_factory=list)


def _placeholder(path: str, number: int) -> str:
    """An HTML comment survives Markdown anywhere (admonitions, tabs) and is not indexed
    by search; it is swapped for the figure's SVG in the finished HTML."""
    digest = hashlib.sha256(path.encode()).hexdigest()[:12]
    return f"<!-- docrun-figure {digest} {number} -->"


def insert_figures(html: str, figures_by_placeholder: dict[str, str]) -> str:
    """Put each figure's HTML where its placeholder comment landed in the page."""
    for placeholder, figure_html in figures_by_placeholder.items():
        html = html.replace(placeholder, figure_html)
    return html


def _fence_lines(fence: Fence, info: str, body: list[str]) -> list[str]:
    """A fence at the original's indentation, with its display options."""
    opening = f"{info} {fence.options}" if fence.options else info
    lines = [fence.indent + fence.marker + opening]
    lines += [fence.indent + line if line else "" for line in body]
    lines.append(fence.indent + fence.marker)
    return lines


def _session_lines(outcomes: list[Outcome]) -> list[str]:
    """The session as the page shows it: the code and the actual output."""
    lines: list[str] = []
    for outcome in outcomes:
        # Directives are for the checker (Sphinx hides them too); readers copy the code.
        source = strip_directives(outcome.example.source).split("\n")
        lines.append(">>> " + source[0] if source[0] else ">>>")
        lines += ["... " + line if line else "..." for line in source[1:]]
        if outcome.shown:
            lines += outcome.shown.split("\n")
    return lines


def _run_pycon(fence: Fence, path: str, namespace: Namespace, result: PageResult) -> list[str]:
    try:
        examples = parse_session(
            fence.body, path, fence.body_line, output_ends_at_blank=False, column=len(fence.indent)
        )
    except PageSyntaxError as error:
        result.failures.append(str(error))
        return _fence_lines(fence, PYCON, list(fence.body))
    if not examples:
        result.failures.append(
            f"{path}:{fence.line}: this pycon block has no >>> example, so nothing "
            "checks it; write its statements after >>> prompts"
        )
        return _fence_lines(fence, PYCON, list(fence.body))
    outcomes = [run_example(example, namespace) for example in examples]
    result.examples_run += len(outcomes)
    result.outcomes += outcomes
    result.failures += [outcome.report() for outcome in outcomes if not outcome.passed]
    if figures.open_figure_count():
        figures.close_all()
        result.failures.append(
            f"{path}:{fence.line}: this pycon block left a matplotlib figure open; "
            "draw figures in a ```python run``` block, which shows them"
        )
    return _fence_lines(fence, PYCON, _session_lines(outcomes))


def _run_script(fence: Fence, path: str, namespace: Namespace, result: PageResult) -> list[str]:
    source = "\n".join(fence.body)
    shown = _fence_lines(fence, "python", list(fence.body))
    if not source.strip():
        result.failures.append(f"{path}:{fence.line}: this python run block is empty")
        return shown
    outcome = run_script(source, path, fence.body_line, namespace, len(fence.indent))
    result.examples_run += 1
    if outcome.error is not None:
        result.failures.append(
            f"{path}:{fence.line}: python run block failed\n{indent(outcome.error_traceback)}"
        )
    for warning in outcome.warnings:
        result.failures.append(f"{path}:{fence.line}: python run block emitted {warning}")
    try:
        svgs = figures.take_figures(f"{path}:{fence.line}", f"fig{len(result.figures) + 1}-")
    except figures.FigureError as error:
        result.failures.append(str(error))
        svgs = []
    made = [f'<figure class="docrun-figure">{svg}</figure>' for svg in svgs]
    # Interactive figures (docrun.interactive) the block showed, after its static ones.
    made += interactive.take_figures()
    # Printed Markdown and figures follow the code, at the block's own indentation so they
    # stay inside an admonition or tab.
    extra = outcome.stdout.rstrip("\n").split("\n") if outcome.stdout.strip() else []
    for figure_html in made:
        placeholder = _placeholder(path, len(result.figures) + 1)
        result.figures[placeholder] = figure_html
        extra += ["", placeholder]
    if extra:
        shown += [""] + [fence.indent + line if line.strip() else "" for line in extra] + [""]
    return shown


@contextlib.contextmanager
def _page_state() -> Iterator[None]:
    """Undo what a page may change in shared libraries: NumPy print options, matplotlib
    settings and figures. Each page starts as a fresh session would."""
    numpy = sys.modules.get("numpy")
    printoptions = numpy.get_printoptions() if numpy is not None else None
    figures.use_agg()
    try:
        yield
    finally:
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            if printoptions is not None:
                numpy.set_printoptions(**printoptions)
            else:
                numpy.set_printoptions()
        figures.reset()
        interactive.take_figures()  # a figure shown outside a python run block is dropped


def check_page(
    markdown: str,
    path: str,
    first_line: int = 1,
    *,
    root: str | os.PathLike[str] = ".",
    symbols: str | None = None,
    library: str = "mlmath",
) -> PageResult:
    """Run and check every block, directive and display equation of one page.

    ``path`` is how failures name the page (``docs/prediction.md``), ``first_line`` the
    file line on which ``markdown`` starts, ``root`` the project root that docstring
    paths are shown relative to. With ``symbols`` (the symbol table's file), every
    display equation, the page's and its documented docstrings', is checked against
    ``library`` (see :mod:`docrun.equations`).
    """
    register_source(path, "\n" * (first_line - 1) + markdown)
    result = PageResult(markdown=markdown)
    try:
        fences = find_fences(markdown, path, first_line)
    except PageSyntaxError as error:
        result.failures.append(str(error))
        return result
    lines = markdown.split("\n")
    rendered: list[str] = []
    position = 0
    namespace = fresh_namespace()
    with _page_state():
        for fence in fences:
            rendered += lines[position : fence.start]
            position = fence.stop
            if fence.kind == PYCON:
                rendered += _run_pycon(fence, path, namespace, result)
            elif fence.kind == PYTHON_RUN:
                rendered += _run_script(fence, path, namespace, result)
            else:
                allowed = " and ".join(f"```{kind}" for kind in ALLOWED_FENCES)
                result.failures.append(
                    f"{path}:{fence.line}: a {fence.marker}{fence.info} block is neither run "
                    f"nor checked; the fences allowed on these pages are {allowed}"
                )
                rendered += lines[fence.start : fence.stop]
        rendered += lines[position:]
        _run_directives(markdown, path, first_line, root, result)
    if symbols is not None:
        # Imported here: SymPy is only needed where equations are checked.
        from docrun import equations

        prose_lines = markdown.split("\n")
        for fence in fences:
            # Spaces of the same length: offsets in the prose are offsets in the page.
            for number in range(fence.start, fence.stop):
                prose_lines[number] = " " * len(prose_lines[number])
        library_names = equations.LibraryNamespace(library)
        result.equations += equations.check_source(
            markdown, path, symbols, library_names, "\n".join(prose_lines), first_line
        )
        for documented_path, docstring_line, text in _documented_docstrings(
            markdown, first_line, root
        ):
            result.equations += equations.check_source(
                text, documented_path, symbols, library_names, first_line=docstring_line
            )
        result.failures += [f for r in result.equations for f in r.failures]
    result.markdown = "\n".join(rendered)
    return result


def _documented_docstrings(
    markdown: str, first_line: int, root: str | os.PathLike[str]
) -> list[tuple[str, int, str]]:
    """(path, line, text) of every docstring the page's ``:::`` directives show."""
    from pathlib import Path

    from docrun.docstrings import display_path, docstrings_in_source, documented_by

    found: list[tuple[str, int, str]] = []
    seen: set[tuple[str, int]] = set()
    for identifier, _line in find_directives(markdown, first_line):
        try:
            documented = documented_by(identifier)
        except (ImportError, AttributeError):
            continue  # reported by _run_directives
        for item in documented:
            source = Path(item.file).read_text(encoding="utf-8")
            path = display_path(item.file, root)
            for docstring in docstrings_in_source(source, path):
                if item.selects(docstring.qualname) and (path, docstring.line) not in seen:
                    seen.add((path, docstring.line))
                    found.append((path, docstring.line, docstring.text))
    return found


def _run_directives(
    markdown: str, path: str, first_line: int, root: str | os.PathLike[str], result: PageResult
) -> None:
    directives = find_directives(markdown, first_line)
    if not directives:
        return
    run_before = result.examples_run
    for identifier, line in directives:
        try:
            outcomes = run_documented(identifier, root)
        except (ImportError, AttributeError) as error:
            result.failures.append(f"{path}:{line}: cannot import {identifier!r}: {error}")
            continue
        result.examples_run += len(outcomes)
        result.outcomes += outcomes
        result.failures += [outcome.report() for outcome in outcomes if not outcome.passed]
    if result.examples_run == run_before:
        result.failures.append(
            f"{path}:{directives[0][1]}: the objects documented on this page have no "
            "docstring examples, so nothing checks them"
        )
