"""Math extraction with line numbers, the KaTeX renderer, and placeholder replacement."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import markdown
import pytest
from docrun.katex import (
    KatexRenderer,
    Math,
    arithmatex_math,
    find_math,
    find_node,
    notebook_math,
    replace_arithmatex,
    stray_dollars,
)

from docrun import notebook

ROOT = Path(__file__).resolve().parent.parent
KATEX_DIR = ROOT / "node_modules" / "katex"


@pytest.fixture(scope="module")
def renderer() -> Iterator[KatexRenderer]:
    if not (KATEX_DIR / "package.json").is_file():
        pytest.fail("node_modules/katex is missing: run `make setup`", pytrace=False)
    katex = KatexRenderer(find_node(), KATEX_DIR)
    yield katex
    katex.close()


# --- finding math in Markdown ----------------------------------------------------------

PAGE = """\
---
title: A page
note: $not math$ in front matter
---
# Prediction

The score $h = Wx + b$ goes through $\\sigma$.

$$
\\hat{y} = \\sigma(Wx + b)
$$

It costs $5 and $6, and `$code$` is code; an escaped \\$ stays a dollar.

```python
x = "$not math$"
```

!!! note
    Indented $x_1$ and

    $$
    \\frac{\\partial E}{\\partial w_1}
    $$

