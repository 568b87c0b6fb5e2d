"""Dollars, tables and headings: text that is not math stays text, math that is written
reaches the page, and math in a heading reads well wherever the heading is reused.

Checked in real MkDocs builds of small projects, and in the finder against arithmatex
(with docrun's Pandoc rule) over generated text.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import markdown
import pytest
from docrun.katex import (
    ambiguous_dollars,
    arithmatex_math,
    delimited_tex_to_text,
    find_math,
    lost_equations,
    readable_search_index,
    tex_to_text,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from mkdocs_build import ARITHMATEX, KATEX, build, make_project

ROOT = Path(__file__).resolve().parent.parent


def project(tmp_path: Path, pages: dict[str, str]) -> Path:
    extensions = ["tables", {"toc": {"permalink": True}}, ARITHMATEX]
    return make_project(
        tmp_path, pages, plugins=[KATEX], extensions=extensions, site_name="dollars"
    )


def markdown_with_docrun() -> markdown.Markdown:
    """Python-Markdown as the katex plugin configures it: arithmatex, then docrun's rule."""
    return markdown.Markdown(
        extensions=["tables", "pymdownx.arithmatex", "docrun.katex"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )


# --- 7. prices -------------------------------------------------------------------------

PRICES = (
    "# Prices\n\nA seat is $5/$10 per hour.\n\nA ticket costs $5-$10, and $20,000 and $30,000.\n"
)


@pytest.mark.parametrize(
    "text",
    ["A seat is $5/$10 per hour.", "$5-$10", "$20,000 and $30,000", "costs $5 and $6"],
)
def test_prices_are_not_math(text: str) -> None:
    md = markdown_with_docrun()
    assert find_math(text) == []
    assert arithmatex_math(md.convert(text)) == []
    assert ambiguous_dollars(text) == []


def test_arithmatex_alone_takes_prices_for_math() -> None:
    """Why docrun replaces arithmatex's inline rule: its smart dollars see math here."""
    plain = markdown.Markdown(
        extensions=["pymdownx.arithmatex"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )
    assert arithmatex_math(plain.convert("A seat is $5/$10 per hour.")) == [("5/", False)]


def test_prices_stay_text_in_a_real_build(tmp_path: Path) -> None:
    result = build(project(tmp_path, {"index.md": PRICES}))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<p>A seat is $5/$10 per hour.</p>" in page
    assert "costs $5-$10, and $20,000 and $30,000." in page
    assert 'class="katex"' not in page


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("An equation $x + y never closed.", "the $ of '$x + y never closed.' opens no equation"),
        ("A space before the close: $x $.", "the $ of '$x $.' opens no equation"),
        ("From $5 to 10$ per hour.", "$5 to 10$ is math by Pandoc's rule but reads as prices"),
    ],
)
def test_ambiguous_dollars_fail_the_build_at_file_line(
    tmp_path: Path, text: str, message: str
) -> None:
    result = build(project(tmp_path, {"index.md": f"# Home\n\nFine $x$.\n\n{text}\n"}))
    assert result.returncode != 0
    assert f"docs/index.md:5: {message}" in result.stderr


def test_math_that_starts_with_a_number_is_not_ambiguous() -> None:
    text = "Rates $1/L$ and $2/L$; $0 \\times \\ln 0$; $10^{-7}$; $3 \\text{ points}$."
    assert ambiguous_dollars(text) == []
    assert [m.tex for m in find_math(text)] == [
        "1/L",
        "2/L",
        "0 \\times \\ln 0",
        "10^{-7}",
        "3 \\text{ points}",
    ]


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="$ a1\\/-,\n", max_size=30))
def test_the_finder_and_the_renderer_agree_on_inline_math(text: str) -> None:
    """What find_math checks is what arithmatex (with docrun's rule) puts on the page."""
    assume("$$" not in text)  # display math is a block of its own, checked elsewhere
    assume(not re.search(r"(?m)^\s*-", text))  # a list item or a setext heading
    found = [" ".join(m.tex.split()) for m in find_math(text)]
    rendered = [
        " ".join(tex.split()) for tex, _ in arithmatex_math(markdown_with_docrun().convert(text))
    ]
    assert found == rendered


# --- 8. a pipe inside math in a table --------------------------------------------------

TABLE = """\
# Table

| name | value |
|---|---|
| score | $h = 3$ |
| absolute | $|h| = 3$ |
"""


def test_a_pipe_in_table_math_loses_the_equation_and_fails_the_build(tmp_path: Path) -> None:
    result = build(project(tmp_path, {"index.md": TABLE}))
    assert result.returncode != 0
    assert "docs/index.md:6: the equation '|h| = 3' is not on the rendered page" in result.stderr
    assert "\\lvert … \\rvert" in result.stderr


