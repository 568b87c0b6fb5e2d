"""What a first visit costs, in Chromium: the KaTeX fonts each page preloads are exactly
the ones its math draws with, and no script holds back the first paint.

Timings and Lighthouse scores are not tested here (they depend on the machine); they are
measured by benchmarks/pages.py. So is whether the fonts arrive before the first layout:
Chromium waits only briefly for preloaded fonts, and on a machine with a load of 10 on two
cores they came late on three pages (equations resized after first paint).
"""

from __future__ import annotations

import json
import re
from typing import Any

import sitekit
from sitekit import Site
from test_site import REVEAL_JS, Visit, new_page, watch  # type: ignore[import-not-found]

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
            sitekit.unskip_every_block(page)
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
    """Every script with a src that the browser runs is deferred: none stops the HTML
    parser before first paint. The one it does not run is Material's bundle, held with a
    type of its own until search asks for it (overrides/main.html)."""
    blocking, held = {}, {}
    for path in site.paths:
        text = (site.root / path / "index.html").read_text(encoding="utf-8")
        tags = re.findall(r"<script\b[^>]*\bsrc=[^>]*>", text)
        inert = [tag for tag in tags if 'type="text/x-on-demand"' in tag]
        late = [
            tag for tag in tags if tag not in inert and not re.search(r"\b(defer|async)\b", tag)
        ]
        if late:
            blocking[path or "(home)"] = late
        held[path or "(home)"] = [re.sub(r".*/", "", tag) for tag in inert]
    assert blocking == {}
    assert {names[0].split(".")[0] for names in held.values() if len(names) == 1} == {"bundle"}
    assert all(len(names) == 1 for names in held.values()), held
