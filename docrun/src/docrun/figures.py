"""Turn the matplotlib figures a block left open into small, stable, accessible SVG."""

from __future__ import annotations

import html
import io
import os
import re
import sys
from typing import Any

# The SVG writer's settings: the same figure gives the same bytes on every build
# (fixed hash salt, no date), and text stays text (no glyph paths: small, searchable).
SVG_RCPARAMS: dict[Any, Any] = {"svg.hashsalt": "docrun", "svg.fonttype": "none"}
# Creator, date, type and format would add an RDF block full of other origins' URLs.
_NO_METADATA = {"Date": None, "Creator": None, "Type": None, "Format": None}

_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_ID = re.compile(r'\sid="([^"]*)"')
_REFERENCE = re.compile(r'(href="#|url\(#)([^")]*)')


class FigureError(ValueError):
    """A figure the page cannot show accessibly."""


def use_agg() -> None:
    """Draw off screen (Agg): a build never opens a window.

    Set through the environment when matplotlib is not imported yet, so a page that
    never plots does not pay for importing it.
    """
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is None:
        os.environ["MPLBACKEND"] = "Agg"
    else:
        matplotlib.use("Agg", force=True)


def _pyplot() -> Any:
    return sys.modules.get("matplotlib.pyplot")


def open_figure_count() -> int:
    """How many pyplot figures are open (0 when nothing imported pyplot)."""
    plt = _pyplot()
    return 0 if plt is None else len(plt.get_fignums())


def close_all() -> None:
    plt = _pyplot()
    if plt is not None:
        plt.close("all")


def reset() -> None:
    """Close every figure and restore matplotlib's default settings after a page."""
    close_all()
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is not None:
        matplotlib.rcdefaults()
        matplotlib.use("Agg", force=True)


def figure_title(figure: Any) -> str:
    """The figure's title: its suptitle, else the titles of its axes joined."""
    suptitle = figure._suptitle.get_text() if figure._suptitle is not None else ""
    if suptitle.strip():
        return str(suptitle.strip())
    titles = [ax.get_title().strip() for ax in figure.axes if ax.get_title().strip()]
    return "; ".join(titles)


def _tidy_ids(svg: str, prefix: str) -> str:
    """Keep only the ids something refers to, prefixed so two figures never share one."""
    referenced = {match.group(2) for match in _REFERENCE.finditer(svg)}

    def rename(match: re.Match[str]) -> str:
        name = match.group(1)
        return f' id="{prefix}{name}"' if name in referenced else ""

    svg = _ID.sub(rename, svg)
    return _REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", svg)


# matplotlib's black (text, axes, ticks) and white (legend boxes) become the page's own
# text and background colours, so a figure follows the light and the dark palette.
_PALETTE = {
    "#000000": "currentColor",
    "#ffffff": "var(--md-default-bg-color)",
}
_COLOUR = re.compile("|".join(_PALETTE), re.IGNORECASE)


def _follow_palette(svg: str) -> str:
    return _COLOUR.sub(lambda match: _PALETTE[match.group().lower()], svg)


def _titles(figure: Any) -> list[Any]:
    """The title artists that hold text: the suptitle and every axes' titles."""
    found = [figure._suptitle] if figure._suptitle is not None else []
    for ax in figure.axes:
        found += [ax.title, ax._left_title, ax._right_title]
    return [title for title in found if title.get_text().strip()]


def figure_svg(figure: Any, label: str, prefix: str) -> str:
    """One figure as an inline ``<svg>`` and its ``<figcaption>``, for a ``<figure>``.

    The title moves from the drawing to the caption (shown once, in the page's font),
    and the caption names the image for screen readers. The background is transparent
    and black and white follow the palette.
    """
    import matplotlib

    titles = _titles(figure)
    for title in titles:
        title.set_visible(False)
    buffer = io.StringIO()
    try:
        with matplotlib.rc_context(SVG_RCPARAMS):
            figure.savefig(
                buffer,
                format="svg",
                metadata=_NO_METADATA,
                bbox_inches="tight",
                transparent=True,
            )
    finally:
        for title in titles:
            title.set_visible(True)
    svg = _PROLOGUE.sub("", buffer.getvalue()).strip()
    # Inline SVG in HTML needs no namespace declarations; dropping them keeps URLs of
    # other origins out of the page.
    svg = re.sub(r'\sxmlns(?::xlink)?="[^"]*"', "", svg)
    svg = _follow_palette(_tidy_ids(svg, prefix))
    caption_id = f"{prefix}caption"
    attributes = (
        f'<svg role="img" aria-labelledby="{caption_id}" class="docrun-figure"'
        ' style="max-width:100%;height:auto;fill:currentColor"'
    )
    svg = svg.replace("<svg", attributes, 1)
    caption = html.escape(label, quote=False)
    return f'{svg}\n<figcaption id="{caption_id}">{caption}</figcaption>'


def take_figures(where: str, prefix: str) -> list[str]:
    """Every open figure as SVG, in the order they were made; all are closed after.

    Raises FigureError (naming ``where``) for a figure without a title: the title is the
    figure's accessible label.
    """
    plt = _pyplot()
    if plt is None:
        return []
    try:
        svgs = []
        for k, number in enumerate(plt.get_fignums()):
            figure = plt.figure(number)
            label = figure_title(figure)
            if not label:
                raise FigureError(
                    f"{where}: figure {k + 1} has no title; give it one with "
                    "ax.set_title(...) or fig.suptitle(...), it becomes the figure's "
                    "accessible label"
                )
            svgs.append(figure_svg(figure, label, f"{prefix}{k + 1}-"))
        return svgs
    finally:
        plt.close("all")
