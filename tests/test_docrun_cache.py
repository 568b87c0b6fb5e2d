"""docrun's build cache (docrun.cache) in real ``mkdocs build`` runs of a small project.

The project holds a copy of mlmath (shadowing the installed one through PYTHONPATH; the
real tree is never edited) and three pages: one that imports mlmath, one whose code
imports nothing of the project, one without code. Each test edits one input and reads
the build's "docrun cache:" line, which names the pages served from the cache.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import mkdocs_build
import pytest
from mkdocs_build import build

ROOT = Path(__file__).resolve().parent.parent

CONFIG = f"""\
site_name: cache test
site_url: http://127.0.0.1:8000/
plugins:
  - docrun:
      symbols: symbols.yml
  - katex:
      node_modules: {ROOT / "node_modules"}
markdown_extensions:
  - pymdownx.superfences
  - pymdownx.arithmatex:
      generic: true
"""

USES = """\
# Uses mlmath

The sigmoid $\\sigma(h)$ at zero:

```pycon
>>> from mlmath import sigmoid
>>> sigmoid(0.0)
0.5
```
"""

OTHER = """\
# Other

```pycon
>>> import math
>>> math.comb(5, 2)
10
```
"""

PROSE = """\
# Prose

No code here, only $h = Wx + b$.
"""

DATA = """\
# Data

