"""The plugins end to end: small MkDocs projects built by ``mkdocs build`` in a subprocess,
and the pytest plugin run by pytest in a subprocess.

Few and fast: each build is a page or two. Tests of the real site's build live with it.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import sys
import textwrap
from pathlib import Path

import mkdocs_build
from docrun.page import check_page
from mkdocs_build import build

ROOT = Path(__file__).resolve().parent.parent

MKDOCS_YML = """\
site_name: docrun test
plugins:
  - search
  - docrun
markdown_extensions:
  - admonition
  - tables
  - pymdownx.superfences
  - pymdownx.details
  - pymdownx.tabbed:
      alternate_style: true
"""


def make_project(root: Path, pages: dict[str, str]) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS_YML)
    for name, text in pages.items():
        (root / "docs" / name).write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def line_of(text: str, needle: str) -> int:
    """The file line of ``needle`` in a page, found independently of docrun's parser."""
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    return next(k for k, line in enumerate(lines, 1) if needle in line)


BROKEN = """
---
title: Broken
---

# Broken

```pycon
>>> 2 / 3
0.667
>>> 2 / 7
0.28
```

!!! warning "Unchecked"

    ```text
    nobody runs this
    ```

::: docrun_demo
"""

DEMO_MODULE = '''\
"""A demo package for the build test."""

__all__ = ["half"]


def half(x):
    """Half of x.

    >>> half(3)
    1.4
    """
    return x / 2
'''


def test_every_failure_is_reported_with_file_line_and_the_build_fails_without_strict(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path / "project", {"index.md": BROKEN})
    (project / "docrun_demo").mkdir()
    (project / "docrun_demo" / "__init__.py").write_text(DEMO_MODULE)
    result = build(project, strict=False, pythonpath=project)
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    # The wrong number, with its source, what was written and what came.
    assert f"docs/index.md:{line_of(BROKEN, '>>> 2 / 7')}: example failed" in log
    assert "Expected:\n    0.28\nGot:\n    0.2857142857142857" in log
    # The block nobody runs, at its fence, inside its admonition.
    assert f"docs/index.md:{line_of(BROKEN, '```text')}: a ```text block is neither run" in log
    # The docstring example, at its line in the Python file.
    docstring_line = next(k for k, s in enumerate(DEMO_MODULE.splitlines(), 1) if ">>>" in s)
    assert f"docrun_demo/__init__.py:{docstring_line}: example failed" in log
    assert "Expected:\n    1.4\nGot:\n    1.5" in log
    # The example that is right is not reported.
    assert f"docs/index.md:{line_of(BROKEN, '>>> 2 / 3')}" not in log
    assert "3 failing examples or blocks on docs/index.md" in log


PAGE_A = """
# A

```pycon
>>> from mlmath import sigmoid
>>> sigmoid(2.5)
0.924
```
"""

PAGE_B = """
# B

??? note "The midpoint"

    ```pycon
    >>> from mlmath import sigmoid
    >>> sigmoid(0)
    0.500
    ```
"""


def test_a_changed_library_function_fails_every_page_that_shows_it(tmp_path: Path) -> None:
    # The pages are right about σ, computed here from its definition.
    assert round(1 / (1 + math.exp(-2.5)), 3) == 0.924
    pages = {"a.md": PAGE_A, "b.md": PAGE_B}
    for name, text in pages.items():
        assert check_page(textwrap.dedent(text).lstrip("\n"), name).failures == []
    # A copy of the library whose public sigmoid is off by 1e-3, first on the path.
    library = tmp_path / "library"
    shutil.copytree(ROOT / "mlmath", library / "mlmath")
    with (library / "mlmath" / "__init__.py").open("a") as init:
        init.write(
            "\n_true_sigmoid = sigmoid\n\ndef sigmoid(x):\n    return _true_sigmoid(x) + 1e-3\n"
        )
    project = make_project(tmp_path / "project", pages)
    result = build(project, strict=True, pythonpath=library)
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    assert f"docs/a.md:{line_of(PAGE_A, '>>> sigmoid(2.5)')}: example failed" in log
    assert f"docs/b.md:{line_of(PAGE_B, '>>> sigmoid(0)')}: example failed" in log
    assert "Got:\n    0.501" in log


GOOD = """
---
title: Good
---

# Good

=== "Session"

    ```pycon
    >>> total = sum(range(5))
    >>> total / 3
    3.33
    ```

```python run
import matplotlib.pyplot as plt
print("| n | n² |")
print("|---|----|")
for n in range(1, 3):
    print(f"| {n} | {n * n} |")
fig, ax = plt.subplots(figsize=(3, 2))
ax.plot([0, 1, 2], [0.7, 0.4, 0.3])
ax.set_title("Error per epoch")
```
"""


def test_a_passing_strict_build_shows_actual_outputs_tables_and_figures(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", {"index.md": GOOD})
    result = build(project, strict=True)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (project / "site" / "index.html").read_text()
    # The written 3.33 is checked, the page shows the actual value.
    assert "3.3333333333333335" in html
    assert "<td>4</td>" in html  # printed Markdown became a table
    figure = re.search(
        r'<figure class="docrun-figure"><svg role="img" aria-labelledby="([^"]+)".*?</svg>\s*'
        r'<figcaption id="([^"]+)">Error per epoch</figcaption></figure>',
        html,
        flags=re.DOTALL,
    )
    assert figure is not None
    assert figure.group(1) == figure.group(2)  # the caption names the figure
    assert "docrun-figure " not in html  # no placeholder left behind
    search = (project / "site" / "search" / "search_index.json").read_text()
    assert "<svg" not in search
    assert "stroke-linejoin" not in search  # the SVG's own style is not prose


def test_pytest_collects_the_same_examples_through_the_same_checker(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", {"index.md": BROKEN, "prose.md": "# Prose\n"})
    (project / "docrun_demo").mkdir()
    (project / "docrun_demo" / "__init__.py").write_text(DEMO_MODULE)
    (project / "conftest.py").write_text('pytest_plugins = ["docrun.pytest_plugin"]\n')
    env = dict(os.environ, PYTHONPATH=str(project))
    result = mkdocs_build.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "docs", "docrun_demo"],
        project,
        env,
    )
    log = result.stdout + result.stderr
    assert "2 failed" in log, log  # the page, the docstring; the prose page has no item
    assert f"docs/index.md:{line_of(BROKEN, '>>> 2 / 7')}: example failed" in log
    assert "Expected:\n    1.4\nGot:\n    1.5" in log


def test_real_pages_ran_their_examples_in_the_site_build(built_site: Path) -> None:
    """Every session example of every real page appears in its built HTML with a prompt,
    and every page with sessions has some: nothing was skipped."""
    pages = sorted((ROOT / "docs").rglob("*.md"))
    with_sessions = [page for page in pages if "```pycon" in page.read_text()]
    assert with_sessions, "the site has pages with pycon examples"
    for page in with_sessions:
        source = page.read_text()
        written = len(re.findall(r"^[ \t]*>>> ", source, flags=re.MULTILINE))
        relative = page.relative_to(ROOT / "docs").with_suffix("")
        built = built_site / ("" if relative.name == "index" else relative) / "index.html"
        prompts = built.read_text().count('<span class="gp">&gt;&gt;&gt; </span>')
        assert written > 0, page
        assert prompts == written, page
