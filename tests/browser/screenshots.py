"""Full-page screenshots of every page of a built site, light and dark.

    python tests/browser/screenshots.py SITE_DIR OUT_DIR

writes OUT_DIR/<page>-light.png and OUT_DIR/<page>-dark.png for each page (home is
"home"), and OUT_DIR/readme.png: the top of the prediction page in the light palette, a
window's worth rather than the whole page, the picture the README shows. `make screenshots`
builds the site and runs this into screenshots/, which git ignores.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import sitekit

README_PAGE = "prediction/"


def shot_name(path: str) -> str:
    """A file name for the page at path: "" -> "home", "notebooks/x/" -> "notebooks-x"."""
    return path.strip("/").replace("/", "-") or "home"


def settle(page: Any, url: str) -> None:
    """Load url and wait until its fonts are in, so the picture is what a reader sees."""
    page.goto(url, wait_until="networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")


def take(browser: Any, base_url: str, paths: list[str], out_dir: Path) -> list[Path]:
    written = []
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, viewport=sitekit.VIEWPORT)
        page = context.new_page()
        for path in paths:
            settle(page, base_url + path)
            target = out_dir / f"{shot_name(path)}-{scheme}.png"
            page.screenshot(path=str(target), full_page=True)
            written.append(target)
        if scheme == "light" and README_PAGE in paths:
            settle(page, base_url + README_PAGE)
            target = out_dir / "readme.png"
            page.screenshot(path=str(target))
            written.append(target)
        context.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site_dir", type=Path, help="a built site (mkdocs build --site-dir)")
    parser.add_argument("out_dir", type=Path, help="where the PNG files go")
    args = parser.parse_args(argv)
    if not sitekit.CHROMIUM.exists():
        print(f"{sitekit.CHROMIUM} is missing; {sitekit.CHROMIUM_HOW_TO}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    args.out_dir.mkdir(parents=True, exist_ok=True)
    with sitekit.serve(args.site_dir) as base_url, sync_playwright() as playwright:
        browser = sitekit.launch(playwright)
        written = take(browser, base_url, sitekit.page_paths(args.site_dir), args.out_dir)
        browser.close()
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
