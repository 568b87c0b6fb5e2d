"""Interactive figures: every frame computed at build, drawn as SVG, picked in the browser.

A page's ``python run`` block computes the frames with mlmath, as arrays whose leading
axes are the positions of the figure's sliders, and describes the figure here: its
sliders, its plots and what each plot draws. `Figure.show` hands the figure to the page
(docrun puts it where the block's output goes): one inline SVG per plot, drawn at the
default frame (what a reader without JavaScript sees, with its caption), native range
inputs (shown once the script runs), read-outs as text, and every frame as JSON.

In the built site the JSON is not in the page (`frames_to_files`): it is a file beside
it that the script fetches, so a reader's first paint does not wait for frames that only
a slider uses (on the prediction page, 98 KB of 299 KB).

docs/javascripts/figures.js only looks a frame up by the sliders' positions and sets the
attributes and text this module wrote; it computes nothing. Colours come from the
stylesheet (docs/stylesheets/figures.css), so the figures follow the light and dark palette.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

# Figures shown by blocks that have run but whose output docrun has not placed yet.
_pending: list[str] = []

_NAME = re.compile(r"[a-z][a-z0-9-]*")
_SLIDER_NAME = re.compile(r"[a-z][a-z0-9_]*")
# Plot area inside each SVG's viewBox, in its own units (the SVG scales to the column).
_WIDTH, _HEIGHT = 420.0, 260.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 58.0, 14.0, 14.0, 46.0
# Points far outside the plot are pulled in to this many plot heights: the clip path
# hides them, and the path keeps finite, short numbers.
_FAR = 3.0
_STYLES = ("c1", "c2", "c3", "guide")


class FigureSpecError(ValueError):
    """A figure description that cannot be drawn, naming the argument at fault."""


def _number(value: float) -> str:
    """A coordinate with one decimal, without a trailing ``.0`` or a negative zero."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _minus(text: str) -> str:
    """Typographic minus signs for text a reader sees."""
    return text.replace("-", "\u2212")


def take_figures() -> list[str]:
    """The HTML of every figure shown since the last call, in order; forgets them."""
    shown = list(_pending)
    _pending.clear()
    return shown


@dataclass(frozen=True)
class Slider:
    """A range input over a list of stops; ``text`` is each stop as the reader sees it."""

    name: str
    label: str
    symbol: str
    text: tuple[str, ...]
    default: int


@dataclass
class _Part:
    """One thing that changes with the sliders: an attribute (or the text) of an element."""

    element: str
    attr: str
    over: tuple[int, ...]
    values: list[str]


