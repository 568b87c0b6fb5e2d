"""Notebook pages: executed at every build, never from a cache, errors and bad TeX fail it.

The temporary projects use the mkdocs-jupyter options of the real mkdocs.yml, so these
tests check the site's own configuration, not a copy of it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import yaml
from mkdocs_build import build

ROOT = Path(__file__).resolve().parent.parent


def site_jupyter_options() -> dict[str, Any]:
    """The mkdocs-jupyter options written in the real mkdocs.yml."""

    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml uses !ENV; its value does not matter here.
    Loader.add_constructor("!ENV", lambda loader, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "mkdocs-jupyter" in plugin:
            return dict(plugin["mkdocs-jupyter"])
    raise AssertionError("mkdocs.yml has no mkdocs-jupyter plugin")


def notebook(*cells: tuple[str, str]) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": kind, "metadata": {}, "source": source}
                | ({"outputs": [], "execution_count": None} if kind == "code" else {})
                for kind, source in cells
            ],
            "metadata": {
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
            },
            "nbformat": 4,
            "nbformat_minor": 4,
        }
    )


def make_project(tmp_path: Path, nb: str, jupyter: dict[str, Any] | None = None) -> Path:
    options = site_jupyter_options() if jupyter is None else jupyter
    config = {
        "site_name": "notebook test",
        "site_url": "http://127.0.0.1:8000/",
        "theme": {"name": "material", "font": False},
        "plugins": [
            "search",
            {"katex": {"node_modules": str(ROOT / "node_modules")}},
            {"mkdocs-jupyter": options},
        ],
        "markdown_extensions": [{"pymdownx.arithmatex": {"generic": True}}],
    }
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (tmp_path / "docs" / "notebooks").mkdir(parents=True)
    (tmp_path / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (tmp_path / "docs" / "notebooks" / "nb.ipynb").write_text(nb, encoding="utf-8")
    return tmp_path


def page_of(project: Path) -> str:
    return (project / "site" / "notebooks" / "nb" / "index.html").read_text(encoding="utf-8")


def test_site_config_executes_notebooks_and_fails_on_errors() -> None:
    options = site_jupyter_options()
    assert options.get("execute") is True
    assert options.get("allow_errors") is False
    assert options.get("include_source") is True


def test_a_library_edit_shows_up_on_rebuild_never_from_a_cache(tmp_path: Path) -> None:
    # A temp copy of mlmath, first on the kernel's path, with one function we edit.
    lib = tmp_path / "lib"
    shutil.copytree(ROOT / "mlmath", lib / "mlmath", ignore=shutil.ignore_patterns("__pycache__"))
    probe = lib / "mlmath" / "__init__.py"
    original = probe.read_text(encoding="utf-8")
    probe.write_text(original + "\n\ndef _probe() -> str:\n    return 'first ' + 'build'\n")
    nb = notebook(
        ("markdown", "# Probe\n\nThe score $h = Wx + b$ and\n\n$$\n\\hat{y} = \\sigma(h)\n$$\n"),
        ("code", "import mlmath\nprint(mlmath.__file__)\nprint(mlmath._probe())"),
    )
    project = make_project(tmp_path / "project", nb)

    first = build(project, pythonpath=lib)
    assert first.returncode == 0, first.stderr
    page = page_of(project)
    assert str(probe) in page  # the kernel ran the temp copy, not the installed mlmath
    assert "first build" in page

    probe.write_text(original + "\n\ndef _probe() -> str:\n    return 'second ' + 'build'\n")
    second = build(project, pythonpath=lib)
    assert second.returncode == 0, second.stderr
    page = page_of(project)
    assert "second build" in page
    assert "first build" not in page

    # The same build renders the notebook's math with KaTeX, leaves no raw TeX or MathJax,
    # and offers the notebook for download.
    assert page.count('<span class="katex">') == 2
    assert page.count('<span class="katex-display">') == 1
    assert "$$" not in page
    assert "$h = Wx + b$" not in page
    for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.DOTALL):
        assert not re.search(r"mathjax|mermaid", attrs + body, re.IGNORECASE), attrs
        assert re.fullmatch(r'(\s+(id|type)="[^"]*")*|\s+src="\.\./\.\./assets/[^"]+"', attrs)
    assert '<a href="nb.ipynb" download>' in page
    assert (project / "site" / "notebooks" / "nb" / "nb.ipynb").read_text(encoding="utf-8") == nb


def test_mkdocs_jupyter_cache_is_refused(tmp_path: Path) -> None:
    options = site_jupyter_options() | {"cache": True}
    result = build(make_project(tmp_path, notebook(("code", "1")), options))
    assert result.returncode != 0
    assert "set `cache: false` under mkdocs-jupyter" in result.stderr


def test_an_error_in_a_cell_fails_the_build(tmp_path: Path) -> None:
    nb = notebook(("markdown", "# Broken"), ("code", "raise ValueError('cell went wrong')"))
    result = build(make_project(tmp_path, nb))
    assert result.returncode != 0
    # The traceback comes with terminal colours; read it without them.
    message = re.sub(r"\x1b\[[0-9;]*m", "", result.stderr)
    assert "nb.ipynb" in message
    assert "ValueError: cell went wrong" in message
    assert not (tmp_path / "site" / "notebooks" / "nb" / "index.html").exists()


def test_invalid_tex_in_a_notebook_names_the_notebook_and_cell(tmp_path: Path) -> None:
    nb = notebook(
        ("markdown", "# Fine $x$"),
        ("code", "1 + 1"),
        ("markdown", "Intro\n\n$$\n\\frac{1}{\n$$\n"),
    )
    result = build(make_project(tmp_path, nb))
    assert result.returncode != 0
    assert "docs/notebooks/nb.ipynb: cell 3, line 3: invalid TeX '\\\\frac{1}{'" in result.stderr
    assert "KaTeX parse error" in result.stderr
