"""Interactive figures (docrun.interactive): frames from the page's code, checked at its line.

A library change that alters a frame must fail the page at the line that checks the
frames; the figure's HTML must carry every frame, the default one drawn, native labelled
controls and a caption.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from docrun.interactive import Figure, FigureSpecError, frames_to_files
from docrun.page import check_page, insert_figures
from mkdocs.utils.meta import get_data

import mlmath

ROOT = Path(__file__).resolve().parent.parent


def run_page(name: str) -> tuple[list[str], str]:
    """The failures of docs/<name> as the build reports them, and its finished HTML part."""
    source = (ROOT / "docs" / name).read_text(encoding="utf-8")
    markdown, _ = get_data(source)
    first_line = source.count("\n") - markdown.count("\n") + 1
    result = check_page(markdown, f"docs/{name}", first_line, root=ROOT)
    return result.failures, insert_figures(result.markdown, result.figures)


def fingerprint_line(name: str) -> int:
    """The line that checks the frames: a pycon statement or an assert in the block."""
    lines = (ROOT / "docs" / name).read_text(encoding="utf-8").splitlines()
    found = [
        k + 1
        for k, line in enumerate(lines)
        if line.startswith((">>> fingerprint(", "assert fingerprint("))
    ]
    assert len(found) == 1, f"docs/{name} should check its frames once, found {found}"
    return found[0]


def nudged(function: Callable[..., Any], factor: float) -> Callable[..., Any]:
    """The function with its result scaled: a library change of about one part in 300."""
    return lambda *args, **kwargs: function(*args, **kwargs) * factor


def slower(function: Callable[..., Any]) -> Callable[..., Any]:
    """gradient_descent taking 1% smaller steps: every frame of training moves a little."""
    return lambda *args, learn_rate, **kwargs: function(
        *args, learn_rate=learn_rate * 0.99, **kwargs
    )


@pytest.mark.parametrize(
    ("page", "name", "change"),
    [
        ("prediction.md", "predict", lambda f: nudged(f, 1.003)),
        ("error.md", "error_formula", lambda f: nudged(f, 1.003)),
        ("gradient-descent.md", "gradient_descent", slower),
    ],
)
def test_a_library_change_that_moves_a_frame_fails_at_the_page_line(
    page: str, name: str, change: Callable[[Any], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    failures, _ = run_page(page)
    assert failures == []  # the page as it is passes
    monkeypatch.setattr(mlmath, name, change(getattr(mlmath, name)))
    failures, _ = run_page(page)
    line = fingerprint_line(page)
    # Reported at that line: the failing example, or the block with its traceback there.
    at_line = [
        f
        for f in failures
        if f.startswith(f"docs/{page}:{line}: example failed")
        or f'File "docs/{page}", line {line}' in f
    ]
    assert at_line, "\n\n".join(failures)
    assert "fingerprint(" in at_line[0]


def frames_of(html: str, name: str) -> dict[str, Any]:
    figure = re.search(
        rf'<figure class="docrun-figure mlfig" id="{name}">.*?</figure>', html, re.DOTALL
    )
    assert figure is not None, f"no figure {name}"
    payload = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', figure.group())
    assert payload is not None
    data: dict[str, Any] = json.loads(payload.group(1))
    data["html"] = figure.group()
    return data


def test_the_page_embeds_every_frame_and_draws_the_default_one() -> None:
    failures, html = run_page("prediction.md")
    assert failures == []
    data = frames_of(html, "sigmoid-explorer")
    sliders = data["sliders"]
    assert [s["id"] for s in sliders] == ["sigmoid-explorer-w", "sigmoid-explorer-b"]
    assert len(sliders[0]["text"]) == 13
    assert len(sliders[1]["text"]) == 17
    figure_html = data["html"]
    for part in data["parts"]:
        sizes = [len(sliders[k]["text"]) for k in part["over"]]
        assert len(part["values"]) == int(np.prod(sizes))
        # What a reader without JavaScript sees is the frame at the sliders' defaults.
        defaults = [int(re.search(rf'id="{sliders[k]["id"]}"[^>]*value="(\d+)"', figure_html)[1])
                    for k in part["over"]]  # fmt: skip
        shown = part["values"][int(np.ravel_multi_index(defaults, sizes))]
        if part["attr"] == "d":
            assert f'id="{part["id"]}" class="' in figure_html
            assert f'd="{shown}"' in figure_html
        else:
            assert f'<span id="{part["id"]}" class="mlfig-value">{shown}</span>' in figure_html
    # The read-outs at the default (w = 1, b = 0, x = 2) are mlmath's numbers.
    texts = [p["values"] for p in data["parts"] if p["attr"] == "text"]
    index = int(np.ravel_multi_index((8, 8), (13, 17)))
    assert texts[0][index] == f"{mlmath.score(1.0, 2.0, 0.0):.2f}"
    assert texts[1][index] == f"{mlmath.predict(1.0, 2.0, 0.0):.4f}"


def test_controls_are_native_labelled_and_hidden_without_script() -> None:
    figure = Figure("demo", caption="A demo at a = 0.")
    figure.slider("a", "Slope a", [-1.0, 0.0, 1.0], default=1)
    plot = figure.plot("A line", x_range=(0, 1), y_range=(-1, 1), x_label="x", y_label="y")
    x = np.array([0.0, 1.0])
    plot.line(x, np.array([[0.0, -1.0], [0.0, 0.0], [0.0, 1.0]]), over=["a"])
    figure.readout("slope", [-1.0, 0.0, 1.0], over=["a"], fmt="{:.1f}")
    html = figure.html()
    assert '<div class="mlfig-controls" hidden>' in html
    assert '<label for="demo-a">Slope a</label>' in html
    assert '<input type="range" id="demo-a" min="0" max="2" step="1" value="1"' in html
    assert 'aria-valuetext="a = 0"' in html
    assert '<output id="demo-a-value" for="demo-a">0</output>' in html
    assert '<figcaption id="demo-caption">A demo at a = 0.</figcaption>' in html
    assert '<svg id="demo-p1" class="mlfig-plot"' in html
    assert 'role="img" aria-labelledby="demo-caption"><title>A line</title>' in html
    data = frames_of(html, "demo")
    # Negative numbers are read out with a real minus sign.
    assert data["sliders"][0]["text"] == ["\u22121", "0", "1"]
    assert data["parts"][1]["values"] == ["\u22121.0", "0.0", "1.0"]
    # Three frames of the line: the flat one is the default, drawn in the SVG.
    assert len(set(data["parts"][0]["values"])) == 3
    assert f'd="{data["parts"][0]["values"][1]}"' in html


def test_a_script_end_tag_in_the_text_cannot_close_the_payload() -> None:
    figure = Figure("demo", caption="c")
    figure.slider("a", "a", [0.0, 1.0], default=0, fmt="</script>{:g}")
    figure.plot("p", x_range=(0, 1), y_range=(0, 1), x_label="x", y_label="y")
    html = figure.html()
    assert html.count("</script>") == 1
    assert frames_of(html, "demo")["sliders"][0]["text"] == ["</script>0", "</script>1"]


def demo_figure(values: list[float]) -> str:
    figure = Figure("demo", caption="c")
    figure.slider("a", "a", values, default=0, fmt="</script>{:g}")
    plot = figure.plot("p", x_range=(0, 1), y_range=(-1, 1), x_label="x", y_label="y")
    plot.line([0.0, 1.0], np.outer(values, [1.0, 1.0]), over=("a",))
    return figure.html()


def test_frames_move_to_a_file_named_by_their_content() -> None:
    figure = demo_figure([0.0, 1.0])
    page = f"<p>before</p>{figure}<p>after</p>"
    out, files = frames_to_files(page)
    ((name, text),) = files.items()
    assert re.fullmatch(r"demo\.[0-9a-f]{12}\.json", name)
    expected = frames_of(page, "demo")
    del expected["html"]
    assert json.loads(text) == expected  # "</script>0" read back as written
    assert "mlfig-frames" not in out
    # The rest of the page is as it was; the figure names its file.
    payload = re.search(r'<script type="application/json".*?</script>', page, re.DOTALL)
    assert payload is not None
    assert out == page.replace(payload.group(), "").replace(
        '<figure class="docrun-figure mlfig" id="demo"',
        f'<figure class="docrun-figure mlfig" id="demo" data-frames="{name}"',
    )
    # The same frames give the same name; other frames another one.
    assert frames_to_files(page)[1] == files
    assert frames_to_files(demo_figure([0.0, -1.0]))[1].keys() != files.keys()
    assert frames_to_files("<p>no figure</p>") == ("<p>no figure</p>", {})


def test_every_built_figure_names_a_frames_file_beside_its_page(built_site: Path) -> None:
    found = 0
    for page in built_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "mlfig-frames" not in text, page
        for name in re.findall(
            r'<figure class="docrun-figure mlfig[^"]*" id="[^"]+" data-frames="([^"]+)"', text
        ):
            data = json.loads((page.parent / name).read_text(encoding="utf-8"))
            assert data["sliders"], name
            assert data["parts"], name
            found += 1
    assert found >= 3  # the prediction, error and gradient descent pages


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda f: f.slider("a", "a", [0.0], default=3), "default: expected an index"),
        (lambda f: f.slider("A b", "a", [0.0], default=0), "name: expected lower-case"),
        (lambda f: f.readout("r", [1.0, 2.0], over=["nope"]), "over: expected names"),
        (lambda f: f.readout("r", [1.0], over="a"), "over: expected a list"),
        (lambda f: f.readout("r", [1.0, 2.0, 3.0], over=["a"]), "values: expected shape (2,)"),
        (
            lambda f: f.plot("p", x_range=(1, 0), y_range=(0, 1), x_label="", y_label=""),
            "x_range: expected finite (low, high)",
        ),
        (
            lambda f: f.plot("p", x_range=(0, 1), y_range=(0, 1), x_label="", y_label="").line(
                [0.0, 1.0], np.zeros((3, 2)), over=["a"]
            ),
            "y: expected an array of shape (2,)",
        ),
        (
            lambda f: f.plot("p", x_range=(0, 1), y_range=(0, 1), x_label="", y_label="").line(
                [0.0, 1.0], np.zeros((2, 2)), over=["a"], style="pink"
            ),
            "style: expected one of",
        ),
    ],
)
def test_a_bad_description_names_the_argument(build: Callable[[Figure], Any], message: str) -> None:
    figure = Figure("demo", caption="c")
    figure.slider("a", "a", [0.0, 1.0], default=0)
    with pytest.raises(FigureSpecError, match=re.escape(message)):
        build(figure)


def test_a_figure_shown_in_a_block_lands_after_it_and_only_once() -> None:
    page = """\
