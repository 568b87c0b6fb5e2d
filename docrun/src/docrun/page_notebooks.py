"""Every page as a notebook: its prose as Markdown cells, its examples as code cells.

`page_notebook` turns a page into an nbformat notebook: the prose between blocks becomes
Markdown (admonitions, collapsible boxes and tabs become bold headings, their content
dedented; relative links point to the published site), each ``pycon`` block becomes code
cells (split after each statement with written output, so every output sits under its
own statement), and each ``python run`` block a code cell. A block that draws an
interactive figure with docrun becomes a link to the figure on the site: a reader's
Python has no docrun, and a notebook cannot show the figure anyway.

`execute` runs the notebook in a fresh kernel (nbclient) and checks each cell's output
against what the page writes, with the pages' own checker: a notebook that does not give
the page's outputs fails the build at the page's line.
"""

from __future__ import annotations

import os
import posixpath
import re
import tempfile
from dataclasses import dataclass, field
from typing import Any

from docrun.blocks import PYCON, PYTHON_RUN, Example, find_fences, parse_session
from docrun.check import expects_exception, output_matches, written_exception

# Containers of Python-Markdown and pymdown-extensions: admonitions, details, tabs.
_CONTAINER = re.compile(r"^(?P<indent>[ \t]*)(?:!!!|\?\?\?\+?|===)\s*(?P<rest>.*)$")
_TITLE = re.compile(r'"([^"]*)"')
_LINK = re.compile(r"(?<=\]\()(?P<target>[^)\s]+)(?=\))")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# A python run block that imports docrun draws something only the web page can show.
_USES_DOCRUN = re.compile(r"^\s*(?:from|import)\s+docrun\b", re.MULTILINE)
_FIGURE_NAME = re.compile(r'Figure\(\s*"([a-z][a-z0-9-]*)"')
SETUP = 'pip install "mlmath[pages]"'


# nbformat has no type hints: its constructors are wrapped once here. It is imported
# where it is used: a build served from docrun's cache makes no notebook.
def _new_notebook() -> Any:
    from nbformat import v4

    return v4.new_notebook()  # type: ignore[no-untyped-call]


def _markdown_cell(source: str) -> Any:
    from nbformat import v4

    return v4.new_markdown_cell(source)  # type: ignore[no-untyped-call]


def _code_cell(source: str) -> Any:
    from nbformat import v4

    return v4.new_code_cell(source)  # type: ignore[no-untyped-call]


def published_url(target: str, page_uri: str, site_url: str) -> str:
    """A link of the page as the published site serves it (directory URLs).

    ``target`` is as written on the page, ``page_uri`` the page's source path under
    docs/ (``gradient.md``), ``site_url`` where the site is published.
    """
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("//"):
        return target
    base = site_url if site_url.endswith("/") else site_url + "/"
    path, _, fragment = target.partition("#")
    if not path:
        path = page_uri
    else:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page_uri), path))
    stem, extension = posixpath.splitext(path)
    if extension in {".md", ".ipynb"}:
        name = posixpath.basename(stem)
        folder = posixpath.dirname(stem)
        path = (folder + "/" if folder else "") if name in {"index", "README"} else stem + "/"
    return base + path + ("#" + fragment if fragment else "")