~~~~text
$$ \\notmath $$
~~~~
<!-- $hidden$ -->
Two $a$ and $b$ on one line.
"""


def test_find_math_reports_each_equation_with_its_source_line() -> None:
    found = find_math(PAGE)
    assert found == [
        Math(tex="h = Wx + b", display=False, line=7),
        Math(tex="\\sigma", display=False, line=7),
        Math(tex="\\hat{y} = \\sigma(Wx + b)", display=True, line=9),
        Math(tex="x_1", display=False, line=20),
        Math(tex="\\frac{\\partial E}{\\partial w_1}", display=True, line=22),
        Math(tex="a", display=False, line=30),
        Math(tex="b", display=False, line=30),
    ]


def test_find_math_line_numbers_point_at_the_dollar_in_the_file() -> None:
    lines = PAGE.split("\n")
    for math in find_math(PAGE):
        opener = "$$" if math.display else "$" + math.tex[:3]
        assert opener in lines[math.line - 1], (math, lines[math.line - 1])


def test_find_math_agrees_with_arithmatex_on_what_is_math() -> None:
    # Every equation found is one arithmatex turns into a placeholder, and no other.
    body = PAGE.split("---\n", 2)[2]
    md = markdown.Markdown(
        extensions=["pymdownx.arithmatex", "pymdownx.superfences", "admonition"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )
    placeholders = arithmatex_math(md.convert(body))
    found = [(m.tex, m.display) for m in find_math(PAGE)]
    assert found == placeholders


def test_find_math_without_front_matter_counts_from_the_first_line() -> None:
    assert find_math("$a$\n\n$$\nb\n$$\n") == [
        Math("a", display=False, line=1),
        Math("b", display=True, line=3),
    ]


def test_notebook_rules_follow_nbconvert_where_any_dollar_pair_is_math() -> None:
    cell = "From $5 to $6, and $\\sigma$; `$x$` is code."
    found = find_math(cell, notebook_rules=True, front_matter=False)
    assert [m.tex for m in found] == ["5 to", "\\sigma"]
    assert [m.tex for m in find_math(cell)] == ["\\sigma"]


def test_notebook_math_names_the_cell() -> None:
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Title\n", "no math"]},
            {"cell_type": "code", "source": "x = '$a$'", "outputs": []},
            {"cell_type": "markdown", "source": "first line\n\n$$\n\\hat{y}\n$$\n"},
        ]
    }
    assert notebook_math(json.dumps(nb)) == [(3, Math("\\hat{y}", display=True, line=3))]


def test_markdown_cells_rejects_what_is_not_a_notebook() -> None:
    with pytest.raises(ValueError, match="nb_source: expected notebook JSON"):
        notebook.markdown_cells("not json")
    with pytest.raises(ValueError, match="'cells' list"):
        notebook.markdown_cells("[]")


# --- rendering -------------------------------------------------------------------------


def test_katex_gives_html_and_mathml(renderer: KatexRenderer) -> None:
    inline, display = renderer.render([("\\sigma(x)", False), ("\\hat{y}", True)])
    assert inline.error is None
    assert inline.html is not None
    assert '<span class="katex">' in inline.html
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML">' in inline.html
    # The TeX stays in the MathML annotation, for copy and assistive technology.
    assert '<annotation encoding="application/x-tex">\\sigma(x)</annotation>' in inline.html
    assert display.html is not None
    assert 'class="katex-display"' in display.html
    assert 'display="block"' in display.html


def test_katex_reports_invalid_tex_without_stopping(renderer: KatexRenderer) -> None:
    bad, good = renderer.render([("\\frac{1}{", False), ("x^2", False)])
    assert bad.html is None
    assert bad.error is not None
    assert "KaTeX parse error" in bad.error
    assert good.error is None


def test_katex_rejects_unknown_commands(renderer: KatexRenderer) -> None:
    (result,) = renderer.render([("\\sigmoid(x)", False)])
    assert result.error is not None
    assert "\\sigmoid" in result.error


def test_one_node_process_serves_many_batches(renderer: KatexRenderer) -> None:
    renderer.render([("a", False)])
    first = renderer._process
    renderer.render([(f"x_{{{i}}}", False) for i in range(200)])
    assert renderer._process is first


# --- replacing placeholders ------------------------------------------------------------


def test_replace_arithmatex_swaps_tex_for_rendering_and_keeps_the_wrapper() -> None:
    page = (
        '<p>a <span class="arithmatex">\\(a &lt; b \\&amp; c\\)</span></p>\n'
        '<div class="arithmatex">\\[\n\\hat{y}\n\\]</div>'
    )
    items = arithmatex_math(page)
    assert items == [("a < b \\& c", False), ("\\hat{y}", True)]
    out = replace_arithmatex(page, {items[0]: "<I/>", items[1]: "<D/>"})
    assert (
        out == '<p>a <span class="arithmatex"><I/></span></p>\n<div class="arithmatex"><D/></div>'
    )


def test_display_math_inside_a_paragraph_is_caught() -> None:
    md = markdown.Markdown(
        extensions=["pymdownx.arithmatex"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )
    assert stray_dollars(md.convert("Text $$x^2$$ more.")) == ["x^2"]
    assert stray_dollars(md.convert("Text\n\n$$x^2$$\n\nmore.")) == []


def test_notebook_math_is_replaced_outside_code_only() -> None:
    cell = "<p>Cost <code>$x$</code> then $x$ and $a&lt;b$.</p>\n<pre>$$y$$</pre><p>$$\ny\n$$</p>"
    out, missing = notebook.replace_math_in_cell(
        cell, [("x", False, "<X/>"), ("a<b", False, "<AB/>"), ("y", True, "<Y/>")]
    )
    assert missing == []
    assert out == "<p>Cost <code>$x$</code> then <X/> and <AB/>.</p>\n<pre>$$y$$</pre><p><Y/></p>"
    _, missing = notebook.replace_math_in_cell(cell, [("z", False, "<Z/>")])
    assert missing == ["z"]


def test_notebook_scripts_from_elsewhere_are_removed() -> None:
    page = (
        "<script>copy()</script>"
        '<script src=""> </script>'
        '<script type="text/x-mathjax-config">MathJax.Hub.Config({})</script>'
        '<script type="module">import("https://cdn.example/mermaid.mjs")</script>'
    )
    assert notebook.strip_remote_scripts(page) == "<script>copy()</script>"