```pycon
>>> from pathlib import Path
>>> Path("data.txt").read_text(encoding="utf-8").strip()
'forty-two'
```
"""

ALL = {"docs/uses.md", "docs/other.md", "docs/prose.md", "docs/data.md"}

# The line of the session's written output on the page that uses mlmath.
OUTPUT_LINE = USES.splitlines().index("0.5") + 1
SIGMOID = "mlmath/activation.py"
# The first line of the body of sigmoid's scalar branch; edits go just before it.
MARK = "    if x != x:"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "mlmath", tmp_path / "mlmath", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy2(ROOT / "docs" / "symbols.yml", tmp_path / "symbols.yml")
    (tmp_path / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    pages = {"uses.md": USES, "other.md": OTHER, "prose.md": PROSE, "data.md": DATA}
    for name, text in pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    # Read by the data page's code, from the folder the build runs in.
    (tmp_path / "data.txt").write_text("forty-two\n", encoding="utf-8")
    return tmp_path


def cached_build(project: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """A build with the cache on, and the pages its log says came from the cache."""
    result = build(project, pythonpath=project, cache=True)
    log = result.stdout + result.stderr
    line = re.search(
        r"docrun: cache: (\d+) of (\d+) pages served from the cache(?:: ([^;\n]*))?", log
    )
    assert line is not None, log
    served = set(line.group(3).split(", ")) if line.group(3) else set()
    assert int(line.group(1)) == len(served)
    return result, served


def edit_sigmoid(project: Path, line: str) -> None:
    path = project / SIGMOID
    text = path.read_text(encoding="utf-8")
    assert MARK in text
    path.write_text(text.replace(MARK, line + "\n" + MARK, 1), encoding="utf-8")


def test_an_mlmath_edit_reruns_exactly_the_pages_importing_it(project: Path) -> None:
    first, served = cached_build(project)
    assert first.returncode == 0, first.stderr
    assert served == set()
    again, served = cached_build(project)
    assert again.returncode == 0, again.stderr
    assert served == ALL

    # A change that does not alter any output still re-runs the page importing mlmath.
    edit_sigmoid(project, "    # a comment is a change of the source too")
    commented, served = cached_build(project)
    assert commented.returncode == 0, commented.stderr
    assert served == ALL - {"docs/uses.md"}

    # A wrong sigmoid: the page importing it runs the new code and fails at its line.
    edit_sigmoid(project, "    return 0.25")
    wrong, served = cached_build(project)
    assert wrong.returncode != 0
    assert served == ALL - {"docs/uses.md"}
    log = wrong.stdout + wrong.stderr
    assert f"docs/uses.md:{OUTPUT_LINE - 1}: example failed" in log
    assert re.search(r"Expected:\s+0\.5\s+Got:\s+0\.25", log), log


def test_an_unrelated_page_is_served_from_the_cache(project: Path) -> None:
    assert cached_build(project)[0].returncode == 0
    site = project / "site"
    ran = {name: (site / name / "index.html").read_bytes() for name in ("other", "prose")}
    page = project / "docs" / "uses.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more sentence.\n", "utf-8")
    result, served = cached_build(project)
    assert result.returncode == 0, result.stderr
    assert served == ALL - {"docs/uses.md"}
    assert "One more sentence." in (site / "uses" / "index.html").read_text("utf-8")
    # What the cache served is what the run gave, byte for byte: the checked output,
    # the rendered math.
    for name, html in ran.items():
        assert (site / name / "index.html").read_bytes() == html
    assert b'<span class="go">10</span>' in ran["other"]
    assert b'class="katex"' in ran["prose"]


def test_a_file_the_page_reads_is_an_input_of_that_page(project: Path) -> None:
    assert cached_build(project)[0].returncode == 0
    (project / "data.txt").write_text("forty-three\n", encoding="utf-8")
    result, served = cached_build(project)
    assert result.returncode != 0
    assert served == ALL - {"docs/data.md"}
    log = result.stdout + result.stderr
    assert "docs/data.md:5: example failed" in log
    assert "'forty-three'" in log


def reused_notebooks(result: subprocess.CompletedProcess[str]) -> set[str]:
    found = re.search(r"notebook outputs reused \(code unchanged\): (.*)", result.stderr)
    return set(found.group(1).split(", ")) if found else set()


def test_a_prose_edit_reuses_the_notebook_outputs_a_code_edit_runs_it(project: Path) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("symbols: symbols.yml", "symbols: symbols.yml\n      notebooks: true")
    )
    # A notebook runs in a folder of its own, where the data page's file is not.
    (project / "docs" / "data.md").unlink()
    pages = ALL - {"docs/data.md"}
    first, _ = cached_build(project)
    assert first.returncode == 0, first.stderr
    assert reused_notebooks(first) == set()
    page = project / "docs" / "uses.md"
    notebook = project / "site" / "uses" / "uses.ipynb"

    page.write_text(page.read_text(encoding="utf-8").replace("at zero", "at nought"), "utf-8")
    prose, served = cached_build(project)
    assert prose.returncode == 0, prose.stderr
    assert served == pages - {"docs/uses.md"}
    assert reused_notebooks(prose) == {"docs/uses.md"}
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    assert any("at nought" in "".join(cell["source"]) for cell in cells)
    outputs = [output for cell in cells for output in cell.get("outputs", [])]
    shown = ["".join(o.get("data", {}).get("text/plain", "")) for o in outputs]
    assert "0.5" in shown

    page.write_text(
        page.read_text(encoding="utf-8").replace(">>> sigmoid(0.0)\n0.5", ">>> sigmoid(0)\n0.5"),
        "utf-8",
    )
    code, served = cached_build(project)
    assert code.returncode == 0, code.stderr
    assert served == pages - {"docs/uses.md"}
    assert reused_notebooks(code) == set()
    assert "sigmoid(0)" in notebook.read_text(encoding="utf-8")


def test_the_symbol_table_is_an_input_of_every_page(project: Path) -> None:
    assert cached_build(project)[0].returncode == 0
    table = project / "symbols.yml"
    table.write_text(table.read_text(encoding="utf-8") + "\n# edited\n", "utf-8")
    result, served = cached_build(project)
    assert result.returncode == 0, result.stderr
    assert served == set()


def test_a_damaged_entry_is_ignored_and_rebuilt(project: Path) -> None:
    assert cached_build(project)[0].returncode == 0
    entries = sorted((project / ".cache" / "docrun" / "pages").glob("*.json"))
    assert len(entries) == len(ALL)
    entries[0].write_text('{"files": {', encoding="utf-8")  # cut short
    entries[1].write_bytes(b"\x00\xff garbage")
    entries[2].write_text('{"files": {}, "modules": {}, "payload": 1}', encoding="utf-8")
    # Sound JSON, its files unchanged, but a result that does not read as one.
    entry = json.loads(entries[3].read_text(encoding="utf-8"))
    entry["payload"]["page"]["markdown"] = 5
    entries[3].write_text(json.dumps(entry), encoding="utf-8")
    for answers in (project / ".cache" / "docrun").glob("katex-*.json"):
        answers.write_text("[[1, 2]]", encoding="utf-8")
    result, served = cached_build(project)
    assert result.returncode == 0, result.stderr
    assert served == set()
    assert 'class="katex"' in (project / "site" / "prose" / "index.html").read_text("utf-8")
    assert cached_build(project)[1] == ALL


def test_ci_builds_cold(project: Path) -> None:
    assert cached_build(project)[0].returncode == 0
    env = {**os.environ, "CI": "true", "NO_MKDOCS_2_WARNING": "1"}
    env.pop("DOCRUN_CACHE")
    env["PYTHONPATH"] = str(project)
    result = mkdocs_build.run([sys.executable, "-m", "mkdocs", "build"], project, env)
    assert result.returncode == 0, result.stderr
    assert "docrun: cache off (CI is set: CI always builds cold); every page ran" in result.stderr


SERVE = """\
import logging
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

logging.basicConfig(level=logging.INFO, format="%(message)s")

# Rebuilds in one process, as `mkdocs serve` does: the configuration is read anew each
# time, modules imported by the previous build are still in sys.modules.
build(load_config("mkdocs.yml"))
logging.info("after a page edit:")
page = Path("docs/other.md")
page.write_text(page.read_text(encoding="utf-8") + "\\nOne more sentence.\\n", "utf-8")
build(load_config("mkdocs.yml"))
logging.info("after an mlmath edit:")
path = Path({sigmoid!r})
text = path.read_text(encoding="utf-8")
path.write_text(text.replace({mark!r}, "    return 0.25\\n" + {mark!r}, 1), encoding="utf-8")
try:
    build(load_config("mkdocs.yml"))
except Abort as error:
    logging.info("second build failed: %s", error)
