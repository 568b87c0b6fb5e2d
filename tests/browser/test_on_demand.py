"""Material's bundle is loaded on demand, and what a reader sees without it still works.

A page does not run Material's bundle while it loads (overrides/main.html): at 4x,
Lighthouse put 430-920 ms of main-thread time on it per page. javascripts/search.js loads it
when the reader asks for search; javascripts/reading.js, copy.js and a11y.js do what it did
for a reader who only reads. These tests ask for search each way a reader can, and check
each thing the bundle used to do: on the real site, in Chromium.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import sitekit
from sitekit import Site
from test_site import Visit, page_with, watch  # type: ignore[import-not-found]

BUNDLE_LOADED_JS = sitekit.BUNDLE_LOADED_JS
PHONE = {"width": 412, "height": 823}


def open_page(browser: Any, site: Site, path: str, **context_options: Any) -> tuple[Any, Any]:
    """(context, page) with page showing path, loaded; the bundle must not be fetched yet."""
    context = browser.new_context(viewport=sitekit.VIEWPORT, **context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    visit = Visit(path)
    watch(page, visit, site.base_url)
    page.goto(site.url(path), wait_until="networkidle")
    assert visit.console_errors == [], visit.console_errors
    assert not any(name.startswith("bundle.") for name in visit.scripts), visit.scripts
    assert not page.evaluate(BUNDLE_LOADED_JS)
    return context, page


def results(page: Any) -> list[str]:
    page.wait_for_selector(".md-search-result__item")
    return page.eval_on_selector_all(
        ".md-search-result__item > .md-search-result__link", "links => links.map((a) => a.href)"
    )


def ask_by_click(page: Any) -> None:
    page.click("input.md-search__input")


def ask_by_slash(page: Any) -> None:
    page.keyboard.press("/")


def ask_by_s(page: Any) -> None:
    page.keyboard.press("s")


@pytest.mark.parametrize("ask", [ask_by_click, ask_by_slash, ask_by_s])
def test_asking_for_search_loads_the_bundle_and_finds(browser: Any, site: Site, ask: Any) -> None:
    """Clicking the search box, or Material's keys "/" and "s", load the bundle; the words
    typed at once, before it has arrived, find the page that defines them."""
    context, page = open_page(browser, site, "")
    try:
        ask(page)
        assert page.evaluate("document.activeElement.matches('input.md-search__input')")
        page.keyboard.type("sigmoid")
        page.wait_for_function(BUNDLE_LOADED_JS)
        found = results(page)
        assert urlsplit(found[0]).path.endswith("/" + page_with(site, "prediction")), found
    finally:
        context.close()


def test_on_a_phone_the_header_button_opens_search(browser: Any, site: Site) -> None:
    context, page = open_page(
        browser, site, page_with(site, "gradient/"), is_mobile=True, has_touch=True
    )
    try:
        page.set_viewport_size(PHONE)
        page.tap("label.md-header__button[for=__search]")
        assert page.evaluate("document.activeElement.matches('input.md-search__input')")
        page.keyboard.type("gradient")
        assert len(results(page)) >= 3
    finally:
        context.close()


def test_a_search_result_highlights_its_words_on_arrival(browser: Any, site: Site) -> None:
    """search.highlight: a result's link carries the words (?h=); the page it opens loads
    the bundle at once, which marks them. Not a vacuous pass: without ?h=, no marks."""
    context, page = open_page(browser, site, page_with(site, "prediction"))
    try:
        assert page.locator(".md-content mark").count() == 0
        page.goto(site.url(page_with(site, "prediction")) + "?h=sigmoid")
        page.wait_for_function(BUNDLE_LOADED_JS)
        page.wait_for_selector(".md-content mark")
        marked = page.eval_on_selector_all(".md-content mark", "ms => ms.map((m) => m.textContent)")
        assert {word.lower() for word in marked} == {"sigmoid"}, marked
    finally:
        context.close()


def test_n_and_p_follow_the_next_and_previous_pages(browser: Any, site: Site) -> None:
    path = page_with(site, "gradient/")
    context, page = open_page(browser, site, path)
    try:
        following = {
            rel: page.get_attribute(f"link[rel={rel}]", "href") for rel in ("prev", "next")
        }
        for key, rel in (("n", "next"), ("p", "prev")):
            page.goto(site.url(path))
            page.keyboard.press(key)
            page.wait_for_url(lambda url: urlsplit(url).path != urlsplit(site.url(path)).path)
            expected = urlsplit(urljoin(site.url(path), str(following[rel]))).path
            assert urlsplit(page.url).path == expected, key
    finally:
        context.close()


# ---- what the bundle did for a reader who only reads ------------------------------------

# The table of contents beside the content (a narrow screen has it in the drawer too).
TOC = ".md-sidebar--secondary [data-toc] a.md-nav__link"
TOC_JS = f"""() => [...document.querySelectorAll("{TOC}")].map((a) => ({{
  passed: a.classList.contains("md-nav__link--passed"),
  active: a.classList.contains("md-nav__link--active"),
}}))"""


SETTLED_JS = """() => new Promise((resolve) => {
  let last = -1;
  const check = () => (scrollY === last ? resolve() : ((last = scrollY), setTimeout(check, 100)));
  check();
})"""


# How far the k-th heading of the table of contents is from where following its link puts
# it (its scroll-margin-top, Material's 3.6rem).
LANDED_JS = f"""(k) => {{
  const a = document.querySelectorAll("{TOC}")[k];
  const heading = document.getElementById(decodeURIComponent(a.hash.slice(1)));
  const margin = parseFloat(getComputedStyle(heading).scrollMarginTop);
  return heading.getBoundingClientRect().top - margin;
}}"""


@pytest.mark.parametrize("part", ["prediction", "reference"])
def test_the_table_of_contents_marks_the_section_being_read(
    browser: Any, site: Site, part: str
) -> None:
    """Following the k-th link of the table of contents puts its heading just under the
    header, even when the blocks above it were skipped (laid out, they push it down by a
    third of the screen on the API reference), marks links 0..k as reached and k as the
    one being read, and nothing after it; at the end of the page every section is
    reached. The same once the bundle has loaded: it must leave the table alone."""
    context, page = open_page(browser, site, page_with(site, part))
    try:
        count = len(page.evaluate(TOC_JS))
        assert count >= 5
        for loaded in (False, True):
            if loaded:
                sitekit.load_materials_bundle(page)
            for k in (1, count // 2, count - 1):
                page.locator(TOC).nth(k).click()
                page.evaluate(SETTLED_JS)
                page.evaluate(sitekit.FRAMES_JS)
                at_end = page.evaluate(
                    "innerHeight + scrollY >= document.documentElement.scrollHeight - 1"
                )
                if not at_end:
                    assert page.evaluate(LANDED_JS, k) == pytest.approx(0, abs=2), (part, k)
                reached = count if at_end else k + 1
                expected = [
                    {"passed": j < reached, "active": j == reached - 1} for j in range(count)
                ]
                assert page.evaluate(TOC_JS) == expected, (part, loaded, k, at_end)
    finally:
        context.close()


def test_a_page_opened_at_a_heading_shows_it_just_under_the_header(
    browser: Any, site: Site
) -> None:
    path = page_with(site, "reference")
    context, page = open_page(browser, site, path)
    try:
        count = len(page.evaluate(TOC_JS))
        k = count * 2 // 3
        target = page.locator(TOC).nth(k).get_attribute("href")
        page.goto("about:blank")
        page.goto(site.url(path) + str(target), wait_until="load")
        page.evaluate(SETTLED_JS)
        assert page.evaluate(LANDED_JS, k) == pytest.approx(0, abs=2)
    finally:
        context.close()


def test_the_header_shows_the_title_once_the_heading_is_under_it(browser: Any, site: Site) -> None:
    context, page = open_page(browser, site, page_with(site, "prediction"))
    try:
        active = (
            "() => document.querySelector('.md-header__title')"
            ".classList.contains('md-header__title--active')"
        )
        assert not page.evaluate(active)
        page.mouse.wheel(0, 600)
        page.wait_for_function(active)
        page.evaluate("scrollTo(0, 0)")
        page.wait_for_function(f"() => !({active})()")
    finally:
        context.close()


def test_back_to_top_shows_while_scrolling_up_and_goes_to_the_top(browser: Any, site: Site) -> None:
    context, page = open_page(browser, site, page_with(site, "prediction"))
    try:
        hidden = "() => document.querySelector('[data-top]').hidden"
        page.mouse.wheel(0, 3000)
        page.wait_for_timeout(300)
        assert page.evaluate(hidden), "shown while scrolling down"
        page.mouse.wheel(0, -200)
        page.wait_for_function(f"() => !({hidden})()")
        page.click("[data-top]")
        page.wait_for_function("() => scrollY === 0")
        page.wait_for_function(hidden)
    finally:
        context.close()


def test_the_open_tab_is_underlined(browser: Any, site: Site) -> None:
    """The underline (Material's, drawn from two custom properties) spans the open tab's
    label, for each tab opened in turn."""
    context, page = open_page(browser, site, page_with(site, "prediction"))
    try:
        tabs = page.locator(".tabbed-set").first
        tabs.scroll_into_view_if_needed()
        labels = tabs.locator(".tabbed-labels > label")
        assert labels.count() >= 2
        for k in [1, 0, labels.count() - 1]:
            labels.nth(k).click()
            page.wait_for_timeout(300)  # the underline slides over 250 ms
            line = tabs.evaluate(
                """(set) => {
                  const labels = set.querySelector(".tabbed-labels");
                  const line = getComputedStyle(labels, "::before");
                  const box = labels.getBoundingClientRect();
                  const x = new DOMMatrix(line.transform).m41 + box.left;
                  return {width: parseFloat(line.width), x};
                }"""
            )
            label = labels.nth(k).bounding_box()
            assert line["width"] == pytest.approx(label["width"], abs=1), k
            assert line["x"] == pytest.approx(label["x"], abs=1), k
    finally:
        context.close()


def test_each_code_block_has_one_copy_button_before_and_after_the_bundle(
    browser: Any, site: Site
) -> None:
    context, page = open_page(browser, site, page_with(site, "prediction"))
    try:
        count = """() => [...document.querySelectorAll(".md-content pre")]
          .map((pre) => pre.querySelectorAll("button[data-md-type=copy]").length)"""
        before = page.evaluate(count)
        assert len(before) >= 10
        assert set(before) == {1}, before
        sitekit.load_materials_bundle(page)
        sitekit.unskip_every_block(page)
        page.mouse.wheel(0, 5000)
        page.wait_for_timeout(300)
        assert page.evaluate(count) == before
    finally:
        context.close()


# Focuses the first shown element matching selector, from the keyboard's side: whether it
# got Material's "focus-visible" class, and the outline of what draws its ring (the label
# of a palette option, which is itself hidden).
FOCUS_JS = """(selector) => {
  const element = document.querySelector(selector);
  element.focus();
  const ring = element.matches(".md-option") ? element.nextElementSibling : element;
  return {
    focused: document.activeElement === element,
    marked: element.classList.contains("focus-visible"),
    outline: getComputedStyle(ring).outlineStyle,
  };
}"""


@pytest.mark.parametrize(
    "selector", ["a.md-header__button.md-logo", ".md-typeset summary", "input.md-option"]
)
def test_a_keyboard_focus_shows_its_ring(browser: Any, site: Site, selector: str) -> None:
    """Material's stylesheet hides the ring of these unless the element has the class
    "focus-visible"; a11y.js sets it from the browser's :focus-visible."""
    context, page = open_page(browser, site, page_with(site, "error/"))
    try:
        page.keyboard.press("Tab")  # the keyboard is what the reader uses
        found = page.evaluate(FOCUS_JS, selector)
        assert found == {"focused": True, "marked": True, "outline": found["outline"]}, found
        assert found["outline"] != "none", found
    finally:
        context.close()


def test_a_click_focus_shows_no_ring(browser: Any, site: Site) -> None:
    """Not a vacuous pass for the test above: a <summary> focused by a click is not
    marked, as :focus-visible does not match it."""
    context, page = open_page(browser, site, page_with(site, "error/"))
    try:
        summary = page.locator(".md-typeset summary").first
        summary.scroll_into_view_if_needed()
        summary.click()
        assert page.evaluate("() => document.activeElement.matches('summary')")
        assert not page.evaluate("() => document.activeElement.classList.contains('focus-visible')")
    finally:
        context.close()