@dataclass
class Plot:
    """One panel: axes with ticks and labels, and what is drawn on them."""

    figure: Figure
    number: int
    title: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    x_label: str
    y_label: str
    body: list[str] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.figure.name}-p{self.number}"

    def _x(self, x: npt.ArrayLike) -> npt.NDArray[np.float64]:
        lo, hi = self.x_range
        scale = (_WIDTH - _LEFT - _RIGHT) / (hi - lo)
        return _LEFT + (np.asarray(x, dtype=float) - lo) * scale

    def _y(self, y: npt.ArrayLike) -> npt.NDArray[np.float64]:
        lo, hi = self.y_range
        height = _HEIGHT - _TOP - _BOTTOM
        pixels = _HEIGHT - _BOTTOM - (np.asarray(y, dtype=float) - lo) * height / (hi - lo)
        return np.clip(pixels, _TOP - _FAR * height, _HEIGHT - _BOTTOM + _FAR * height)

    def _path(self, x: npt.ArrayLike, y: npt.ArrayLike) -> str:
        """A polyline through the finite points; a non-finite one breaks the line.

        Points that lie on the straight line between their neighbours (within a tenth of
        a unit) are left out: flat tails of a curve cost nothing in the page.
        """
        xs, ys = self._x(x), np.asarray(y, dtype=float)
        finite = np.isfinite(ys)
        ys = self._y(np.where(finite, ys, 0.0))
        pieces, run = [], []
        for px, py, ok in zip(xs, ys, finite, strict=True):
            if ok:
                run.append((float(px), float(py)))
            elif run:
                pieces.append(run)
                run = []
        if run:
            pieces.append(run)
        return "".join(
            "M" + " ".join(f"{_number(a)} {_number(b)}" for a, b in _simplify(piece))
            for piece in pieces
        )

    def _dots(self, x: npt.ArrayLike, y: npt.ArrayLike) -> str:
        """Dots as zero-length strokes with round or square caps: one short path for many."""
        xs, ys = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        keep = np.isfinite(xs) & np.isfinite(ys)
        px, py = self._x(xs[keep]), self._y(ys[keep])
        return "".join(f"M{_number(a)} {_number(b)}h0" for a, b in zip(px, py, strict=True))

    def _boundary(self, coefficients: npt.ArrayLike) -> str:
        """The line w1 x + w2 y + b = 0 across the plot, or nothing when w1 = w2 = 0."""
        w1, w2, b = (float(c) for c in np.asarray(coefficients, dtype=float))
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        ends: list[tuple[float, float]] = []
        if w2 != 0.0:
            ends += [(x, -(w1 * x + b) / w2) for x in (x0, x1)]
        if w1 != 0.0:
            ends += [(-(w2 * y + b) / w1, y) for y in (y0, y1)]
        inside = sorted(
            {(x, y) for x, y in ends if x0 <= x <= x1 and y0 <= y <= y1 and math.isfinite(x + y)}
        )
        if len(inside) < 2:
            return ""
        return self._path([inside[0][0], inside[-1][0]], [inside[0][1], inside[-1][1]])

    def _element(self, kind: str, style: str, legend: str | None) -> str:
        if style not in _STYLES:
            raise FigureSpecError(f"style: expected one of {_STYLES}, got {style!r}")
        element = f"{self.id}-e{len(self.body) + 1}"
        if legend is not None:
            self.legend.append((f"{kind} {style}", legend))
        return element

    def _add(
        self,
        kind: str,
        draw: Callable[..., str],
        arrays: Sequence[npt.ArrayLike],
        trailing: int,
        over: Sequence[str],
        style: str,
        legend: str | None,
        what: str,
    ) -> None:
        element = self._element(kind, style, legend)
        axes = self.figure._axes(over, "over")
        sizes = tuple(len(self.figure.sliders[k].text) for k in axes)
        values = []
        for name, array in zip(what.split(","), arrays, strict=True):
            value = np.asarray(array, dtype=float)
            tail = value.shape[value.ndim - trailing :] if 0 < trailing <= value.ndim else ()
            try:
                if value.ndim < trailing:
                    raise ValueError
                values.append(np.broadcast_to(value, sizes + tail))
            except ValueError:
                raise FigureSpecError(
                    f"{name}: expected an array of shape {sizes} (one entry per position of "
                    f"{list(over)}, or one for all) followed by {trailing} axes of data, "
                    f"got shape {value.shape}"
                ) from None
        frames = [draw(*(v[index] for v in values)) for index in np.ndindex(*sizes)]
        default = tuple(self.figure.sliders[k].default for k in axes)
        shown = frames[int(np.ravel_multi_index(default, sizes))] if sizes else frames[0]
        self.body.append(f'<path id="{element}" class="{kind} {style}" d="{shown}"/>')
        if sizes:
            self.figure.parts.append(_Part(element, "d", axes, frames))

    def line(
        self,
        x: npt.ArrayLike,
        y: npt.ArrayLike,
        *,
        over: Sequence[str] = (),
        style: str = "c1",
        legend: str | None = None,
    ) -> None:
        """A curve through (x, y); y has one row of values per position of ``over``."""
        self._add("line", self._path, [x, y], 1, over, style, legend, "x,y")

    def dots(
        self,
        x: npt.ArrayLike,
        y: npt.ArrayLike,
        *,
        over: Sequence[str] = (),
        style: str = "c1",
        legend: str | None = None,
        square: bool = False,
    ) -> None:
        """Markers at (x, y): a scatter of data, or one point that moves with ``over``."""
        trailing = max(np.ndim(x), np.ndim(y)) - len(over)
        kind = ("squares" if square else "dots") + (" marker" if over else "")
        self._add(kind, self._dots, [x, y], max(trailing, 0), over, style, legend, "x,y")

    def boundary(
        self,
        coefficients: npt.ArrayLike,
        *,
        over: Sequence[str] = (),
        style: str = "c3",
        legend: str | None = None,
    ) -> None:
        """The line w1 x + w2 y + b = 0 for coefficients (w1, w2, b) per position of ``over``."""
        self._add("line", self._boundary, [coefficients], 1, over, style, legend, "coefficients")

    def guide(self, *, x: float | None = None, y: float | None = None) -> None:
        """A thin reference line at x (vertical) or y (horizontal)."""
        if (x is None) == (y is None):
            raise FigureSpecError("guide: expected exactly one of x= or y=")
        if x is not None:
            self.line([x, x], list(self.y_range), style="guide")
        elif y is not None:
            self.line(list(self.x_range), [y, y], style="guide")

    def svg(self) -> str:
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        left, right = _LEFT, _WIDTH - _RIGHT
        top, bottom = _TOP, _HEIGHT - _BOTTOM
        out = [
            # Named by the figure's caption (which describes the frame shown); the panel's
            # own title is its description.
            f'<svg id="{self.id}" class="mlfig-plot" viewBox="0 0 {_WIDTH:g} {_HEIGHT:g}" '
            f'role="img" aria-labelledby="{self.figure.name}-caption">'
            f"<title>{html.escape(self.title)}</title>",
            f'<clipPath id="{self.id}-clip"><rect x="{left:g}" y="{top:g}" fill="none" '
            f'width="{right - left:g}" height="{bottom - top:g}"/></clipPath>',
            f'<path class="axis" d="M{left:g} {top:g}V{bottom:g}H{right:g}"/>',
        ]
        for tick in _ticks(x0, x1):
            px = _number(float(self._x(tick)))
            out.append(f'<path class="axis" d="M{px} {bottom:g}v5"/>')
            out.append(f'<text class="tick" x="{px}" y="{bottom + 17:g}">{_tick_text(tick)}</text>')
        for tick in _ticks(y0, y1):
            py = _number(float(self._y(tick)))
            out.append(f'<path class="axis" d="M{left:g} {py}h-5"/>')
            out.append(
                f'<text class="tick y" x="{left - 8:g}" y="{py}" dy="0.32em">'
                f"{_tick_text(tick)}</text>"
            )
        out.append(
            f'<text class="label" x="{(left + right) / 2:g}" y="{_HEIGHT - 6:g}">'
            f"{html.escape(self.x_label)}</text>"
        )
        out.append(
            f'<text class="label" transform="translate(14 {(top + bottom) / 2:g}) rotate(-90)">'
            f"{html.escape(self.y_label)}</text>"
        )
        out.append(f'<g clip-path="url(#{self.id}-clip)">' + "".join(self.body) + "</g>")
        out.append("</svg>")
        return "".join(out)

    def legend_html(self) -> str:
        if not self.legend:
            return ""
        items = "".join(
            f'<li><svg class="mlfig-key" viewBox="0 0 24 12" aria-hidden="true">'
            f'<path class="{classes}" d="{"M2 6H22" if "line" in classes else "M12 6h0"}"/>'
            f"</svg>{html.escape(text)}</li>"
            for classes, text in self.legend
        )
        name = html.escape(f"Key to {self.title}", quote=True)
        return f'<ul class="mlfig-legend" aria-label="{name}">{items}</ul>'