def prose_markdown(
    lines: list[str], page_uri: str, site_url: str, depth: list[int] | None = None
) -> str:
    """Prose of a page as plain Markdown for a notebook (no MkDocs extensions).

    ``depth`` holds the content indentation of each open container; pass the same list
    for each stretch of prose of one page, since a box may go on after a code block.
    """
    out: list[str] = []
    depth = [] if depth is None else depth
    for line in lines:
        if line.strip():
            width = len(line) - len(line.lstrip(" \t"))
            while depth and width < depth[-1]:
                depth.pop()
            opened = _CONTAINER.match(line)
            if opened is not None:
                width = len(opened["indent"])
                while depth and width < depth[-1]:
                    depth.pop()
                title = _TITLE.search(opened["rest"])
                kind = opened["rest"].split()[0] if opened["rest"].split() else ""
                out += ["", f"**{title.group(1) if title else kind.capitalize()}**", ""]
                depth.append(width + 4)
                continue
            if depth:
                inner = depth[-1]
                line = line[inner:] if line[:inner].isspace() else line.lstrip()
        out.append(line)
    text = _COMMENT.sub("", "\n".join(out))
    text = _LINK.sub(lambda m: published_url(m["target"], page_uri, site_url), text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


@dataclass
class PageNotebook:
    """A page's notebook, and for each code cell the examples whose output it must show."""

    notebook: Any
    path: str
    expected: dict[int, list[Example]] = field(default_factory=dict)
    lines: dict[int, int] = field(default_factory=dict)  # cell index -> page line


def _pycon_cells(examples: list[Example]) -> list[list[Example]]:
    """Statements grouped into cells, each cell ending at a statement with written output."""
    cells: list[list[Example]] = [[]]
    for example in examples:
        cells[-1].append(example)
        if example.want.strip():
            cells.append([])
    return [cell for cell in cells if cell]


def page_notebook(
    markdown: str,
    path: str,
    first_line: int,
    *,
    page_uri: str,
    site_url: str,
    title: str,
) -> PageNotebook | None:
    """The page as a notebook, or None when the page has no example to run."""
    fences = [f for f in find_fences(markdown, path, first_line) if f.kind in (PYCON, PYTHON_RUN)]
    if not fences:
        return None
    page_url = published_url(page_uri, page_uri, site_url)
    nb = _new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    result = PageNotebook(nb, path)
    nb.cells.append(
        _markdown_cell(
            f"*This notebook is the page [{title}]({page_url}) of the mlmath site, with every "
            f"example as a cell. To run it, install the library and what the pages use: "
            f'`{SETUP}` (in a clone of the repository: `pip install -e ".[pages]"`).*'
        )
    )
    lines = markdown.split("\n")
    position = 0
    depth: list[int] = []

    def prose(stop: int) -> None:
        text = prose_markdown(lines[position:stop], page_uri, site_url, depth)
        if text.strip():
            nb.cells.append(_markdown_cell(text))

    for fence in fences:
        prose(fence.start)
        while depth and len(fence.indent) < depth[-1]:
            depth.pop()  # the block sits outside the box that was open
        position = fence.stop
        if fence.kind == PYTHON_RUN:
            source = "\n".join(fence.body).strip("\n")
            if _USES_DOCRUN.search(source):
                named = _FIGURE_NAME.search(source)
                if named is not None:
                    note = (
                        f"*Here the page shows an [interactive figure]({page_url}#"
                        f"{named.group(1)}) drawn from the values computed above.*"
                    )
                else:
                    note = (
                        f"*Here the [page]({page_url}) shows what a block made with the "
                        "site's own build tools (docrun) prints.*"
                    )
                nb.cells.append(_markdown_cell(note))
                continue
            result.lines[len(nb.cells)] = fence.line
            nb.cells.append(_code_cell(source))
            continue
        examples = parse_session(
            fence.body, path, fence.body_line, output_ends_at_blank=False, column=len(fence.indent)
        )
        for cell in _pycon_cells(examples):
            code = _code_cell("\n".join(example.source for example in cell))
            if any(expects_exception(example.want) for example in cell):
                code.metadata["tags"] = ["raises-exception"]
            result.expected[len(nb.cells)] = [e for e in cell if e.want.strip()]
            result.lines[len(nb.cells)] = cell[0].line
            nb.cells.append(code)
    prose(len(lines))
    import nbformat

    nbformat.validate(nb)
    return result


def cell_output(cell: Any) -> tuple[str, str | None]:
    """What a code cell showed, as the REPL would print it, and its exception if any."""
    text: list[str] = []
    error = None
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream" and output["name"] == "stdout":
            text.append(output["text"])
        elif output["output_type"] == "execute_result":
            text.append(output["data"].get("text/plain", "") + "\n")
        elif output["output_type"] == "error":
            name, message = output["ename"], output["evalue"]
            error = f"{name}: {message}" if message else name
    return "".join(text), error


def check_outputs(page: PageNotebook) -> list[str]:
    """Each executed cell against what the page writes; failures as ``path:line: …``."""
    failures = []
    for index, examples in page.expected.items():
        got, error = cell_output(page.notebook.cells[index])
        for example in examples:
            if expects_exception(example.want):
                name, _, message = written_exception(example.want).partition(":")
                actual_name, _, actual_message = (error or "").partition(":")
                same_type = actual_name.split(".")[-1] == name.strip().split(".")[-1]
                ok = (
                    error is not None
                    and same_type
                    and output_matches(message, actual_message.strip())
                )
            else:
                ok = error is None and output_matches(example.want, got)
            if not ok:
                failures.append(
                    f"{example.location}: in the page's notebook this cell shows\n"
                    f"    {(error or got).rstrip() or '(no output)'}\n"
                    f"  where the page writes\n    {example.want.strip()}"
                )
    return failures


def code_cells(page: PageNotebook) -> list[tuple[str, list[str]]]:
    """(source, tags) of each code cell: all that running the notebook depends on, with
    the files its code imports (the Markdown cells only ride along)."""
    return [
        (cell.source, list(cell.get("metadata", {}).get("tags", [])))
        for cell in page.notebook.cells
        if cell.cell_type == "code"
    ]


def executed_cells(page: PageNotebook) -> dict[str, Any]:
    """What running the notebook added: the notebook's metadata, and each code cell but
    its source (outputs, execution count, metadata), as plain JSON."""
    import json

    # The notebook node is a dict; as JSON its strings stay whole (a file splits them).
    nb = json.loads(json.dumps(page.notebook))
    return {
        "metadata": nb["metadata"],
        "cells": [
            {key: value for key, value in cell.items() if key != "source"}
            for cell in nb["cells"]
            if cell["cell_type"] == "code"
        ],
    }


def restore_cells(page: PageNotebook, stored: Any) -> bool:
    """Put what ``executed_cells`` gave for the same code cells into ``page``'s notebook,
    as if it had run; False (the notebook untouched) when ``stored`` does not fit it."""
    import copy

    import nbformat

    try:
        cells = stored["cells"]
        notebook = copy.deepcopy(page.notebook)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        if not isinstance(cells, list) or len(cells) != len(code):
            return False
        notebook.metadata = nbformat.from_dict(stored["metadata"])  # type: ignore[no-untyped-call]
        for cell, ran in zip(code, cells, strict=True):
            for key in ("outputs", "execution_count", "metadata"):
                cell[key] = nbformat.from_dict(ran[key])  # type: ignore[no-untyped-call]
        nbformat.validate(notebook)
    except (KeyError, TypeError, ValueError, nbformat.ValidationError):
        return False
    page.notebook = notebook
    return True


def jupyter_settings() -> Any:
    """The settings that nbconvert reads for the kernels it starts (the files named
    ``jupyter_nbconvert_config.py`` on Jupyter's config path, the first found winning):
    the kernels docrun starts follow them too. The Makefile puts the project's
    ``jupyter/`` folder there, whose kernels talk over Unix sockets, not TCP."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config
    from traitlets.config.loader import load_pyconfig_files

    settings = Config()
    for folder in reversed(jupyter_config_path()):
        settings.merge(load_pyconfig_files(["jupyter_nbconvert_config.py"], folder))
    return settings


def execute(page: PageNotebook, *, timeout: int = 600) -> list[str]:
    """Run the notebook in a fresh kernel, in place; failures as ``path:line: …``."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    # The build draws off screen (MPLBACKEND=Agg); the kernel should show figures inline.
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as sockets:
        settings = jupyter_settings()
        if settings.KernelManager.get("transport") == "ipc":
            # Pages' notebooks run side by side in one build, and kernels that share the
            # settings' one socket prefix read each other's messages ("Invalid Signature"):
            # each gets its own, in a private folder.
            settings.KernelManager.ip = os.path.join(sockets, "kernel")
        client = NotebookClient(
            page.notebook,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": folder}},
            config=settings,
        )
        try:
            client.execute(env=env, cwd=folder)
        except CellExecutionError as error:
            index = next((k for k, cell in enumerate(page.notebook.cells) if _failed(cell)), None)
            line = page.lines.get(index, 0) if index is not None else 0
            return [f"{page.path}:{line}: the page's notebook failed to run:\n{error}"]
    return check_outputs(page)


def _failed(cell: Any) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return (
        cell.get("cell_type") == "code"
        and "raises-exception" not in tags
        and any(output["output_type"] == "error" for output in cell.get("outputs", []))
    )


def write(page: PageNotebook, target: str | os.PathLike[str]) -> None:
    import nbformat

    nbformat.write(page.notebook, os.fspath(target))  # type: ignore[no-untyped-call]


def dumps(page: PageNotebook) -> str:
    """The notebook as the JSON text ``write`` puts in its file."""
    import nbformat

    text: str = nbformat.writes(page.notebook)  # type: ignore[no-untyped-call]
    return text if text.endswith("\n") else text + "\n"


def file_name(page_uri: str) -> str:
    """The notebook's file name: the page's, and ``home`` for the home page."""
    stem = posixpath.splitext(posixpath.basename(page_uri))[0]
    return ("home" if stem in {"index", "README"} else stem) + ".ipynb"


def download_link(name: str) -> str:
    """The link placed under the page's title (the file sits beside the page)."""
    return (
        '<p class="docrun-notebook-download">'
        f'<a href="{name}" download>Download this page as a notebook</a></p>'
    )


def add_download_link(page_html: str, name: str) -> str:
    """The page with the download link right after its first heading."""
    heading_end = page_html.find("</h1>")
    if heading_end < 0:
        return page_html
    at = heading_end + len("</h1>")
    return page_html[:at] + download_link(name) + page_html[at:]
