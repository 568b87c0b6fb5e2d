"""docrun.far: which blocks lie far below a page's first screen (the browser may skip them).

Where the marked blocks land in a real browser, and that loading shifts nothing, is
checked in tests/browser/test_containment.py.
"""

from __future__ import annotations

import re

import pytest

from docrun import far

# Enough prose to reach FAR_PX: each character counts PX_PER_CHAR.
WORDS = "x" * int(far.FAR_PX / far.PX_PER_CHAR)


def page(body: str) -> str:
    before = f"<html><body><nav><p>{WORDS}</p></nav>"
    return f'{before}<article class="md-content__inner">{body}</article></body></html>'


def marked(html: str) -> list[str]:
    """The start tags that carry the attribute."""
    return re.findall(rf"<[^>]* {far.ATTRIBUTE}\b[^>]*>", html)


def unmarked(html: str) -> str:
    return html.replace(f" {far.ATTRIBUTE}", "")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            f'<h1>Title</h1><p>{WORDS}</p><p>next</p><div class="x">y</div><p>z</p>',
            [f"<p {far.ATTRIBUTE}>", f'<div class="x" {far.ATTRIBUTE}>', f"<p {far.ATTRIBUTE}>"],
        ),
        (  # void and self-closed elements, single quotes
            f"<p>{WORDS}</p><hr><img src='a.png'/><p class='q'>x<br>y</p>",
            [
                f"<hr {far.ATTRIBUTE}>",
                f"<img src='a.png' {far.ATTRIBUTE}/>",
                f"<p class='q' {far.ATTRIBUTE}>",
            ],
        ),
    ],
)
def test_blocks_after_enough_text_are_marked_and_nothing_else_changes(
    body: str, expected: list[str]
) -> None:
    html = page(body)
    out = far.mark_far_blocks(html)
    assert marked(out) == expected
    assert unmarked(out) == html


def test_text_before_the_article_does_not_count() -> None:
    html = page("<p>short</p><p>short</p>")
    assert far.mark_far_blocks(html) == html


def test_only_children_of_the_flow_containers_are_marked() -> None:
    """Nested elements are not blocks of the page; each API object's contents are."""
    html = page(
        f'<p>{WORDS}</p><ul><li>a</li></ul><div class="doc"><div class="doc-contents">'
        "<p>in</p><p>in <em>b</em></p></div></div>"
    )
    tags = marked(far.mark_far_blocks(html))
    assert tags == [
        f"<ul {far.ATTRIBUTE}>",
        f'<div class="doc" {far.ATTRIBUTE}>',
        f"<p {far.ATTRIBUTE}>",
        f"<p {far.ATTRIBUTE}>",
    ]


def test_the_hidden_mathml_copy_takes_no_height() -> None:
    """An equation's MathML copy (its TeX annotation included) is hidden: its text does
    not count, the drawn equation's does."""
    hidden = (
        f'<p><span class="katex"><span class="katex-mathml">{WORDS}</span>'
        '<span class="katex-html">x</span></span></p><p>after</p>'
    )
    assert marked(far.mark_far_blocks(page(hidden))) == []
    shown = hidden.replace('class="katex-mathml"', 'class="katex-html"')
    assert len(marked(far.mark_far_blocks(page(shown)))) == 1


def test_code_counts_its_lines_and_each_block_a_line() -> None:
    lines = int(far.FAR_PX / far.PX_PER_CODE_LINE) + 1
    code = page(f"<pre><code>{chr(10) * lines}</code></pre><p>after</p>")
    assert marked(far.mark_far_blocks(code)) == [f"<p {far.ATTRIBUTE}>"]
    blocks = int(far.FAR_PX / far.PX_PER_BLOCK)
    assert len(marked(far.mark_far_blocks(page("<p></p>" * blocks + "<p>after</p>")))) == 1
    assert marked(far.mark_far_blocks(page("<p></p>" * (blocks - 1) + "<p>after</p>"))) == []


def test_far_px_zero_marks_every_block() -> None:
    html = page("<p>a</p><p>b</p>")
    assert len(marked(far.mark_far_blocks(html, far_px=0))) == 2