Point = tuple[float, float]


def _simplify(points: list[Point], tolerance: float = 0.1) -> list[Point]:
    """The points a polyline needs to stay within ``tolerance`` of all of them.

    Ramer-Douglas-Peucker: keep the point farthest from the chord of a stretch if it lies
    more than ``tolerance`` away, and split there; the ends are always kept.
    """
    if len(points) < 3:
        return points
    xy = np.asarray(points, dtype=float)
    keep = np.zeros(len(xy), dtype=bool)
    keep[[0, -1]] = True
    stretches = [(0, len(xy) - 1)]
    while stretches:
        first, last = stretches.pop()
        if last - first < 2:
            continue
        (ax, ay), (bx, by) = xy[first], xy[last]
        inner = xy[first + 1 : last]
        length = math.hypot(bx - ax, by - ay)
        if length == 0.0:
            distance = np.hypot(inner[:, 0] - ax, inner[:, 1] - ay)
        else:
            distance = np.abs((bx - ax) * (ay - inner[:, 1]) - (ax - inner[:, 0]) * (by - ay))
            distance /= length
        farthest = int(np.argmax(distance))
        if distance[farthest] > tolerance:
            middle = first + 1 + farthest
            keep[middle] = True
            stretches += [(first, middle), (middle, last)]
    return [points[k] for k in np.flatnonzero(keep)]


