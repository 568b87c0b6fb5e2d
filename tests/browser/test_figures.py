"""The interactive figures in Chromium: keyboard, mlmath's numbers, no script, less motion.

Each figure is driven the way a reader without a mouse would: focus a slider, press arrow
keys. The numbers it then shows are read from the page and compared with mlmath's own
values for that position, computed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import sitekit
from sitekit import Site
from test_site import Visit, new_page, page_with, watch

from mlmath import error_formula, gradient_descent, lipschitz_constant, predict, score

FIGURES = {
    "prediction": "sigmoid-explorer",
    "error/": "error-explorer",
    "gradient-descent/": "descent-explorer",
}


def minus(text: str) -> str:
    """The page writes negative numbers with a real minus sign."""
    return text.replace("-", "\u2212")


@pytest.fixture
def visit() -> Visit:
    return Visit("(figures)")


@pytest.fixture
def page(browser: Any, site: Site, visit: Visit) -> Iterator[Any]:
    context, page = new_page(browser, "light")
    watch(page, visit, site.base_url)
    yield page
    context.close()


def open_figure(page: Any, site: Site, part: str) -> Any:
    page.goto(site.url(page_with(site, part)), wait_until="load")
    figure = page.locator(f"#{FIGURES[part]}")
    # The script shows the controls once it has set the figure up.
    figure.locator(".mlfig-controls").wait_for(state="visible")
    figure.scroll_into_view_if_needed()
    return figure


def move_to(page: Any, figure: Any, slider: str, text: str) -> None:
    """Focus the slider and press arrow keys until it shows ``text`` (Home first)."""
    control = figure.locator(f"input#{figure.get_attribute('id')}-{slider}")
    output = figure.locator(f"output[for='{control.get_attribute('id')}']")
    control.focus()
    page.keyboard.press("Home")
    for _ in range(int(control.get_attribute("max")) + 1):
        if output.inner_text() == text:
            assert control.get_attribute("aria-valuetext").endswith(f"= {text}")
            return
        page.keyboard.press("ArrowRight")
    raise AssertionError(f"slider {slider} never showed {text!r}")


def readouts(figure: Any) -> dict[str, str]:
    spans = figure.locator(".mlfig-readout")
    return {
        text.split(": ")[0]: text.split(": ")[1]
        for text in (spans.nth(k).inner_text() for k in range(spans.count()))
    }


def drawing(figure: Any) -> list[str]:
    return figure.locator("svg path[id]").evaluate_all("(ps) => ps.map((p) => p.getAttribute('d'))")


@pytest.mark.parametrize("part", list(FIGURES))
def test_each_slider_moved_by_keyboard_changes_the_figure(
    site: Site, page: Any, visit: Visit, part: str
) -> None:
    figure = open_figure(page, site, part)
    sliders = figure.locator("input[type=range]")
    assert sliders.count() >= 1
    for k in range(sliders.count()):
        slider = sliders.nth(k)
        # A visible label names it for screen readers; its value is shown as text.
        label = figure.locator(f"label[for='{slider.get_attribute('id')}']")
        assert label.is_visible()
        assert label.inner_text().strip()
        output = figure.locator(f"output[for='{slider.get_attribute('id')}']")
        before = (drawing(figure), readouts(figure), output.inner_text())
        slider.focus()
        page.keyboard.press("Home" if slider.get_attribute("value") != "0" else "End")
        after = (drawing(figure), readouts(figure), output.inner_text())
        assert after[0] != before[0], "the drawing did not change"
        assert after[2] != before[2], "the slider's value text did not change"
        assert slider.get_attribute("aria-valuetext").endswith(f"= {after[2]}")
    assert visit.console_errors == []
    assert visit.foreign_requests == []


def test_prediction_figure_shows_mlmath_s_numbers(site: Site, page: Any, visit: Visit) -> None:
    figure = open_figure(page, site, "prediction")
    move_to(page, figure, "w", "2.5")
    move_to(page, figure, "b", minus("-1.5"))
    shown = readouts(figure)
    assert shown["score h at x = 2"] == minus(f"{score(2.5, 2.0, -1.5):.2f}")
    assert shown["prediction ŷ at x = 2"] == f"{predict(2.5, 2.0, -1.5):.4f}"
    assert visit.console_errors == []
    assert visit.foreign_requests == []


def test_error_figure_shows_mlmath_s_numbers(site: Site, page: Any, visit: Visit) -> None:
    figure = open_figure(page, site, "error/")
    move_to(page, figure, "y_hat", "0.25")
    shown = readouts(figure)
    assert shown["error if y = 1"] == f"{error_formula(1, 0.25):.4f}"
    assert shown["error if y = 0"] == f"{error_formula(0, 0.25):.4f}"
    assert visit.console_errors == []
    assert visit.foreign_requests == []


def test_descent_figure_shows_mlmath_s_numbers(site: Site, page: Any, visit: Visit) -> None:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    names = list(data.feature_names)
    X = data.data[:, [names.index("worst radius"), names.index("worst concave points")]]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = data.target.astype(float)
    learn_rate = 10 / lipschitz_constant(X)

    figure = open_figure(page, site, "gradient-descent/")
    move_to(page, figure, "eta", "10 × 1/L")
    move_to(page, figure, "epoch", "50")
    shown = readouts(figure)
    errors = gradient_descent(X, y, learn_rate=learn_rate, epochs=50).errors
    assert shown["learning rate η"] == f"{learn_rate:.4g}"
    assert shown["E at this epoch"] == f"{errors[50]:.4f}"
    # At epoch 0 the weights are zero: there is no boundary to draw yet.
    move_to(page, figure, "epoch", "0")
    assert shown != readouts(figure)
    assert readouts(figure)["E at this epoch"] == f"{np.log(2):.4f}"
    assert visit.console_errors == []
    assert visit.foreign_requests == []


@pytest.mark.parametrize("part", list(FIGURES))
def test_the_figure_is_there_without_javascript(browser: Any, site: Site, part: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site.url(page_with(site, part)))
        sitekit.unskip_every_block(page, scripts=False)
        figure = page.locator(f"#{FIGURES[part]}")
        assert figure.locator("figcaption").inner_text().strip()
        svgs = figure.locator("svg.mlfig-plot")
        assert svgs.count() >= 1
        for k in range(svgs.count()):
            box = svgs.nth(k).bounding_box()
            assert box is not None
            assert box["width"] > 100
            assert box["height"] > 50
            caption_id = figure.locator("figcaption").get_attribute("id")
            assert svgs.nth(k).get_attribute("aria-labelledby") == caption_id
        assert any(d for d in drawing(figure)), "the default frame draws nothing"
        # Controls that could not work stay hidden.
        assert not figure.locator(".mlfig-controls").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize(("motion", "duration"), [("no-preference", "0.15s"), ("reduce", "0s")])
def test_frames_glide_only_when_the_reader_allows_motion(
    browser: Any, site: Site, motion: str, duration: str
) -> None:
    context = browser.new_context(reduced_motion=motion)
    page = context.new_page()
    try:
        page.goto(site.url(page_with(site, "prediction")))
        moving = page.locator("#sigmoid-explorer svg path[id]").first
        assert moving.evaluate("(p) => getComputedStyle(p).transitionDuration") == duration
    finally:
        context.close()
