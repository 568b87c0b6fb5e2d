"""The notebook page carries only the CSS that applies to it, and looks the same for it.

mkdocs-jupyter puts JupyterLab's whole stylesheet (575 KB) inline in the notebook page;
the stylesheets hook (docrun/src/docrun/stylesheets.py) cuts it with PurgeCSS to the rules
the page can use. Here the page as built is compared in Chromium with the same page given
back the stylesheets mkdocs-jupyter wrote: every computed style of every element must be
equal, in both palettes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from mkdocs_jupyter.nbconvert2 import nb2html
from sitekit import Site
from test_site import page_with  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parent.parent.parent
NOTEBOOK = ROOT / "docs" / "notebooks" / "original-article.ipynb"
STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)

# Every computed property of every element of the content (custom properties aside: the
# variables a page does not use are what PurgeCSS removes), one string per element, kept
# in the page so that only differences travel back. Material adds a copy button to a code
# block once it has come into view (content.lazy), at a moment of its own; it floats over
# the block, and is left out.
SNAPSHOT_JS = """() => [...document.querySelectorAll(".md-content *")]
  .filter((el) => !el.closest(".md-code__nav"))
  .map((el) => {
    const style = getComputedStyle(el);
    return [...style].filter((name) => !name.startsWith("--"))
      .map((name) => `${name}: ${style.getPropertyValue(name)}`).join("\\n");
  })"""

# Keep a snapshot of the page as built, give the notebook's <style> elements back the
# stylesheets mkdocs-jupyter wrote, and report each element whose style then differs.
COMPARE_JS = (
    """(sheets) => {
  const snapshot = """
    + SNAPSHOT_JS
    + """;
  const before = snapshot();
  const styles = document.querySelectorAll(".md-content style");
  if (styles.length !== sheets.length) return {error: `${styles.length} <style> elements`};
  styles.forEach((style, k) => { style.textContent = sheets[k]; });
  const after = snapshot();
  if (after.length !== before.length) return {error: "the element count changed"};
  const differences = [];
  before.forEach((text, k) => {
    if (text === after[k]) return;
    const was = text.split("\\n"), now = after[k].split("\\n");
    differences.push([k, was.filter((line, i) => line !== now[i]).slice(0, 5)]);
  });
  return {elements: before.length, differences: differences.slice(0, 20)};
}"""
)


@pytest.fixture(scope="module")
def original_css() -> list[str]:
    """The stylesheets mkdocs-jupyter writes into this notebook's page."""
    return STYLE.findall(nb2html(str(NOTEBOOK), execute=False))


def test_the_notebook_page_keeps_a_small_part_of_its_css(
    site: Site, original_css: list[str]
) -> None:
    path = page_with(site, "notebooks/")
    built = STYLE.findall((site.root / path / "index.html").read_text(encoding="utf-8"))
    assert len(built) == len(original_css)
    kept, whole = sum(map(len, built)), sum(map(len, original_css))
    assert whole > 500_000
    assert kept < whole / 10, f"{kept} of {whole} characters of CSS kept"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_notebook_page_looks_as_with_all_its_css(
    browser: Any, site: Site, original_css: list[str], scheme: str
) -> None:
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(site.url(page_with(site, "notebooks/")), wait_until="networkidle")
        found = page.evaluate(COMPARE_JS, original_css)
    finally:
        context.close()
    assert found.get("error") is None, found
    assert found["elements"] > 1000
    assert found["differences"] == []
