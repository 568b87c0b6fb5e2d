"""What the browser tests, the screenshot script and the page benchmark share.

A built site is served from a thread on 127.0.0.1 (any free port), its pages are found by
walking the HTML files, and Debian's Chromium is launched headless through Playwright
(Playwright's own browser download does not work everywhere, the system one does).
"""

from __future__ import annotations

import base64
import functools
import gzip
import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_HOW_TO = "on Debian, `sudo apt-get install chromium` puts it at /usr/bin/chromium"
# Headless, and nothing the browser would fetch on its own (updates, sync, safe browsing),
# so every request we see comes from the page.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORT = {"width": 1280, "height": 900}
# The pages whose displayed equations the build checks, each under a mark (details.docrun-check).
PAGES_WITH_EQUATIONS = [
    "notebooks/original-article/",
    "prediction/",
    "error/",
    "gradient/",
    "gradient-descent/",
    "squared-errors/",
    "errata/",
    "reference/",
]


@dataclass(frozen=True)
class Site:
    """A built site as served: where it lies, where it answers, which pages it has."""

    root: Path
    base_url: str
    paths: list[str]

    def url(self, path: str) -> str:
        return self.base_url + path


# What a static host such as GitHub Pages sends gzip-compressed (fonts in woff2 already are).
COMPRESSIBLE = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".ipynb", ".ttf"}


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site's files quietly, text gzip-compressed when asked to."""

    compress_text = False

    def do_GET(self) -> None:
        file = Path(self.translate_path(self.path))
        if file.is_dir():
            file = file / "index.html"
        if not file.exists() and (Path(self.directory) / "404.html").is_file():
            self.send_not_found_page(Path(self.directory) / "404.html")
            return
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        compress = self.compress_text and accepts_gzip and file.suffix in COMPRESSIBLE
        if not file.is_file() or not compress:
            super().do_GET()
            return
        body = gzip.compress(file.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(file)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_not_found_page(self, page: Path) -> None:
        """A missing path gets the site's 404.html with status 404, as GitHub Pages does.

        The page is served at whatever address was asked for, however deep, so its own
        links must not be relative to where it lies.
        """
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(site_dir: Path, *, compress_text: bool = False) -> Iterator[str]:
    """Serve site_dir on 127.0.0.1 for the duration of the block; yields the base URL.

    compress_text=True gzips text as a static host would (for measuring page weight).
    """
    if not (site_dir / "index.html").is_file():
        raise ValueError(f"site_dir must be a built site with an index.html, got {site_dir}")

    class Handler(_SiteHandler):  # a class of its own, so its settings are this server's
        pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(site_dir))
    )
    server.daemon_threads = True
    Handler.compress_text = compress_text
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def page_paths(site_dir: Path) -> list[str]:
    """Every page of the site as a URL path relative to its root ("" is the home page).

    Found by walking the HTML files, so a page missing from the navigation is still tested;
    404.html is the server's error page, not a page of the site.
    """
    paths = []
    for html in sorted(site_dir.rglob("*.html")):
        relative = html.relative_to(site_dir).as_posix()
        if relative == "404.html":
            continue
        paths.append(relative.removesuffix("index.html"))
    if "" not in paths:
        raise ValueError(f"{site_dir} has no index.html: not a built site")
    return paths


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless, through Playwright."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing; {CHROMIUM_HOW_TO}")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


FRAMES_JS = "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


# The switch palette.js also uses: every block laid out, none skipped.
UNSKIP_CSS = ":root { --docrun-skip: visible; }"


def unskip_every_block(page: Any, *, scripts: bool = True) -> None:
    """Turn the skipping of far blocks off, so that every block of the content is laid out.

    The browser skips the blocks far off screen (content-visibility: auto, see
    docs/stylesheets/layout.css): a skipped block is not laid out, so it has no size, no
    innerText, draws no glyph (its fonts are not loaded) and axe-core cannot see its
    colours. A check that reads the whole page shows it all first, as a reader who
    scrolled through it would see it. Waits for two frames and for the fonts the blocks
    draw with (scripts=False for a page without JavaScript: a screenshot waits for a
    frame).
    """
    # Not add_style_tag, which waits for the <style>'s load event, a page script.
    page.evaluate(
        "(css) => document.head.append(Object.assign(document.createElement('style'), "
        "{ textContent: css }))",
        UNSKIP_CSS,
    )
    if scripts:
        page.evaluate(FRAMES_JS)
        page.evaluate("document.fonts.ready.then(() => true)")
    else:
        page.screenshot()
        page.screenshot()


