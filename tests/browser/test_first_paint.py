"""What a first visit costs, in Chromium: the KaTeX fonts each page preloads are exactly
the ones its math draws with, the notebook page ships only the CSS that applies to it (and
what was cut changes no style), and no script holds back the first paint.

Timings and Lighthouse scores are not tested here (they depend on the machine); they are
measured by benchmarks/pages.py. So is whether the fonts arrive before the first layout:
Chromium waits only briefly for preloaded fonts, and on a machine with a load of 10 on two
cores they came late on three pages (equations resized after first paint).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sitekit import Site
from test_site import REVEAL_JS, Visit, new_page, page_with, watch  # type: ignore[import-not-found]

# The KaTeX fonts the page drew text in (every box opened, every tab shown): each loaded
# FontFace, mapped to its file through the @font-face rules of the page's stylesheets.
# A preload only fetches a file; a face turns "loaded" when text is laid out in it.
FONTS_USED_JS = """async () => {
  await document.fonts.ready;
  const files = new Map();
  for (const sheet of document.styleSheets) {
    let rules;
    try { rules = sheet.cssRules; } catch { continue; }
    for (const rule of rules) {
      if (!(rule instanceof CSSFontFaceRule)) continue;
      const style = rule.style;
      const key = [style.getPropertyValue("font-family").replace(/["']/g, ""),
                   style.getPropertyValue("font-style") || "normal",
                   style.getPropertyValue("font-weight") || "400"].join("|");
      const woff2 = style.getPropertyValue("src").match(/url\\(["']?([^"')]+\\.woff2)/);
      if (woff2) files.set(key, woff2[1].split("/").pop());
    }
  }
  const used = [];
  for (const face of document.fonts) {
    const family = face.family.replace(/["']/g, "");
    if (face.status !== "loaded" || !family.startsWith("KaTeX_")) continue;
    const weight = face.weight === "normal" ? "400" : face.weight === "bold" ? "700" : face.weight;
    const key = [family, face.style, weight].join("|");
    used.push(files.get(key) || key);
  }
  return used.sort();
}"""

PRELOADED_FONTS_JS = """() => [...document.querySelectorAll("head link[rel=preload][as=font]")]
  .map((link) => link.href.split("/").pop()).sort()"""


def pages_with_math(site: Site) -> list[str]:
    return [p for p in site.paths if 'class="katex"' in (site.root / p / "index.html").read_text()]


def test_each_page_preloads_exactly_the_fonts_its_math_draws_with(browser: Any, site: Site) -> None:
    context, _ = new_page(browser, "light")
    found = {}
    try:
        for path in pages_with_math(site):
            page = context.new_page()
            watch(page, Visit(path), site.base_url)
            page.goto(site.url(path), wait_until="networkidle")
            page.evaluate(REVEAL_JS)
            used = page.evaluate(FONTS_USED_JS)
            preloaded = page.evaluate(PRELOADED_FONTS_JS)
            if used != preloaded:
                found[path or "(home)"] = {"draws with": used, "preloads": preloaded}
            page.close()
    finally:
        context.close()
    assert found == {}, json.dumps(found, indent=1)
    # Not a vacuous pass: the pages with math were visited, and they use several fonts.
    assert len(pages_with_math(site)) >= 8


def test_the_404_page_preloads_no_font(site: Site) -> None:
    assert 'rel="preload"' not in (site.root / "404.html").read_text(encoding="utf-8")


def test_no_script_blocks_the_parser(site: Site) -> None:
    """Every script with a src is deferred: none stops the HTML parser before first paint."""
    blocking = {}
    for path in site.paths:
        text = (site.root / path / "index.html").read_text(encoding="utf-8")
        tags = re.findall(r"<script\b[^>]*\bsrc=[^>]*>", text)
        late = [tag for tag in tags if not re.search(r"\b(defer|async)\b", tag)]
        if late:
            blocking[path or "(home)"] = late
    assert blocking == {}


# ---- the notebook page's CSS --------------------------------------------------------------

# Every element's computed style, and its ::before and ::after, as one string each
# (custom properties aside: the pruned page drops those that no kept rule reads).
STYLES_JS = """async () => {
  await document.fonts.ready;  // and two frames, so that nothing is still settling
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    for (const pseudo of [null, "::before", "::after"]) {
      const style = getComputedStyle(el, pseudo);
      const values = [];
      for (let k = 0; k < style.length; k++) {
        // Custom properties are left out: one that nothing reads draws nothing.
        const name = style[k];
        if (!name.startsWith("--")) values.push(name + ":" + style.getPropertyValue(name));
      }
      out.push(values.join(";"));
    }
  }
  return out;
}"""

INLINE_CSS_JS = """() => [...document.querySelectorAll("style")]
  .reduce((n, s) => n + s.textContent.length, 0)"""


def mkdocs_jupyter_css() -> list[str]:
    """The stylesheets mkdocs-jupyter inlines into a notebook page (light theme)."""
    spec = importlib.util.find_spec("mkdocs_jupyter")
    assert spec is not None
    assert spec.origin is not None
    assets = Path(spec.origin).parent / "templates" / "mkdocs_html" / "assets"
    return [
        (assets / name).read_text(encoding="utf-8") for name in ("index.css", "theme-light.css")
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_notebook_page_keeps_only_css_that_applies(
    browser: Any, site: Site, scheme: str
) -> None:
    """The page ships a small part of mkdocs-jupyter's stylesheets, and adding back all of
    them changes the computed style of no element (nor of its ::before and ::after)."""
    path = page_with(site, "notebooks/")
    original = mkdocs_jupyter_css()
    context, page = new_page(browser, scheme)
    try:
        watch(page, Visit(path), site.base_url)
        page.goto(site.url(path), wait_until="networkidle")
        page.evaluate(REVEAL_JS)
        # No transitions: a colour caught halfway (Material fades palette changes in) would
        # differ between the two readings for no fault of the CSS.
        page.add_style_tag(content="*, ::before, ::after { transition: none !important; }")
        shipped = page.evaluate(INLINE_CSS_JS)
        pruned = page.evaluate(STYLES_JS)
        for css in original:
            page.add_style_tag(content=css)
        full = page.evaluate(STYLES_JS)
    finally:
        context.close()
    assert len(pruned) == len(full) > 1000
    changed = [k for k, (a, b) in enumerate(zip(pruned, full, strict=True)) if a != b]
    assert changed == [], f"{len(changed)} elements style differently with the full CSS"
    assert shipped < sum(len(css) for css in original) / 10, shipped