def test_the_suggested_fix_reaches_the_page(tmp_path: Path) -> None:
    fixed = TABLE.replace("$|h| = 3$", "$\\lvert h \\rvert = 3$")
    result = build(project(tmp_path, {"index.md": fixed}))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert page.count('<span class="katex">') == 2
    assert "<td>$</td>" not in page


def test_lost_equations_are_counted_not_just_named() -> None:
    found = find_math("$x$ and $x$ and $y$\n")
    assert lost_equations(found, [("x", False), ("y", False)]) == [
        (1, "the equation 'x' is not on the rendered page")
    ]
    assert lost_equations(found, [("x", False), ("x", False), ("y", False), ("z", True)]) == []


# --- 9. math in headings ---------------------------------------------------------------

HEADINGS = """\
# The slope $\\sigma'(h)$

Text.

## Where $h < 0$

More text with $x$.
"""


@pytest.fixture(scope="module")
def heading_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = project(
        tmp_path_factory.mktemp("headings"), {"index.md": "# Home\n", "slope.md": HEADINGS}
    )
    result = build(root)
    assert result.returncode == 0, result.stderr
    return root / "site"


def test_heading_math_is_rendered_in_the_table_of_contents(heading_site: Path) -> None:
    page = (heading_site / "slope" / "index.html").read_text(encoding="utf-8")
    toc = re.findall(r'<a href="#where-h-0" class="md-nav__link">(.*?)</a>', page, re.DOTALL)
    assert toc, "the heading is missing from the table of contents"
    for entry in toc:
        assert "\\(" not in entry
        assert '<annotation encoding="application/x-tex">h &lt; 0</annotation>' in entry
    assert "\\(" not in page  # no raw TeX anywhere on the page


def test_heading_math_is_readable_text_in_the_title_nav_and_search(heading_site: Path) -> None:
    page = (heading_site / "slope" / "index.html").read_text(encoding="utf-8")
    assert "<title>The slope σ'(h) - dollars</title>" in page
    home = (heading_site / "index.html").read_text(encoding="utf-8")
    assert "The slope σ'(h)" in home  # the navigation names the page
    assert "\\(" not in home
    index = json.loads((heading_site / "search" / "search_index.json").read_text("utf-8"))
    titles = {doc["location"]: doc["title"] for doc in index["docs"]}
    assert titles["slope/"] == "The slope σ'(h)"
    assert titles["slope/#where-h-0"] == "Where h &lt; 0"


# --- 10. readable text for the search index --------------------------------------------


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        ("\\hat{y} = \\sigma(h)", "ŷ = σ(h)"),
        ("\\frac{1}{1 + e^{-h}}", "1/(1 + e^-h)"),
        ("\\frac{\\partial E}{\\partial w_i}", "∂E/∂w_i"),
        ("\\eta \\le 1/L", "η ≤ 1/L"),
        ("\\max(h, 0) - h y", "max(h, 0) - h y"),
        ("y^\\mu \\ln \\hat{y}^\\mu", "y^μ ln ŷ^μ"),
        ("\\delta^\\mu_j", "δ^μ_j"),
    ],
)
def test_tex_reads_as_unicode_text(tex: str, text: str) -> None:
    assert tex_to_text(tex) == text


def test_the_search_index_holds_text_not_tex() -> None:
    index = {
        "config": {},
        "docs": [
            {
                "location": "a/",
                "title": "The slope \\(\\sigma'(h)\\)",
                "text": "<p>\\(h &lt; 0\\)</p>",
            },
            {"location": "b/#x", "title": "Heading¶", "text": "\\[ \\max(h, 0) \\]"},
        ],
    }
    docs = json.loads(readable_search_index(json.dumps(index)))["docs"]
    assert [d["title"] for d in docs] == ["The slope σ'(h)", "Heading"]
    assert [d["text"] for d in docs] == ["<p>h &lt; 0</p>", "max(h, 0)"]
    assert html.unescape(delimited_tex_to_text("\\(a &lt; b\\)")) == "a < b"


def test_notebook_math_in_the_search_index_reads_as_text() -> None:
    """mkdocs-jupyter leaves a notebook's $…$ in the indexed text; code keeps its dollars."""
    index = {
        "config": {},
        "docs": [
            {"location": "nb/", "title": "Cells", "text": "<p>Once $\\sigma(x)$ rounds</p>"},
            {"location": "nb/#code", "title": "Code", "text": "<pre>s = '$a$'</pre> $$E$$"},
            {"location": "page/", "title": "Prices", "text": "<p>$5 and $6</p>"},
        ],
    }
    docs = json.loads(readable_search_index(json.dumps(index), ["nb/"]))["docs"]
    assert [d["text"] for d in docs] == [
        "<p>Once σ(x) rounds</p>",
        "<pre>s = '$a$'</pre> E",
        "<p>$5 and $6</p>",
    ]
