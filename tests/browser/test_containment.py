"""Blocks the browser skips off screen (content-visibility: auto, stylesheets/layout.css)
look exactly as they would without it, and only blocks far below the first screen are
skipped, so that loading a page shifts nothing.

content-visibility: auto turns on layout and paint containment even when a block is shown:
a child's margin no longer collapses through the block's edge (the block grows), and
what a child draws outside the block is cut off (paint containment clips at the block's
padding box, plus its overflow-clip-margin). So every page is laid out with and without
the rule, in a viewport as tall as the page (every block near the viewport, none
skipped), with every block of the content under the rule (not only the ones the build
marked far, which depend on the text before them): every element of the content must
have the same box; and with every focus ring drawn, the page must show the same pixels
with the blocks' clip as without it. At a phone's width only: neither a margin collapsing
through a block's edge nor a block's clip depends on the width, and these whole-page
comparisons are the slowest part of the test suite (the desktop's width added about 20 s).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sitekit
from sitekit import Site
from test_site import Visit, page_with, watch  # type: ignore[import-not-found]

from docrun import far

WIDTH = 412
# Every block of the content marked as far, so the rule applies wherever it may.
MARK_ALL_JS = f"""() => document.querySelectorAll(
  "{", ".join(f".{name} > *" for name in sorted(far.FLOW_CONTAINERS))}"
).forEach((el) => el.setAttribute("{far.ATTRIBUTE}", ""))"""
# The copy button's bar (.md-code__nav) is added by a script (javascripts/copy.js).
BOXES_JS = """() => [...document.querySelectorAll(".md-content *")]
  .filter((el) => !el.closest(".md-code__nav"))
  .map((el) => {
    const box = el.getBoundingClientRect();
    const text = el.textContent.trim().slice(0, 30);
    const where = `${el.tagName.toLowerCase()}.${el.className} "${text}"`;
    return [where, box.x + scrollX, box.y + scrollY, box.width, box.height];
  })"""
CONTAINED_JS = """() => [...document.querySelectorAll(".md-content *")]
  .filter((el) => getComputedStyle(el).contentVisibility === "auto").length"""
# Every focus ring drawn at once, with Material's offset and colour for a focused element
# (its .focus-visible rules). Chromium draws outline: auto only around the focused
# element, so each ring is drawn solid, 3 px wide: as far out as Chromium's own.
FOCUS_RINGS_JS = """() => {
  const focusable = "a[href], summary, button, input, select, textarea, [tabindex]";
  document.querySelectorAll(`.md-content :is(${focusable})`)
    .forEach((el) => el.classList.add("focus-visible"));
  const style = document.createElement("style");
  style.textContent = ".md-content .focus-visible { outline: 3px solid; }";
  document.head.append(style);
}"""
# The rule off: no element skipped or contained.
WITHOUT = "* { content-visibility: visible !important; }"
# The rule with nothing clipped. Compared with the page without the rule, a block under it
# may paint its text a pixel up or down (it is painted from a whole pixel); compared with
# itself unclipped, only what its clip cuts off differs.
# (Only the blocks: an inline SVG, such as KaTeX's tall delimiters, clips at its own
# overflow-clip-margin too.)
UNCLIP_JS = """() => document.querySelectorAll(".md-content *").forEach((el) => {
  if (getComputedStyle(el).contentVisibility !== "auto") return;
  el.style.setProperty("overflow-clip-margin", "100vw", "important");
})"""
FRAMES = sitekit.FRAMES_JS


def moved(before: list[list[Any]], after: list[list[Any]]) -> list[str]:
    assert [box[0] for box in before] == [box[0] for box in after]
    return [
        f"{a[0]}: {a[1:]} -> {b[1:]}"
        for a, b in zip(before, after, strict=True)
        if max(abs(p - q) for p, q in zip(a[1:], b[1:], strict=True)) > 0.1
    ]


def compare(page: Any, url: str, extra_css: str = "") -> dict[str, Any]:
    """Boxes and pixels of the page with the rule and without it."""
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(url, wait_until="networkidle")
    page.evaluate(MARK_ALL_JS)
    if extra_css:
        page.add_style_tag(content=extra_css)
    page.evaluate(FOCUS_RINGS_JS)
    sitekit.show_every_block(page)
    # Measured before any getComputedStyle call, which would lay out a skipped block.
    boxes = page.evaluate(BOXES_JS)
    # Transitions finished: a copy button fades to its focused colour over 250 ms.
    shot = page.screenshot(animations="disabled")
    contained = page.evaluate(CONTAINED_JS)
    page.evaluate(UNCLIP_JS)
    page.evaluate(FRAMES)
    clipped = sitekit.pixels_differ(page, shot, page.screenshot(animations="disabled"))
    page.add_style_tag(content=WITHOUT)
    page.evaluate(FRAMES)
    assert page.evaluate(CONTAINED_JS) == 0
    return {
        "contained": contained,
        "moved": moved(boxes, page.evaluate(BOXES_JS)),
        "pixels": clipped,
    }


@pytest.fixture(scope="module")
def compared(browser: Any, site: Site) -> dict[str, dict[str, Any]]:
    """{page: comparison} for every page."""
    context = browser.new_context()
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        watch(page, Visit("(containment)"), site.base_url)
        return {p or "(home)": compare(page, site.url(p)) for p in site.paths}
    finally:
        context.close()


def test_containment_moves_no_element(compared: dict[str, Any]) -> None:
    problems = {path: c["moved"][:5] for path, c in compared.items() if c["moved"]}
    assert problems == {}, json.dumps(problems, indent=1)
    # Not a vacuous pass: every page has blocks under the rule.
    assert all(c["contained"] > 0 for c in compared.values()), {
        p: c["contained"] for p, c in compared.items()
    }


def test_containment_cuts_off_nothing(compared: dict[str, Any]) -> None:
    """The same pixels with the blocks' clip and without it, every focus ring drawn:
    nothing a block holds is cut off at its edge (layout.css gives the clip a margin)."""
    problems = {path: c["pixels"] for path, c in compared.items() if c["pixels"]}
    assert problems == {}, problems


def test_the_comparison_sees_what_containment_would_change(browser: Any, site: Site) -> None:
    """Not a vacuous pass: containing a code block's .highlight, whose <pre> has margins
    that collapse through it, moves what follows; and with no clip margin the focus ring
    of the notebook link at the edge of its paragraph is cut off."""
    context = browser.new_context()
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        watch(page, Visit("(containment)"), site.base_url)
        url = site.url(page_with(site, "prediction"))
        grown = ".md-content__inner > div.highlight { content-visibility: auto; }"
        assert compare(page, url, grown)["moved"]
        clipped = ".md-content * { overflow-clip-margin: 0px !important; }"
        assert compare(page, url, clipped)["pixels"]
    finally:
        context.close()


# ---- only far blocks are skipped: loading shifts nothing ------------------------------

# (width, height) of a phone's and a desktop's viewport.
SCREENS = [(412, 915), (1280, 1000)]
SHIFTS_JS = """window.__shifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__shifts.push(entry.value);
  }
}).observe({ type: "layout-shift", buffered: true });"""
FIRST_FAR_JS = f"""() => {{
  const el = document.querySelector("[{far.ATTRIBUTE}]");
  return el ? el.getBoundingClientRect().top + scrollY : null;
}}"""
# Layout shift of a load (the sum of its shifts) allowed: blocks of the first screen
# skipped and then drawn shift the API reference by 0.12 on a phone (the self-check
# below); the notation table's rows move by up to 0.011 on some loads at 1280 px, with or
# without the rule (its columns widen as its rows come in). Lighthouse's "good" ends at 0.1.
SHIFT_LIMIT = 0.03


def load(browser: Any, url: str, screen: tuple[int, int], html: Any = None) -> dict[str, Any]:
    """A cold load of url: its layout shift, and how far down its first far block lies
    (every block shown), in px. html, if given, rewrites the page as served."""
    context = browser.new_context(viewport={"width": screen[0], "height": screen[1]})
    try:
        context.add_init_script(SHIFTS_JS)
        page = context.new_page()
        if html is not None:
            sitekit.rewrite_page(page, url, html)
        page.goto(url, wait_until="load")
        page.evaluate(sitekit.FRAMES_JS)
        page.wait_for_timeout(300)
        shift = sum(page.evaluate("window.__shifts"))
        page.add_style_tag(content=WITHOUT)
        page.evaluate(sitekit.FRAMES_JS)
        return {"shift": shift, "first far": page.evaluate(FIRST_FAR_JS)}
    finally:
        context.close()


@pytest.fixture(scope="module")
def loads(browser: Any, site: Site) -> dict[tuple[int, int], dict[str, dict[str, Any]]]:
    return {
        screen: {p or "(home)": load(browser, site.url(p), screen) for p in site.paths}
        for screen in SCREENS
    }


@pytest.mark.parametrize("screen", SCREENS)
def test_far_blocks_start_below_the_first_screen(
    loads: dict[Any, Any], screen: tuple[int, int]
) -> None:
    """The first block the build marks far lies at least far.FAR_PX down (its estimate is a
    lower bound), more than a screen: no block of the first screen is skipped."""
    pages = loads[screen]
    near = {
        p: c["first far"]
        for p, c in pages.items()
        if c["first far"] is not None and c["first far"] < far.FAR_PX
    }
    assert near == {}
    assert screen[1] < far.FAR_PX
    # Not a vacuous pass: the long pages have far blocks.
    assert sum(c["first far"] is not None for c in pages.values()) >= len(pages) // 2, pages


@pytest.mark.parametrize("screen", SCREENS)
def test_loading_a_page_shifts_nothing(loads: dict[Any, Any], screen: tuple[int, int]) -> None:
    pages = loads[screen]
    shifted = {p: c["shift"] for p, c in pages.items() if c["shift"] > SHIFT_LIMIT}
    assert shifted == {}


def test_the_shift_check_sees_blocks_skipped_on_the_first_screen(browser: Any, site: Site) -> None:
    """Not a vacuous pass: with every block marked far, as though it lay off screen, the
    blocks of the first screen are drawn at their placeholder size first and then at
    their own, and the API reference's load shifts."""
    url = site.url(page_with(site, "reference"))
    every = load(browser, url, SCREENS[0], html=lambda text: far.mark_far_blocks(text, far_px=0))
    assert every["shift"] > SHIFT_LIMIT, every