```python run
from docrun.interactive import Figure
figure = Figure("demo", caption="Shown once.")
figure.plot("p", x_range=(0, 1), y_range=(0, 1), x_label="x", y_label="y").line([0, 1], [0, 1])
figure.show()
```

```python run
print("no figure here")
```
"""
    result = check_page(page, "docs/demo.md")
    assert result.failures == []
    html = insert_figures(result.markdown, result.figures)
    assert html.count('<figure class="docrun-figure mlfig" id="demo">') == 1
    assert html.index('<figure class="docrun-figure mlfig"') < html.index("no figure here")


def polyline_distance(points: np.ndarray, d: str) -> np.ndarray:
    """Each point's distance to the polyline that an SVG path "M x y x y …" draws."""
    vertices = np.array([float(v) for v in d.removeprefix("M").split()]).reshape(-1, 2)
    starts, ends = vertices[:-1], vertices[1:]
    step = ends - starts
    lengths = np.maximum((step**2).sum(axis=1), 1e-300)
    offset = points[:, None, :] - starts[None, :, :]
    along = np.clip((offset * step[None]).sum(axis=2) / lengths[None], 0.0, 1.0)
    nearest = starts[None] + along[..., None] * step[None]
    return np.sqrt(((points[:, None, :] - nearest) ** 2).sum(axis=2)).min(axis=1)


@pytest.mark.parametrize(
    "curve",
    [lambda x: -np.log(x), lambda x: -np.log1p(-x), lambda x: 1 / (1 + np.exp(-30 * (x - 0.5)))],
)
def test_a_drawn_curve_stays_within_a_tenth_of_a_unit_of_every_point(
    curve: Callable[[np.ndarray], np.ndarray],
) -> None:
    figure = Figure("demo", caption="c")
    plot = figure.plot("p", x_range=(0, 1), y_range=(0, 5), x_label="x", y_label="y")
    x = np.linspace(0.0005, 0.9995, 1999)
    y = curve(x)
    plot.line(x, y)
    d = re.search(r'class="line c1" d="([^"]*)"', figure.html())
    assert d is not None
    inside = y <= 5.0  # what lies above the plot is clipped away
    points = np.column_stack([plot._x(x[inside]), plot._y(y[inside])])
    # The path keeps few of the 1999 points, yet stays this close to each (0.05 for the
    # coordinates' one decimal).
    assert d.group(1).count(" ") < 400
    assert polyline_distance(points, d.group(1)).max() <= 0.1 + 0.05 * np.sqrt(2)
