"""The katex plugin inside real MkDocs builds of small temporary projects."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import mkdocs_build
import pytest
from mkdocs_build import ARITHMATEX, KATEX, build

ROOT = Path(__file__).resolve().parent.parent

PLUGINS = [
    KATEX,
    {
        "mkdocstrings": {
            "handlers": {"python": {"paths": ["lib"], "options": {"docstring_style": "numpy"}}}
        }
    },
]
EXTENSIONS = ["admonition", "pymdownx.superfences", ARITHMATEX]

GOOD_PAGE = """\
---
title: Good
---
# Good

The score $h = Wx + b$ and the prediction

$$
\\hat{y} = \\sigma(h) = \\frac{1}{1 + e^{-h}}
$$

!!! note
    Inside a note: $\\sigma'(h) = \\sigma(h)\\,(1 - \\sigma(h))$.
"""

MODULE = '''\
r"""A module with math in its docstrings."""


def sigma(h: float) -> float:
    r"""The logistic function.

    Notes
    -----
    $$
    \\sigma(h) = \\frac{1}{1 + e^{-h}}
    $$
    """
    return h
'''


def make_project(tmp_path: Path, pages: dict[str, str], module: str | None = None) -> Path:
    mkdocs_build.make_project(
        tmp_path, pages, plugins=PLUGINS, extensions=EXTENSIONS, site_name="math test"
    )
    (tmp_path / "lib").mkdir()
    if module is not None:
        (tmp_path / "lib" / "tinymod.py").write_text(module, encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def good_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(
        tmp_path_factory.mktemp("good"),
        {"index.md": GOOD_PAGE, "api.md": "# API\n\n::: tinymod\n"},
        MODULE,
    )
    result = build(project)
    assert result.returncode == 0, result.stderr
    return project / "site"


def test_page_math_is_katex_html_with_mathml(good_site: Path) -> None:
    page = (good_site / "index.html").read_text(encoding="utf-8")
    assert 'class="arithmatex">\\(' not in page
    assert 'class="arithmatex">\\[' not in page
    assert page.count('<span class="katex">') == 3
    assert page.count('<math xmlns="http://www.w3.org/1998/Math/MathML"') == 3
    assert page.count('<span class="katex-display">') == 1
    # Finished HTML at first paint: no KaTeX (or any math) script on the page.
    assert not re.search(r"<script[^>]*(katex|mathjax)", page, re.IGNORECASE)
    assert "renderMathInElement" not in page


def test_docstring_math_goes_through_the_same_renderer(good_site: Path) -> None:
    page = (good_site / "api" / "index.html").read_text(encoding="utf-8")
    assert '<span class="katex-display">' in page
    assert '<annotation encoding="application/x-tex">\\sigma(h) = \\frac{1}{1 + e^{-h}}' in page


def test_stylesheet_and_fonts_come_with_the_site(good_site: Path) -> None:
    page = (good_site / "index.html").read_text(encoding="utf-8")
    assert '<link rel="stylesheet" href="assets/katex/katex.min.css">' in page
    css = (good_site / "assets" / "katex" / "katex.min.css").read_text(encoding="utf-8")
    fonts = set(re.findall(r"url\((fonts/[^)]+)\)", css))
    assert fonts, "katex.min.css names no fonts"
    assert all((good_site / "assets" / "katex" / font).is_file() for font in fonts)


def test_search_index_holds_the_math_as_text_not_the_rendering(good_site: Path) -> None:
    index = json.loads((good_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(doc["text"] for doc in index["docs"])
    assert "ŷ = σ(h) = 1/(1 + e^-h)" in text  # readable in a search result
    assert "\\(" not in text
    assert "\\[" not in text
    assert "h = Wx + b" in text
    assert "katex" not in text
    assert "MathML" not in text


def test_invalid_tex_fails_the_build_with_file_line_and_katex_message(tmp_path: Path) -> None:
    bad = "# Bad\n\nFine $x$ here.\n\n$$\n\\frac{1}{\n$$\n\nAlso $\\sigmoid(h)$.\n"
    project = make_project(tmp_path, {"index.md": GOOD_PAGE, "sub/bad.md": bad})
    result = build(project)
    assert result.returncode != 0
    assert "docs/sub/bad.md:5: invalid TeX '\\\\frac{1}{'" in result.stderr
    assert "docs/sub/bad.md:9: invalid TeX '\\\\sigmoid(h)'" in result.stderr
    assert "KaTeX parse error" in result.stderr


def test_invalid_docstring_tex_fails_the_build_naming_the_module_line(tmp_path: Path) -> None:
    module = MODULE.replace("{1 + e^{-h}}", "{1 + e^{-h}")
    project = make_project(tmp_path, {"index.md": "# API\n\n::: tinymod\n"}, module)
    result = build(project)
    assert result.returncode != 0
    # Line 10 of the module holds the broken equation.
    assert "lib/tinymod.py:10: invalid TeX" in result.stderr
    assert "KaTeX parse error" in result.stderr


def test_display_math_inside_a_paragraph_fails_the_build(tmp_path: Path) -> None:
    page = textwrap.dedent("""\
        # Stray

        Some text
        $$x^2$$
        """)
    result = build(make_project(tmp_path, {"index.md": page}))
    assert result.returncode != 0
    assert "docs/index.md:4: $$x^2$$ sits inside a paragraph" in result.stderr
