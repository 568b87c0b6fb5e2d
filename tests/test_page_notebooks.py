"""Every page as a notebook: built with nbformat, executed at every build, checked against
the page, linked under the page's title, and runnable again once downloaded.

The guards of the notebook page (tests/test_notebooks.py) apply here too: a library edit
shows on the next build (no cache), a cell that fails or shows another output than the
page fails the build at the page's line, and the file a reader downloads runs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import mkdocs_build
import nbformat
import pytest
from docrun.page_notebooks import page_notebook, published_url
from mkdocs_build import build

from docrun import page_notebooks

ROOT = Path(__file__).resolve().parent.parent
SITE_URL = "https://example.org/mlmath/"


@pytest.mark.parametrize(
    ("target", "page", "expected"),
    [
        ("errata.md", "prediction.md", SITE_URL + "errata/"),
        ("gradient.md#the-gradient", "error.md", SITE_URL + "gradient/#the-gradient"),
        ("notebooks/original-article.ipynb", "index.md", SITE_URL + "notebooks/original-article/"),
        ("../index.md", "notebooks/a.md", SITE_URL),
        ("#local", "error.md", SITE_URL + "error/#local"),
        ("https://numpy.org/doc/", "error.md", "https://numpy.org/doc/"),
    ],
)
def test_links_point_to_the_published_site(target: str, page: str, expected: str) -> None:
    assert published_url(target, page, SITE_URL) == expected


PAGE = """\
# A page

Prose with a [link](other.md#part) and $h = Wx + b$.

<!-- a note for authors -->
```pycon
>>> x = 2
>>> y = 3
>>> x * y
6
>>> print("a"); print("b")
a
b
```

!!! warning "Careful"

    Inside a box.

    ```pycon
    >>> int("seven")
    Traceback (most recent call last):
        ...
    ValueError: invalid literal for int() with base 10: 'seven'
    ```

    Still inside the box, after the block.

=== "A tab"

    Tab text.

```python run
from docrun.interactive import Figure
Figure("demo-figure", caption="c")
```

```python run
print("done")
```

```python run
from docrun.symbols import load
```
"""


def test_a_page_becomes_markdown_and_code_cells() -> None:
    made = page_notebook(PAGE, "docs/a.md", 1, page_uri="a.md", site_url=SITE_URL, title="A page")
    assert made is not None
    cells = [(cell.cell_type, cell.source) for cell in made.notebook.cells]
    assert cells[0][0] == "markdown"
    assert SITE_URL + "a/" in cells[0][1]
    assert 'pip install "mlmath[pages]"' in cells[0][1]
    assert cells[1] == (
        "markdown",
        f"# A page\n\nProse with a [link]({SITE_URL}other/#part) and $h = Wx + b$.",
    )
    # Statements up to one with written output make a cell, so each output sits under it.
    assert cells[2] == ("code", "x = 2\ny = 3\nx * y")
    assert cells[3] == ("code", 'print("a"); print("b")')
    # Boxes become bold headings, their content dedented (not an indented code block).
    assert cells[4] == ("markdown", "**Careful**\n\nInside a box.")
    assert cells[5] == ("code", 'int("seven")')
    assert made.notebook.cells[5].metadata["tags"] == ["raises-exception"]
    assert cells[6] == (
        "markdown",
        "Still inside the box, after the block.\n\n**A tab**\n\nTab text.",
    )
    # A figure drawn with docrun becomes a link to it; the reader's Python has no docrun.
    assert cells[7][0] == "markdown"
    assert f"({SITE_URL}a/#demo-figure)" in cells[7][1]
    assert cells[8] == ("code", 'print("done")')
    assert cells[9][0] == "markdown"
    assert f"[page]({SITE_URL}a/) shows what a block made with" in cells[9][1]
    assert len(cells) == 10
    assert [example.line for example in made.expected[2]] == [9]
    assert made.lines[5] == 21


def test_a_page_without_examples_has_no_notebook() -> None:
    made = page_notebook("# Prose\n\nOnly words.\n", "docs/p.md", 1, page_uri="p.md",
                         site_url=SITE_URL, title="P")  # fmt: skip
    assert made is None


PROBE_PAGE = """\
# Probe

The library as the build sees it, and [the other page](index.md).

```python run
import mlmath
print(mlmath._probe())
```

```pycon
>>> 6 * 7
42
>>> int("seven")
Traceback (most recent call last):
    ...
ValueError: invalid literal for int() with base 10: 'seven'
```
"""


def make_project(root: Path, pages: dict[str, str]) -> Path:
    pages = {name: textwrap.dedent(text) for name, text in pages.items()}
    plugins = [{"docrun": {"notebooks": True}}]
    extensions = ["admonition", "pymdownx.superfences"]
    return mkdocs_build.make_project(
        root, pages, plugins=plugins, extensions=extensions, site_url=SITE_URL
    )


def outputs_text(nb: Any) -> list[str]:
    """Every code cell's text output (streams, values, errors), in order."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            got, error = page_notebooks.cell_output(cell)
            texts.append(got + (error or ""))
    return texts


def rerun(path: Path) -> Any:
    """What a reader does: open the downloaded file and run every cell in a fresh kernel
    (nbconvert in a process of its own, as from a terminal)."""
    out = path.with_name(path.stem + ".rerun.ipynb")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
             "--output", out.name, path.name],
            cwd=path.parent, capture_output=True, text=True, check=False, timeout=900,
        )  # fmt: skip
        assert done.returncode == 0, f"{path.name} does not run:\n{done.stderr}"
        nb = nbformat.read(out, as_version=4)
    finally:
        out.unlink(missing_ok=True)
    nbformat.validate(nb)
    return nb