def show_every_block(page: Any, *, scripts: bool = True) -> None:
    """Make the viewport as tall as the page, keeping its width, so that no block of the
    content is off screen, and every block is laid out *with* its containment (for the
    checks of what containment changes; other checks use unskip_every_block, cheaper).
    The page's height changes as skipped blocks take their real size: repeated until it
    holds.

    Each step waits for the browser to draw two frames; scripts=False for a page without
    JavaScript, where requestAnimationFrame never runs: a screenshot waits for a frame.
    """
    width = page.viewport_size["width"]
    for _ in range(10):
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": width, "height": height})
        if scripts:
            page.evaluate(FRAMES_JS)
        else:
            page.screenshot()
            page.screenshot()
        if page.evaluate("document.documentElement.scrollHeight") == height:
            return
    raise AssertionError(f"{page.url}: the page's height does not settle")


# Where two screenshots (base64 PNG) differ, decoded by the browser.
PIXELS_DIFFER_JS = """async ([before, after]) => {
  const decode = async (png) => {
    const response = await fetch(`data:image/png;base64,${png}`);
    return createImageBitmap(await response.blob());
  };
  const [a, b] = await Promise.all([decode(before), decode(after)]);
  if (a.width !== b.width || a.height !== b.height) {
    return `size ${a.width}x${a.height} -> ${b.width}x${b.height}`;
  }
  const [w, h] = [a.width, a.height];
  const data = (bitmap) => {
    const context = new OffscreenCanvas(w, h).getContext("2d");
    context.drawImage(bitmap, 0, 0);
    return context.getImageData(0, 0, w, h).data;
  };
  const [p, q] = [data(a), data(b)];
  let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
  for (let i = 0; i < p.length; i += 4) {
    // A channel off by a few levels is rounding in the rasteriser (large tiles of the
    // same page are not always rastered alike).
    // (Written out, not mapped over the channels: this loop runs over millions of pixels.)
    const off = Math.max(
      Math.abs(p[i] - q[i]), Math.abs(p[i + 1] - q[i + 1]), Math.abs(p[i + 2] - q[i + 2]));
    if (off <= 24) continue;
    const [x, y] = [(i / 4) % w, Math.floor(i / 4 / w)];
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  }
  return x1 < 0 ? "" : `pixels differ from (${x0}, ${y0}) to (${x1}, ${y1})`;
}"""


def pixels_differ(page: Any, before: bytes, after: bytes) -> str:
    """Where two screenshots differ, or "" when they do not."""
    pngs = [base64.b64encode(shot).decode("ascii") for shot in (before, after)]
    return str(page.evaluate(PIXELS_DIFFER_JS, pngs))


def rewrite_page(page: Any, url: str, edit: Callable[[str], str]) -> None:
    """Serve the page at url to page with its HTML passed through edit (for the checks
    that compare the page as built with the page without one of the build's steps)."""

    def rewrite(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=edit(response.text()))

    page.route(url, rewrite)


# Material's bundle defines document$ (and its other streams) as it is evaluated.
BUNDLE_LOADED_JS = "() => typeof document$ !== 'undefined'"


def load_materials_bundle(page: Any) -> None:
    """Ask for search as a reader would (a click in the search box, which sits in the
    header of a wide window), so that javascripts/search.js loads Material's bundle; wait
    until it has run and its components have had two frames, then close the search."""
    page.click("input.md-search__input")
    page.wait_for_function(BUNDLE_LOADED_JS)
    page.evaluate(FRAMES_JS)
    page.keyboard.press("Escape")
