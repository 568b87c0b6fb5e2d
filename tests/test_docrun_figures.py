"""Figures: inline SVG that is stable, small, accessible and closed after use."""

from __future__ import annotations

import re

from docrun.figures import figure_svg, figure_title
from docrun.page import check_page, insert_figures

PLOT = """\
!!! example

    ```python run
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0.69, 0.4, 0.3])
    ax.set_title("Error per epoch")
    fig2, ax2 = plt.subplots(figsize=(3, 2))
    ax2.plot([0, 1], [1, 0])
    fig2.suptitle("Decision boundary")
    ```
"""


def svgs_of(text: str, path: str = "docs/f.md") -> tuple[list[str], list[str]]:
    result = check_page(text, path)
    html = insert_figures(result.markdown, result.figures)
    return re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL), result.failures


def test_figures_become_labelled_inline_svg_in_order() -> None:
    svgs, failures = svgs_of(PLOT)
    assert failures == []
    assert len(svgs) == 2
    # The title is the caption, and the caption names the image.
    html = insert_figures(*_page(PLOT))
    captions = re.findall(r'<figcaption id="([^"]+)">([^<]*)</figcaption>', html)
    assert [text for _, text in captions] == ["Error per epoch", "Decision boundary"]
    for svg, (caption_id, _) in zip(svgs, captions, strict=True):
        assert svg.startswith(f'<svg role="img" aria-labelledby="{caption_id}"')
    # Drawn once: in the caption, not also in the drawing.
    assert "Error per epoch" not in svgs[0]
    # svg.fonttype 'none': text stays text (the tick labels), not glyph outlines.
    assert re.search(r">\d\.\d+</text>", svgs[0])


def _page(text: str) -> tuple[str, dict[str, str]]:
    result = check_page(text, "docs/f.md")
    return result.markdown, result.figures


def test_figures_follow_the_palette_on_a_transparent_background() -> None:
    svgs, _ = svgs_of(PLOT)
    for svg in svgs:
        assert "#000000" not in svg
        assert "#ffffff" not in svg
        assert "currentColor" in svg
        # No opaque background: the first two paths, the figure's and the axes' patches,
        # are not filled.
        patches = re.findall(r'<path d="[^"]*"\s+style="([^"]*)"', svg)[:2]
        assert patches == ["fill: none", "fill: none"]


def test_figures_are_closed_after_the_block() -> None:
    import matplotlib.pyplot as plt

    svgs_of(PLOT)
    assert plt.get_fignums() == []


def test_the_same_figure_gives_the_same_bytes_on_every_build() -> None:
    first, _ = svgs_of(PLOT)
    second, _ = svgs_of(PLOT)
    assert first == second


def test_svg_has_no_prologue_metadata_or_other_origins() -> None:
    svgs, _ = svgs_of(PLOT)
    for svg in svgs:
        assert "<?xml" not in svg
        assert "DOCTYPE" not in svg
        assert "<metadata" not in svg
        assert "http" not in svg


def test_ids_are_unique_across_the_figures_of_a_page() -> None:
    svgs, _ = svgs_of(PLOT)
    ids = re.findall(r'\bid="([^"]+)"', "".join(svgs))
    assert ids, "matplotlib clips the axes with a referenced clipPath"
    assert len(ids) == len(set(ids))
    for svg in svgs:
        for reference in re.findall(r'(?:href="#|url\(#)([^")]+)', svg):
            assert f'id="{reference}"' in svg


def test_a_figure_without_a_title_fails_at_its_block() -> None:
    text = "a\n\n```python run\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\n```\n"
    svgs, failures = svgs_of(text)
    assert svgs == []
    assert len(failures) == 1
    assert failures[0].startswith("docs/f.md:3: figure 1 has no title")


def test_a_figure_left_by_a_pycon_block_fails() -> None:
    import matplotlib.pyplot as plt

    text = "```pycon\n>>> import matplotlib.pyplot as plt\n>>> _ = plt.figure()\n```\n"
    result = check_page(text, "docs/f.md")
    assert len(result.failures) == 1
    assert "left a matplotlib figure open" in result.failures[0]
    assert plt.get_fignums() == []


def test_title_and_label_escaping() -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        ax.set_title('σ(x) for "small" x < 0')
        assert figure_title(fig) == 'σ(x) for "small" x < 0'
        svg = figure_svg(fig, figure_title(fig), "t-")
        assert '<figcaption id="t-caption">σ(x) for "small" x &lt; 0</figcaption>' in svg
    finally:
        plt.close(fig)