"""


def test_in_process_rebuilds_rerun_only_an_edited_page_and_run_edited_mlmath(project: Path) -> None:
    # Without `reload` docrun re-imports nothing by name: only the cache's dropping of the
    # project's modules before each page can make the edit show.
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("symbols: symbols.yml", "symbols: symbols.yml\n      reload: []")
    )
    script = project / "serve.py"
    script.write_text(SERVE.format(sigmoid=SIGMOID, mark=MARK), encoding="utf-8")
    env = {**os.environ, "DOCRUN_CACHE": "on", "NO_MKDOCS_2_WARNING": "1"}
    env.pop("CI", None)
    env["PYTHONPATH"] = str(project)
    result = mkdocs_build.run([sys.executable, str(script)], project, env)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    first, page_edit, library_edit = re.split(r"after an? (?:page|mlmath) edit:", log)
    assert "0 of 4 pages served from the cache" in first
    assert "3 of 4 pages served from the cache: docs/data.md, docs/prose.md, docs/uses.md" in (
        page_edit
    )
    assert "One more sentence." in (project / "site" / "other" / "index.html").read_text("utf-8")
    assert "second build failed" in library_edit
    assert f"docs/uses.md:{OUTPUT_LINE - 1}: example failed" in library_edit
    assert "3 of 4 pages served from the cache: docs/data.md, docs/other.md, docs/prose.md" in (
        library_edit
    )


def test_cache_entries_live_under_dot_cache_which_git_ignores() -> None:
    entry = ".cache/docrun/pages/0123.json"
    ignored = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "--no-index", "-q", entry], check=False
    )
    assert ignored.returncode == 0


def test_the_fonts_of_an_equation_are_kept_and_follow_the_stylesheet(tmp_path: Path) -> None:
    # Which KaTeX fonts an equation draws in is found by cascading KaTeX's stylesheet
    # over its HTML, on every build for every page; the answers are kept per equation
    # in a file named by the stylesheet (and the module), so another stylesheet never
    # reads an answer found under the old one.
    from docrun.katex import KatexRenderer, find_node
    from docrun.katex_fonts import KatexFonts

    katex = ROOT / "node_modules" / "katex"
    css = (katex / "dist" / "katex.min.css").read_text(encoding="utf-8")
    renderer = KatexRenderer(find_node(), katex)
    try:
        (rendered,) = renderer.render([(r"\sigma(h) = \frac{1}{1 + e^{-h}}", True)])
    finally:
        renderer.close()
    assert rendered.html is not None
    page = f"<p>{rendered.html}</p>"

    first = KatexFonts(css, tmp_path)
    files = first.files_used(page)
    assert "KaTeX_Math-Italic.woff2" in files  # σ and h are italic letters
    assert not list(tmp_path.iterdir())  # nothing written before save
    first.save()
    (store,) = tmp_path.iterdir()
    assert len(json.loads(store.read_text())) == 1
    assert KatexFonts(css, tmp_path).files_used(page) == files

    # Letters in Main instead of Math: a new store, and the new answer.
    upright = css + ".katex .mathnormal{font-family:KaTeX_Main;font-style:normal}"
    changed = KatexFonts(upright, tmp_path)
    assert "KaTeX_Math-Italic.woff2" not in changed.files_used(page)
    changed.save()
    assert len(list(tmp_path.iterdir())) == 2

    store.write_text("{not json", encoding="utf-8")  # damaged: found afresh
    assert KatexFonts(css, tmp_path).files_used(page) == files


def test_finished_pages_are_kept_under_the_code_that_finished_them(tmp_path: Path) -> None:
    # The last step of every page (wrapping tables, marking far blocks) is a pure function
    # of the page's HTML; its answers are kept in a file named by that code's version.
    from docrun.katex import finish_page

    from docrun import cache, far, tables

    calls: list[str] = []

    def finish(text: str) -> str:
        calls.append(text)
        return finish_page(text)

    page = "<article class='md-content__inner'>" + "<p>words</p>" * 400 + "</article>"
    other = page.replace("words", "other words")
    version = cache.code_version(far, tables)
    first = cache.TextStore(tmp_path, "finished", version)
    finished = first.get(page, finish)
    assert far.ATTRIBUTE in finished  # the far paragraphs are marked
    assert first.get(other, finish) == finish_page(other)
    first.save()
    assert len(calls) == 2

    # The next build reads both answers; its save keeps only what it asked for.
    second = cache.TextStore(tmp_path, "finished", version)
    assert second.get(page, finish) == finished
    assert len(calls) == 2
    second.save()
    (store,) = tmp_path.iterdir()
    assert len(json.loads(store.read_text(encoding="utf-8"))) == 1

    # Other code (here, far's alone) reads another file: the answer is computed again.
    assert cache.TextStore(tmp_path, "finished", cache.code_version(far)).get(page, finish)
    assert len(calls) == 3
    # A damaged file is no answer, and no store at all (the cache off) computes each time.
    store.write_text("{not json", encoding="utf-8")
    assert cache.TextStore(tmp_path, "finished", version).get(page, finish) == finished
    assert cache.TextStore(None, "finished", version).get(page, finish) == finished
    assert len(calls) == 5
