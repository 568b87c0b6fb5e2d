"""Search and math in Chromium: results read as text, a page's main terms land on the
section that explains them, and math in a heading is rendered in the table of contents.

The search tests type into Material's search box on the real site and read the results as
a reader sees them; the heading test serves a small built project of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sitekit
from mkdocs_build import ARITHMATEX, KATEX, build, make_project
from sitekit import Site

# TeX left in text: its delimiters or a command, and nbconvert's heading pilcrow.
RAW = re.compile(r"\\[()\[\]]|\\[A-Za-z]+|¶")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=sitekit.VIEWPORT)
    yield context.new_page()
    context.close()


def search(page: Any, site: Site, query: str) -> list[dict[str, Any]]:
    """Type ``query`` into the search box; the results once they stop changing, best
    first, each with its links (the page, then its sections) and its text."""
    page.goto(site.url(""))
    page.click("input.md-search__input")
    page.keyboard.type(query)
    page.wait_for_selector(".md-search-result__item")
    read = """items => items.map((item) => ({
        links: Array.from(item.querySelectorAll("a")).map((a) => a.href),
        text: item.innerText,
    }))"""
    # The worker answers each key press; wait until two reads agree.
    previous: list[dict[str, Any]] = []
    for _ in range(20):
        results: list[dict[str, Any]] = page.eval_on_selector_all(".md-search-result__item", read)
        if results == previous:
            return results
        previous = results
        page.wait_for_timeout(250)
    raise AssertionError(f"the results for {query!r} never settled")


@pytest.mark.parametrize(
    ("query", "section"),
    [
        ("learning rate", "gradient-descent/#how-big-a-step"),
        ("delta rule", "squared-errors/#the-delta-rule"),
        ("cross entropy", "error/#the-formula"),
    ],
)
def test_a_main_term_lands_on_the_section_that_explains_it(
    site: Site, page: Any, query: str, section: str
) -> None:
    results = search(page, site, query)
    best = results[0]
    first_section = next(link for link in best["links"] if "#" in link)
    where = urlsplit(first_section)
    ranking = [urlsplit(r["links"][0]).path for r in results]
    assert f"{where.path.lstrip('/')}#{where.fragment}" == section, ranking
    # Enter takes the reader to the first result's page.
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urlsplit(url).path == where.path)


@pytest.mark.parametrize("query", ["delta rule", "cross entropy", "sigmoid", "notebook"])
def test_search_results_read_as_text(site: Site, page: Any, query: str) -> None:
    results = search(page, site, query)
    raw = [m.group() for r in results for m in RAW.finditer(r["text"])]
    assert raw == [], [r["text"][:300] for r in results if RAW.search(r["text"])]


def test_the_search_index_has_no_raw_tex(built_site: Path) -> None:
    index = json.loads((built_site / "search" / "search_index.json").read_text("utf-8"))
    # Code keeps its text as written (a docstring may show TeX on purpose).
    prose = [
        (
            doc["location"],
            re.sub(r"<(pre|code)>.*?</\1>", "", doc["title"] + doc["text"], flags=re.S),
        )
        for doc in index["docs"]
    ]
    found = {where: RAW.findall(text) for where, text in prose if RAW.search(text)}
    assert found == {}
    texts = " ".join(text for _, text in prose)
    assert "δ^μ_j" in texts  # the delta rule's error term, as text
    assert "max(h, 0) - h y" in texts  # the stable cross-entropy, as text


HEADINGS = """\
# The slope $\\sigma'(h)$

Text.

## Where $h < 0$

More text with $x$.
"""


def test_heading_math_shows_rendered_in_the_table_of_contents(tmp_path: Path, browser: Any) -> None:
    pages = {"index.md": "# Home\n", "slope.md": HEADINGS}
    extensions = [{"toc": {"permalink": True}}, ARITHMATEX]
    make_project(tmp_path, pages, plugins=[KATEX], extensions=extensions, site_name="headings")
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr
    context = browser.new_context(viewport=sitekit.VIEWPORT)
    try:
        tab = context.new_page()
        with sitekit.serve(tmp_path / "site") as base_url:
            tab.goto(base_url + "slope/")
            toc = tab.locator(".md-nav--secondary a[href='#where-h-0']").first
            assert toc.locator(".katex").count() == 1
            assert "\\(" not in toc.inner_text()
            assert tab.title() == "The slope σ'(h) - headings"
            # The navigation on the home page names the page in text.
            tab.goto(base_url)
            nav = tab.locator(".md-nav--primary a[href='slope/']").first
            assert nav.inner_text().strip() == "The slope σ'(h)"
    finally:
        context.close()