def _ticks(lo: float, hi: float) -> list[float]:
    """A handful of round tick values within [lo, hi] (matplotlib's choice of steps)."""
    from matplotlib.ticker import MaxNLocator

    values = MaxNLocator(nbins=5).tick_values(lo, hi)
    span = hi - lo
    return [float(v) for v in values if lo - 1e-9 * span <= v <= hi + 1e-9 * span]


def _tick_text(value: float) -> str:
    return _minus(f"{round(value, 10):g}")


@dataclass
class Figure:
    """An interactive figure: sliders, read-outs, and one or more plots.

    ``name`` makes the ids on the page (lower case, digits and hyphens; one per page);
    ``caption`` describes the default frame, which is what a reader sees without
    JavaScript.
    """

    name: str
    caption: str
    sliders: list[Slider] = field(default_factory=list)
    plots: list[Plot] = field(default_factory=list)
    readouts: list[tuple[str, str]] = field(default_factory=list)
    parts: list[_Part] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise FigureSpecError(
                f"name: expected lower-case letters, digits and hyphens, got {self.name!r}"
            )

    def _axes(self, names: Sequence[str], argument: str) -> tuple[int, ...]:
        known = [s.name for s in self.sliders]
        if isinstance(names, str):
            raise FigureSpecError(f"{argument}: expected a list of slider names, got {names!r}")
        for name in names:
            if name not in known:
                raise FigureSpecError(
                    f"{argument}: expected names of this figure's sliders {known}, got {name!r}"
                )
        if len(set(names)) != len(names):
            raise FigureSpecError(f"{argument}: a slider is named twice in {list(names)}")
        return tuple(known.index(name) for name in names)

    def slider(
        self,
        name: str,
        label: str,
        values: Sequence[float] | npt.NDArray[Any],
        *,
        default: int,
        symbol: str | None = None,
        fmt: str = "{:g}",
    ) -> None:
        """A range input over ``values``, starting at ``values[default]``.

        ``label`` is shown beside it and names it for screen readers; ``symbol`` (the
        name by default) and the value as ``fmt`` gives it are read out as it moves.
        """
        if not _SLIDER_NAME.fullmatch(name):
            raise FigureSpecError(
                f"name: expected lower-case letters, digits and underscores, got {name!r}"
            )
        stops = [float(v) for v in values]
        if not stops:
            raise FigureSpecError(f"values: expected at least one stop for {name!r}, got none")
        if not 0 <= default < len(stops):
            raise FigureSpecError(
                f"default: expected an index from 0 to {len(stops) - 1}, got {default}"
            )
        text = tuple(_minus(fmt.format(v)) for v in stops)
        self.sliders.append(Slider(name, label, symbol or name, text, default))

    def readout(
        self,
        label: str,
        values: npt.ArrayLike,
        *,
        over: Sequence[str],
        fmt: str = "{:.4f}",
    ) -> None:
        """A number shown as text beside the figure, one value per position of ``over``."""
        axes = self._axes(over, "over")
        sizes = tuple(len(self.sliders[k].text) for k in axes)
        array = np.asarray(values, dtype=float)
        if array.shape != sizes:
            raise FigureSpecError(
                f"values: expected shape {sizes} (one value per position of {list(over)}), "
                f"got {array.shape}"
            )
        element = f"{self.name}-r{len(self.readouts) + 1}"
        texts = [_minus(fmt.format(float(v))) for v in array.ravel()]
        default = tuple(self.sliders[k].default for k in axes)
        shown = texts[int(np.ravel_multi_index(default, sizes))] if sizes else texts[0]
        self.readouts.append(
            (label, f'<span id="{element}" class="mlfig-value">{html.escape(shown)}</span>')
        )
        if sizes:
            self.parts.append(_Part(element, "text", axes, texts))

    def plot(
        self,
        title: str,
        *,
        x_range: tuple[float, float],
        y_range: tuple[float, float],
        x_label: str,
        y_label: str,
    ) -> Plot:
        """A new panel; its title is its accessible name."""
        for argument, (lo, hi) in (("x_range", x_range), ("y_range", y_range)):
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise FigureSpecError(f"{argument}: expected finite (low, high), got {(lo, hi)}")
        plot = Plot(self, len(self.plots) + 1, title, x_range, y_range, x_label, y_label)
        self.plots.append(plot)
        return plot

    def html(self) -> str:
        """The figure as one HTML block (no blank line, so Markdown leaves it alone)."""
        if not self.plots:
            raise FigureSpecError(f"{self.name}: a figure needs at least one plot")
        controls = "".join(
            f'<div class="mlfig-control"><label for="{self.name}-{s.name}">'
            f"{html.escape(s.label)}</label>"
            f'<input type="range" id="{self.name}-{s.name}" min="0" max="{len(s.text) - 1}" '
            f'step="1" value="{s.default}" '
            f'aria-valuetext="{html.escape(f"{s.symbol} = {s.text[s.default]}", quote=True)}">'
            f'<output id="{self.name}-{s.name}-value" for="{self.name}-{s.name}">'
            f"{html.escape(s.text[s.default])}</output></div>"
            for s in self.sliders
        )
        readouts = "".join(
            f'<span class="mlfig-readout">{html.escape(label)}: {value}</span>'
            for label, value in self.readouts
        )
        frames = {
            "sliders": [
                {"id": f"{self.name}-{s.name}", "symbol": s.symbol, "text": list(s.text)}
                for s in self.sliders
            ],
            "parts": [
                {"id": p.element, "attr": p.attr, "over": list(p.over), "values": p.values}
                for p in self.parts
            ],
        }
        payload = json.dumps(frames, ensure_ascii=False, separators=(",", ":"))
        plots = "".join(
            f'<div class="mlfig-panel">{plot.svg()}{plot.legend_html()}</div>'
            for plot in self.plots
        )
        return (
            f'<figure class="docrun-figure mlfig" id="{self.name}">'
            + (f'<div class="mlfig-controls" hidden>{controls}</div>' if self.sliders else "")
            + f'<div class="mlfig-plots">{plots}</div>'
            + (f'<p class="mlfig-readouts" aria-live="polite">{readouts}</p>' if readouts else "")
            + f'<figcaption id="{self.name}-caption">{html.escape(self.caption)}</figcaption>'
            + '<script type="application/json" class="mlfig-frames">'
            + payload.replace("</", "<\\/")
            + "</script></figure>"
        )

    def show(self) -> None:
        """Hand the figure to the page: it appears where the block's output goes."""
        _pending.append(self.html())


_FRAMES = re.compile(
    r'(<figure class="docrun-figure mlfig" id="([^"]+)")(.*?)'
    r'<script type="application/json" class="mlfig-frames">(.*?)</script>(</figure>)',
    re.DOTALL,
)


def frames_to_files(page_html: str) -> tuple[str, dict[str, str]]:
    """The page with each figure's frames moved out, and the files that now hold them.

    Each figure's JSON becomes the file ``<figure id>.<digest>.json`` (named by its
    content, so a browser never keeps an old one), named by the figure's ``data-frames``
    and read by docs/javascripts/figures.js; the figure keeps its SVG, drawn at the
    default frame. Returns (page HTML, {file name: JSON text}).
    """
    files: dict[str, str] = {}

    def move(match: re.Match[str]) -> str:
        opening, name, inside, payload, closing = match.groups()
        text = payload.replace("<\\/", "</")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        file_name = f"{name}.{digest}.json"
        files[file_name] = text
        return f'{opening} data-frames="{html.escape(file_name, quote=True)}"{inside}{closing}'

    return _FRAMES.sub(move, page_html), files
