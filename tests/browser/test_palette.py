"""The palette reaches the blocks the browser skips off screen.

A block under content-visibility: auto (stylesheets/layout.css) is not restyled while it
is skipped: had the palette changed while it was off screen, it would keep the old colours
until the reader scrolled near it, then fade to the new ones through Material's colour
transitions. So the palette must be in force before the first paint on a first visit
(overrides/main.html), and a switch must restyle the skipped blocks too (palette.js turns
the skipping off while it switches).
"""

from __future__ import annotations

from typing import Any

from sitekit import VIEWPORT, Site
from test_site import Visit, page_with, watch  # type: ignore[import-not-found]

FRAMES = "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
# The last code block of the page: off screen at the top of a long page.
LAST_CODE = (
    "[...document.querySelectorAll('.md-content__inner > div.highlight > pre > code')].at(-1)"
)
SKIPPED_JS = f"() => !{LAST_CODE}.checkVisibility({{ contentVisibilityAuto: true }})"
# Scrolls the last code block into view and reports, once it has been drawn, its colours
# and the animations running in the content (a colour transition is one).
SHOWN_JS = f"""async () => {{
  const code = {LAST_CODE};
  code.scrollIntoView({{ block: "center" }});
  await {FRAMES};
  const style = getComputedStyle(code);
  return {{
    colours: [style.backgroundColor, style.color],
    animations: document.getAnimations()
      .filter((a) => a.effect && a.effect.target && a.effect.target.closest(".md-content"))
      .map((a) => `${{a.effect.target.tagName}} ${{a.transitionProperty || a.animationName}}`),
  }};
}}"""
COLOURS_JS = f"""() => {{
  const style = getComputedStyle({LAST_CODE});
  return [style.backgroundColor, style.color];
}}"""
# The colours once any transition would have ended (Material's take 125 ms).
SETTLED_JS = f"""async () => {{
  await new Promise((r) => setTimeout(r, 500));
  return ({COLOURS_JS})();
}}"""


def open_page(browser: Any, site: Site, color_scheme: str, *, block: str = "") -> tuple[Any, Any]:
    """A first visit to the prediction page; block: a script of the site not to load."""
    context = browser.new_context(color_scheme=color_scheme, viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch(page, Visit("(palette)"), site.base_url)
    if block:
        page.route(f"**/{block}", lambda route: route.abort())
    page.goto(site.url(page_with(site, "prediction")), wait_until="networkidle")
    page.evaluate(FRAMES)
    return context, page


def test_a_first_visit_takes_the_system_s_palette_before_any_script_of_the_site(
    browser: Any, site: Site
) -> None:
    """With no choice stored and a system that prefers dark, the page is dark without
    palette.js (the inline script at the top of <body> did it), and nothing is stored."""
    context, page = open_page(browser, site, "dark", block="javascripts/palette.js")
    try:
        assert page.evaluate("document.body.dataset.mdColorScheme") == "slate"
        stored = page.evaluate("Object.keys(localStorage).filter((k) => k.endsWith('__palette'))")
        assert stored == []
    finally:
        context.close()


def test_a_first_visit_in_dark_shows_the_blocks_off_screen_dark_at_once(
    browser: Any, site: Site
) -> None:
    context, page = open_page(browser, site, "dark")
    try:
        assert page.evaluate(SKIPPED_JS), "the last code block was not skipped: nothing tested"
        shown = page.evaluate(SHOWN_JS)
        assert shown["animations"] == []
        assert shown["colours"] == page.evaluate(SETTLED_JS)
    finally:
        context.close()


def test_a_switch_reaches_the_blocks_off_screen(browser: Any, site: Site) -> None:
    """After the reader switches palette, a code block that was skipped shows the new
    colours as soon as it is scrolled into view, with no transition running."""
    context, page = open_page(browser, site, "light")
    try:
        light = page.evaluate(COLOURS_JS)
        assert page.evaluate("document.body.dataset.mdColorScheme") == "default"
        page.evaluate("scrollTo(0, 0)")
        page.evaluate(FRAMES)
        assert page.evaluate(SKIPPED_JS), "the last code block was not skipped: nothing tested"
        page.click("form[data-palette] label:not([hidden])")
        page.evaluate(FRAMES)
        assert page.evaluate("document.body.dataset.mdColorScheme") == "slate"
        assert page.evaluate(SKIPPED_JS), "the switch left the block laid out: nothing tested"
        shown = page.evaluate(SHOWN_JS)
        assert shown["animations"] == []
        dark = page.evaluate(SETTLED_JS)
        assert shown["colours"] == dark
        assert dark[0] != light[0]
    finally:
        context.close()
