"""The marks under checked equations, in Chromium: there on every page with display math,
opened from the keyboard, read by a screen reader, and working without JavaScript. That
they are legible in light and dark is checked by test_site.py's visits, whose axe run
has every mark open and reports any finding inside one, whatever its impact."""

from __future__ import annotations

from typing import Any

import pytest
import sitekit
from sitekit import Site
from test_site import Visit, new_page, watch  # type: ignore[import-not-found]

MARKS_JS = """
() => [...document.querySelectorAll('details.docrun-check')].map(d => ({
  label: d.querySelector('summary').innerText.trim(),
  text: d.querySelector('p') ? d.querySelector('p').textContent.trim() : '',
  // The equation it checks comes right before it (in a notebook, inside a paragraph).
  afterMath: !!d.previousElementSibling &&
             (d.previousElementSibling.matches('.arithmatex, .katex-display') ||
              !!d.previousElementSibling.querySelector('.katex-display')),
}))
"""


def open_page(
    browser: Any, site: Site, path: str, scheme: str, **options: Any
) -> tuple[Any, Any, Visit]:
    context, page = new_page(browser, scheme)
    if options:
        context.close()
        context = browser.new_context(color_scheme=scheme, viewport=sitekit.VIEWPORT, **options)
        page = context.new_page()
    visit = Visit(path)
    watch(page, visit, site.base_url)
    page.goto(site.url(path), wait_until="networkidle")
    return context, page, visit


@pytest.mark.parametrize("path", sitekit.PAGES_WITH_EQUATIONS)
def test_checked_equations_carry_a_mark_that_says_what_was_checked(
    browser: Any, site: Site, path: str
) -> None:
    context, page, visit = open_page(browser, site, path, "light")
    try:
        marks = page.evaluate(MARKS_JS)
        checked = [m for m in marks if m["label"].endswith("Checked at build")]
        assert checked, f"{path}: no checked equation carries a mark"
        for mark in checked:
            assert "equals" in mark["text"] or "SymPy" in mark["text"], mark
            assert mark["afterMath"], mark
        assert visit.console_errors == []
        assert visit.foreign_requests == []
    finally:
        context.close()


def test_a_mark_opens_from_the_keyboard_and_is_announced(browser: Any, site: Site) -> None:
    context, page, _ = open_page(browser, site, "prediction/", "light")
    try:
        summary = page.locator("details.docrun-check summary").first
        summary.focus()
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
        page.keyboard.press("Enter")
        details = page.locator("details.docrun-check").first
        assert details.get_attribute("open") is not None
        assert "max relative error" in details.locator("p").inner_text()
        # What a screen reader is given: the summary's name (the tick is hidden from it).
        snapshot = page.locator("details.docrun-check").first.aria_snapshot()
        assert "Checked at build" in snapshot
        assert "✓" not in snapshot
        page.keyboard.press("Enter")
        assert details.get_attribute("open") is None
    finally:
        context.close()


def test_marks_work_without_javascript(browser: Any, site: Site) -> None:
    context, page, _ = open_page(browser, site, "gradient/", "light", java_script_enabled=False)
    try:
        summary = page.locator("details.docrun-check summary").first
        summary.click()
        assert page.locator("details.docrun-check").first.get_attribute("open") is not None
    finally:
        context.close()