def test_the_notebook_is_executed_at_every_build_linked_and_runs_again(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    shutil.copytree(ROOT / "mlmath", lib / "mlmath", ignore=shutil.ignore_patterns("__pycache__"))
    probe = lib / "mlmath" / "__init__.py"
    original = probe.read_text(encoding="utf-8")
    probe.write_text(original + "\n\ndef _probe() -> str:\n    return 'first ' + 'build'\n")
    project = make_project(tmp_path / "project", {"index.md": "# Home\n", "probe.md": PROBE_PAGE})

    first = build(project, pythonpath=lib)
    assert first.returncode == 0, first.stderr
    saved = project / "site" / "probe" / "probe.ipynb"
    nb = nbformat.read(saved, as_version=4)
    nbformat.validate(nb)
    assert outputs_text(nb)[0] == "first build\n"
    assert outputs_text(nb)[1:] == [
        "42\n",
        "ValueError: invalid literal for int() with base 10: 'seven'",
    ]
    assert all(cell.execution_count for cell in nb.cells if cell.cell_type == "code")
    assert f"[the other page]({SITE_URL})" in nb.cells[1].source
    page = (project / "site" / "probe" / "index.html").read_text(encoding="utf-8")
    title_end = page.index("</h1>") + len("</h1>")
    assert page[title_end:].startswith(
        '<p class="docrun-notebook-download"><a href="probe.ipynb" download>'
        "Download this page as a notebook</a></p>"
    )
    # A page without examples offers no notebook.
    assert "Download this page" not in (project / "site" / "index.html").read_text()

    probe.write_text(original + "\n\ndef _probe() -> str:\n    return 'second ' + 'build'\n")
    second = build(project, pythonpath=lib)
    assert second.returncode == 0, second.stderr
    assert outputs_text(nbformat.read(saved, as_version=4))[0] == "second build\n"


def test_a_cell_that_shows_another_output_than_the_page_fails_the_build(tmp_path: Path) -> None:
    # The page's checker runs the examples as the plain REPL does, where IPython's names do
    # not exist; the notebook's kernel has them. The page passes, its notebook cannot.
    page = "# Kernel\n\n```pycon\n>>> 1 + 1\n2\n>>> 'get_ipython' in globals()\nFalse\n```\n"
    result = build(make_project(tmp_path, {"index.md": page}))
    assert result.returncode != 0
    assert "docs/index.md:6: in the page's notebook this cell shows\n    True" in result.stderr
    assert not (tmp_path / "site" / "home.ipynb").exists()


def test_a_cell_that_fails_in_the_kernel_fails_the_build(tmp_path: Path) -> None:
    page = '# Kernel\n\n```python run\nimport sys\nassert "ipykernel" not in sys.modules\n```\n'
    result = build(make_project(tmp_path, {"index.md": page}))
    assert result.returncode != 0
    assert "docs/index.md:3: the page's notebook failed to run" in result.stderr
    assert "AssertionError" in result.stderr


def site_notebooks(site: Path) -> dict[str, Path]:
    return {str(p.relative_to(site)): p for p in sorted(site.rglob("*.ipynb"))}


def test_every_page_with_examples_offers_its_notebook(built_site: Path) -> None:
    notebooks = site_notebooks(built_site)
    for source in sorted((ROOT / "docs").glob("*.md")):
        text = source.read_text(encoding="utf-8")
        has_examples = "```pycon" in text or "```python run" in text
        folder = "" if source.stem == "index" else source.stem + "/"
        name = "home.ipynb" if source.stem == "index" else source.stem + ".ipynb"
        html = (built_site / folder / "index.html").read_text(encoding="utf-8")
        link = f'<a href="{name}" download>Download this page as a notebook</a>'
        assert (folder + name in notebooks) == has_examples, source.name
        assert (link in html) == has_examples, source.name
    for nb_path in notebooks.values():
        text = nb_path.read_text(encoding="utf-8")
        # Links go to the published site, never to a page's source file.
        assert ".md)" not in text
        assert ".md#" not in text


def test_every_downloaded_notebook_runs_and_gives_the_page_s_outputs(built_site: Path) -> None:
    pages = {
        name: path
        for name, path in site_notebooks(built_site).items()
        if not name.startswith("notebooks/")
    }
    assert len(pages) >= 6, pages
    with ThreadPoolExecutor(max_workers=2) as pool:
        reruns = dict(zip(pages, pool.map(rerun, pages.values()), strict=True))
    for name, path in pages.items():
        saved = nbformat.read(path, as_version=4)
        assert outputs_text(reruns[name]) == outputs_text(saved), name
        assert any(outputs_text(saved)), f"{name} has no output"
