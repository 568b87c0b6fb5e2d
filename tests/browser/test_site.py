"""The built site in a real browser (Debian's Chromium through Playwright).

Every page is visited once in the light palette and once in the dark one; each visit
records what the checks below need (console errors, every request, the text, the math,
the figures, the links and ids, axe-core's findings). The checks then report every page
that fails, not just the first. The site-wide behaviours (palette, search, following a
link to another page, the notebook page) get a fresh browser context each.
"""

from __future__ import annotations

import code
import contextlib
import io
import json
import re
import traceback
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
import sitekit
from sitekit import Site

# TeX that a reader should never see: display and inline delimiters, and the commands the
# pages use. Code blocks are left out (a page may show TeX source on purpose), and so is
# KaTeX's MathML annotation, which keeps the source for screen readers.
RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\)|\\\[|\\\]"
    r"|\\(?:frac|hat|sigma|partial|sum|prod|nabla|math\w+|boldsymbol|text|left|right|cdot"
    r"|times|log|exp|ln|sqrt|begin|end|leq|geq|approx|in|mu|eta|top|operatorname)\b"
)
SERIOUS = {"serious", "critical"}

TEXT_JS = """() => {
  const skip = "pre, code, script, style, noscript, template, .katex-mathml";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.closest(skip)) parts.push(node.data);
  }
  return parts.join(" ");
}"""

# For each KaTeX expression: is there MathML with the TeX as annotation (what a screen
# reader reads), the visual HTML, and KaTeX's stylesheet (which hides the MathML copy)?
MATH_JS = """() => ({
  errors: document.querySelectorAll(".katex-error").length,
  equations: [...document.querySelectorAll(".katex")].map((k) => {
    const mathml = k.querySelector(":scope > .katex-mathml");
    return {
      tex: (k.querySelector("annotation") || k).textContent.slice(0, 60),
      mathml: !!(mathml && mathml.querySelector("math annotation[encoding='application/x-tex']")),
      html: !!k.querySelector(":scope > .katex-html"),
      styled: !!mathml && getComputedStyle(mathml).position === "absolute",
    };
  }),
})"""

# Images must decode; inline SVG figures in the content must have a box and a drawing.
# Icons (buttons, permalinks, emoji) are the theme's, not figures.
OPEN_DETAILS_JS = (
    """() => document.querySelectorAll("details").forEach((d) => { d.open = true; })"""
)
FIGURES_JS = """async () => {
  const images = [...document.images];
  images.forEach((img) => { img.loading = "eager"; });
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  const broken = images.filter((img) => img.naturalWidth === 0)
    .map((img) => "img " + (img.currentSrc || img.src));
  const icon = ".md-icon, .twemoji, .headerlink, button, label, .md-content__button, .md-source";
  let figures = 0;
  for (const svg of document.querySelectorAll(".md-content svg")) {
    if (svg.parentElement.closest("svg") || svg.closest(icon)) continue;
    if (svg.closest(".tabbed-block") && !svg.checkVisibility()) continue;  // inactive tab
    figures += 1;
    const box = svg.getBoundingClientRect();
    if (box.width < 1 || box.height < 1 || svg.childElementCount === 0) {
      broken.push("svg " + (svg.getAttribute("aria-label") || svg.outerHTML.slice(0, 80)));
    }
  }
  return { broken, images: images.length, figures };
}"""

LINKS_JS = """() => ({
  links: [...document.querySelectorAll("a[href]")].map((a) => a.href),
  ids: [...document.querySelectorAll("[id], a[name]")].map((e) => e.id || e.getAttribute("name")),
})"""

# axe-core's violations on the whole page; and, whatever their impact, those inside the
# marks under checked equations (details.docrun-check, open like every box), with how many
# marks were open, so that a page with none does not pass unseen.
AXE_JS = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  const inMark = (node) =>
    !!document.querySelector(node.target[0])?.closest("details.docrun-check");
  const summary = (v, nodes) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: nodes.slice(0, 3).map((n) => n.target.join(" ")),
  });
  return {
    violations: result.violations.map((v) => summary(v, v.nodes)),
    in_marks: result.violations.filter((v) => v.nodes.some(inMark))
      .map((v) => summary(v, v.nodes.filter(inMark))),
    marks_open: document.querySelectorAll("details.docrun-check[open]").length,
  };
}"""


# A path the site does not have, two folders deep: the server answers with 404.html, as
# GitHub Pages does, and that page must work from any depth.
MISSING = "no/such/page/"

# The site's figures in the palette in use: each caption, and every colour a figure draws
# in (text, and shapes that cover much of it) against the page's background.
FIGURE_COLOURS_JS = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const contrast = (a, b) => {
    const [x, y] = [luminance(rgb(a)), luminance(rgb(b))].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const opaque = (c) => c && c !== "none" && !/, 0\\)$/.test(c);  // rgba(…, 0) is see-through
  const page = getComputedStyle(document.body).backgroundColor;
  return [...document.querySelectorAll(".md-content figure.docrun-figure")].map((figure) => {
    const svg = figure.querySelector("svg");
    const caption = figure.querySelector("figcaption");
    const labelled = svg && svg.getAttribute("aria-labelledby");
    const area = svg.getBoundingClientRect();
    const text = [...svg.querySelectorAll("text")]
      .map((t) => contrast(getComputedStyle(t).fill, page));
    const boxes = [...svg.querySelectorAll("path, rect")].filter((shape) => {
      const box = shape.getBoundingClientRect();
      return box.width * box.height > 0.5 * area.width * area.height
        && opaque(getComputedStyle(shape).fill);
    }).map((shape) => contrast(getComputedStyle(shape).fill, page));
    return {
      caption: caption ? caption.textContent.trim() : "",
      named_by_caption: !!caption && labelled === caption.id,
      text_contrast: text.length ? Math.min(...text) : null,
      box_contrast: boxes.length ? Math.max(...boxes) : null,
    };
  });
}"""


@dataclass
class Visit:
    """What one page showed the browser."""

    path: str
    scheme: str = ""
    status: int = 0
    header_position: str = ""
    figure_colours: list[dict[str, Any]] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    text: str = ""
    math: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    axe: list[dict[str, Any]] = field(default_factory=list)
    axe_in_marks: list[dict[str, Any]] = field(default_factory=list)
    marks_open: int = 0
    features: list[str] = field(default_factory=list)


def same_origin(url: str, base_url: str) -> bool:
    return urlsplit(url)[:2] == urlsplit(base_url)[:2]


def watch(page: Any, visit: Visit, base_url: str) -> None:
    """Record console errors and failed responses; record and block other origins."""

    def on_console(message: Any) -> None:
        # The browser reports the 404 of a missing page; its status is checked on its own.
        if message.location.get("url") == page.url and visit.status == 404:
            return
        if message.type == "error":
            visit.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_response(response: Any) -> None:
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            visit.status = response.status  # the page itself (404 for a missing one)
        elif response.status >= 400:
            visit.failed_responses.append(f"{response.status} {response.url}")

    def route(route: Any) -> None:
        url = route.request.url
        if route.request.resource_type == "script":
            visit.scripts.append(url.rsplit("/", 1)[-1])
        if same_origin(url, base_url) or urlsplit(url).scheme in {"data", "blob"}:
            route.continue_()
        else:
            # Blocked, so a test never waits on a network that is not there.
            visit.foreign_requests.append(url)
            route.abort()

    page.on("console", on_console)
    page.on("pageerror", lambda error: visit.console_errors.append(f"uncaught: {error}"))
    page.on("response", on_response)
    page.route("**/*", route)


def new_page(browser: Any, color_scheme: str) -> tuple[Any, Any]:
    context = browser.new_context(color_scheme=color_scheme, viewport=sitekit.VIEWPORT)
    # Everything is local: a step that takes 10 s is a failure, not a slow network.
    context.set_default_timeout(10_000)
    return context, context.new_page()


def visit_every_page(browser: Any, site: Site, color_scheme: str) -> dict[str, Visit]:
    context, _ = new_page(browser, color_scheme)
    visits = {}
    try:
        for path in [*site.paths, MISSING]:
            visit = Visit(path)
            page = context.new_page()
            watch(page, visit, site.base_url)
            page.goto(site.url(path), wait_until="networkidle")
            # Every box open, every block laid out: the checks below read all of it.
            page.evaluate(OPEN_DETAILS_JS)
            sitekit.unskip_every_block(page)
            visit.scheme = page.evaluate("document.body.dataset.mdColorScheme || ''")
            visit.header_position = page.evaluate(
                "getComputedStyle(document.querySelector('.md-header')).position"
            )
            visit.figure_colours = page.evaluate(FIGURE_COLOURS_JS)
            visit.features = page.evaluate(
                "JSON.parse(document.getElementById('__config')?.textContent || '{}')"
                ".features || []"
            )
            visit.text = page.evaluate(TEXT_JS)
            visit.math = page.evaluate(MATH_JS)
            visit.figures = page.evaluate(FIGURES_JS)
            found = page.evaluate(LINKS_JS)
            visit.links, visit.ids = found["links"], set(found["ids"])
            page.add_script_tag(path=str(sitekit.AXE))
            found_by_axe = page.evaluate(AXE_JS)
            visit.axe, visit.axe_in_marks = found_by_axe["violations"], found_by_axe["in_marks"]
            visit.marks_open = found_by_axe["marks_open"]
            page.close()
            visits[path] = visit
    finally:
        context.close()
    return visits


@pytest.fixture(scope="session")
def light(browser: Any, site: Site) -> dict[str, Visit]:
    return visit_every_page(browser, site, "light")


@pytest.fixture(scope="session")
def dark(browser: Any, site: Site) -> dict[str, Visit]:
    return visit_every_page(browser, site, "dark")


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    """A fresh context and page for one site-wide test, with other origins blocked."""
    context, page = new_page(browser, "light")
    watch(page, Visit("(test)"), site.base_url)
    yield page
    context.close()


def failures(visits: dict[str, Visit], problems: Any) -> dict[str, Any]:
    """{page: its problems} for the pages that have any."""
    found = {path or "(home)": problems(visit) for path, visit in visits.items()}
    return {path: problem for path, problem in found.items() if problem}


def raw_tex(text: str) -> list[str]:
    return [text[max(m.start() - 30, 0) : m.end() + 30] for m in RAW_TEX.finditer(text)]


def math_problems(math: dict[str, Any]) -> list[str]:
    problems = [f"{math['errors']} KaTeX error(s)"] if math["errors"] else []
    for eq in math["equations"]:
        missing = [part for part in ("html", "mathml", "styled") if not eq[part]]
        if missing:
            problems.append(f"{eq['tex']!r} lacks {', '.join(missing)}")
    return problems


def page_with(site: Site, part: str) -> str:
    matches = [path for path in site.paths if part in path]
    assert len(matches) == 1, f"expected one page whose path has {part!r}, found {matches}"
    return matches[0]


# ---- every page --------------------------------------------------------------------------


def test_every_page_is_in_the_navigation(site: Site, light: dict[str, Visit]) -> None:
    assert len(site.paths) >= 2, site.paths
    home = light[""]
    nav = {
        link.removeprefix(site.base_url)
        for link in home.links
        if same_origin(link, site.base_url) and "#" not in link
    }
    assert set(site.paths) <= nav, f"pages not linked from the home page: {set(site.paths) - nav}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_console_errors(scheme: str, request: pytest.FixtureRequest) -> None:
    visits = request.getfixturevalue(scheme)
    assert failures(visits, lambda v: v.console_errors) == {}


def test_no_request_goes_to_another_origin(light: dict[str, Visit], dark: dict[str, Visit]) -> None:
    assert failures(light, lambda v: v.foreign_requests) == {}
    assert failures(dark, lambda v: v.foreign_requests) == {}


def test_no_page_fetches_materials_bundle_while_it_loads(
    light: dict[str, Visit], dark: dict[str, Visit]
) -> None:
    """The bundle waits for search (javascripts/search.js); the page's own scripts ran."""
    for visits in (light, dark):
        assert failures(visits, lambda v: [s for s in v.scripts if s.startswith("bundle.")]) == {}
        assert all("search.js" in v.scripts for p, v in visits.items() if p != MISSING)


def test_no_request_fails(light: dict[str, Visit]) -> None:
    assert failures(light, lambda v: v.failed_responses) == {}


def test_every_page_answers_and_a_missing_one_gets_the_styled_404_page(
    light: dict[str, Visit],
) -> None:
    expected = {path: 404 if path == MISSING else 200 for path in light}
    assert {path: visit.status for path, visit in light.items()} == expected
    # The 404 page is served two folders deep: its stylesheets still load (Material's
    # header sticks), and its fonts come from the site (no request elsewhere, none fails,
    # checked for every visit above).
    assert light[MISSING].header_position == "sticky"
    assert "404" in light[MISSING].text


def test_no_raw_tex_is_left_in_the_text(light: dict[str, Visit]) -> None:
    assert failures(light, lambda v: raw_tex(v.text)) == {}


def test_every_equation_is_rendered_and_accessible(site: Site, light: dict[str, Visit]) -> None:
    assert failures(light, lambda v: math_problems(v.math)) == {}
    # The pages that are about formulas must show some (not a silent absence of math).
    for part in ("prediction", "gradient/", "notebooks/"):
        path = page_with(site, part)
        assert light[path].math["equations"], f"{path} shows no rendered equation"


def test_every_image_and_figure_loads(site: Site, light: dict[str, Visit]) -> None:
    assert failures(light, lambda v: v.figures["broken"]) == {}
    # The training run is drawn (error per epoch, decision boundary): figures were seen.
    path = page_with(site, "gradient-descent/")
    assert light[path].figures["figures"] + light[path].figures["images"] > 0


def test_every_internal_link_and_anchor_resolves(site: Site, light: dict[str, Visit]) -> None:
    ids_of: dict[str, set[str] | None] = {site.url(p): v.ids for p, v in light.items()}

    def target_ids(url: str) -> set[str] | None:
        """The ids of the page at url (None when it is not HTML); raises when it is missing."""
        if url not in ids_of:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read()
                html = response.headers.get_content_type() == "text/html"
            text = body.decode("utf-8", "replace")
            ids_of[url] = set(re.findall(r'\s(?:id|name)="([^"]+)"', text)) if html else None
        return ids_of[url]

    def broken(visit: Visit) -> list[str]:
        problems = []
        for link in sorted(set(visit.links)):
            if not same_origin(link, site.base_url):
                host = urlsplit(link).hostname or ""
                if host in {"127.0.0.1", "localhost"}:
                    problems.append(f"{link}: points at a local server, not at the site")
                continue
            url, fragment = urldefrag(link)
            try:
                ids = target_ids(url)
            except urllib.error.HTTPError as error:
                problems.append(f"{link}: HTTP {error.code}")
                continue
            if fragment and ids is not None and unquote(fragment) not in ids:
                problems.append(f"{link}: no element with id {unquote(fragment)!r}")
        return problems

    assert failures(light, broken) == {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation(scheme: str, request: pytest.FixtureRequest) -> None:
    visits = request.getfixturevalue(scheme)
    expected = "default" if scheme == "light" else "slate"
    assert failures(visits, lambda v: [] if v.scheme == expected else [v.scheme]) == {}
    found = failures(visits, lambda v: [x for x in v.axe if x["impact"] in SERIOUS])
    assert found == {}, json.dumps(found, indent=1)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_at_all_in_the_open_equation_marks(
    scheme: str, request: pytest.FixtureRequest
) -> None:
    """The marks under checked equations, open, legible in both palettes: no axe finding of
    any impact inside one (the rest of the page is held to serious and critical)."""
    visits = request.getfixturevalue(scheme)
    assert failures(visits, lambda v: v.axe_in_marks) == {}
    # Not a vacuous pass: every page with checked equations had its marks open under axe.
    without = [path for path in sitekit.PAGES_WITH_EQUATIONS if not visits[path].marks_open]
    assert without == []


# ---- across the site ---------------------------------------------------------------------


def scheme_and_background(page: Any) -> tuple[str, str]:
    scheme, background = page.evaluate(
        "[document.body.dataset.mdColorScheme, getComputedStyle(document.body).backgroundColor]"
    )
    return scheme, background


def test_palette_toggle_switches_and_persists(site: Site, page: Any) -> None:
    page.goto(site.url(""))
    light_scheme, light_background = scheme_and_background(page)
    assert light_scheme == "default"
    page.click("form[data-palette] label:not([hidden])")
    dark_scheme, dark_background = scheme_and_background(page)
    assert dark_scheme == "slate"
    assert dark_background != light_background
    page.reload()
    assert scheme_and_background(page) == (dark_scheme, dark_background)
    other = next(path for path in site.paths if path)
    page.goto(site.url(other))
    assert scheme_and_background(page) == (dark_scheme, dark_background)


@pytest.mark.parametrize(("query", "part"), [("sigmoid", "prediction"), ("gradient", "gradient/")])
def test_search_lands_on_the_right_page(site: Site, page: Any, query: str, part: str) -> None:
    """Type the word, press Enter: the search takes the reader to its first result."""
    expected = page_with(site, part)
    page.goto(site.url(""))
    # Typed, not filled: the search box reacts to key presses. On a wide window it sits
    # in the header.
    page.click("input.md-search__input")
    page.keyboard.type(query)
    page.wait_for_selector(".md-search-result__item")
    links = page.eval_on_selector_all(
        ".md-search-result__item > .md-search-result__link", "links => links.map((a) => a.href)"
    )
    ranking = list(dict.fromkeys(urlsplit(link).path for link in links))  # pages, best first
    home = urlsplit(page.url).path
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urlsplit(url).path != home)
    landed = urlsplit(page.url).path
    assert landed == urlsplit(site.url(expected)).path, f"{query!r} ranks the pages {ranking}"


def test_following_a_link_renders_the_new_page_s_math(site: Site, page: Any) -> None:
    page.goto(site.url(""))
    instant = "navigation.instant" in page.evaluate(
        "JSON.parse(document.getElementById('__config').textContent).features"
    )
    page.evaluate("window.__not_reloaded = true")
    for part in ("prediction", "gradient/"):
        target = page_with(site, part)
        title = page.title()
        page.click(f".md-sidebar--primary a.md-nav__link[href$='{target}']")
        page.wait_for_url(site.url(target))
        page.wait_for_function(f"document.title !== {json.dumps(title)}")
        math = page.evaluate(MATH_JS)
        assert math["equations"], f"no equation on {target} after navigating there"
        assert math_problems(math) == []
        assert raw_tex(page.evaluate(TEXT_JS)) == []
    if instant:
        assert page.evaluate("window.__not_reloaded === true"), "the page was fully reloaded"


def test_notebook_page_shows_outputs_and_equations(site: Site, page: Any) -> None:
    path = page_with(site, "notebooks/")
    page.goto(site.url(path))
    outputs = page.locator(".jp-OutputArea-output")
    assert outputs.count() > 0, "the notebook page shows no cell output"
    assert any(text.strip() for text in outputs.all_inner_texts())
    assert "Traceback (most recent call last)" not in page.inner_text("body")
    math = page.evaluate(MATH_JS)
    assert math["equations"], "the notebook page shows no rendered equation"
    assert math_problems(math) == []
    assert raw_tex(page.evaluate(TEXT_JS)) == []
    assert page.locator("a[href$='.ipynb']").count() > 0, "no download link for the notebook"


# ---- figures ----------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_figures_follow_the_palette_and_carry_a_caption(
    scheme: str, site: Site, request: pytest.FixtureRequest
) -> None:
    visits = request.getfixturevalue(scheme)

    def problems(visit: Visit) -> list[str]:
        found = []
        for k, figure in enumerate(visit.figure_colours, start=1):
            if not figure["caption"] or not figure["named_by_caption"]:
                found.append(f"figure {k}: no caption naming it ({figure})")
            # WCAG AA: 4.5:1 for text; a filled box behind the drawing must be the page's
            # own background (a white box on the dark page is what this catches).
            if figure["text_contrast"] is None or figure["text_contrast"] < 4.5:
                found.append(f"figure {k}: text contrast {figure['text_contrast']}")
            if figure["box_contrast"] is not None and figure["box_contrast"] > 1.1:
                found.append(f"figure {k}: a box in contrast {figure['box_contrast']:.2f}")
        return found

    assert failures(visits, problems) == {}
    # The pages that draw figures were seen drawing them.
    for part in ("prediction", "gradient-descent/"):
        assert visits[page_with(site, part)].figure_colours, part


# ---- the copy button --------------------------------------------------------------------

# Shows the n-th Python session of the page (its details opened, its tab selected) and
# returns what it shows; Material adds its copy button once the block is in view.
SHOW_SESSION_JS = """(n) => {
  const block = [...document.querySelectorAll(".md-content .highlight")]
    .filter((b) => b.querySelector("pre > code .gp"))[n];
  for (let d = block.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
  const tab = block.closest(".tabbed-block");
  if (tab) {
    const index = [...tab.parentElement.children].indexOf(tab);
    tab.closest(".tabbed-set").querySelectorAll(":scope > input")[index].click();
  }
  document.querySelectorAll("[data-copy-test]").forEach((b) => b.removeAttribute("data-copy-test"));
  block.setAttribute("data-copy-test", "");
  return block.querySelector("pre > code").textContent;
}"""
SESSION_COUNT_JS = """() => [...document.querySelectorAll(".md-content .highlight")]
  .filter((b) => b.querySelector("pre > code .gp")).length"""


def copy_every_session(page: Any) -> list[tuple[str, str]]:
    """(shown, copied) for each Python session of the page, in page order."""
    copied = []
    for n in range(page.evaluate(SESSION_COUNT_JS)):
        shown = page.evaluate(SHOW_SESSION_JS, n)
        block = page.locator("[data-copy-test]")
        block.scroll_into_view_if_needed()
        page.evaluate("navigator.clipboard.writeText('')")
        block.locator("button[data-md-type=copy]").click()
        page.wait_for_function("async () => (await navigator.clipboard.readText()) !== ''")
        copied.append((shown, page.evaluate("navigator.clipboard.readText()")))
    return copied


class Console(code.InteractiveConsole):
    """Python's own interactive console, keeping what it would print instead."""

    def __init__(self) -> None:
        super().__init__({"__name__": "__console__"})
        self.syntax_errors: list[str] = []
        self.tracebacks: list[str] = []

    def showsyntaxerror(self, filename: str | None = None, **kwargs: Any) -> None:
        self.syntax_errors.append(traceback.format_exc(limit=0))

    def showtraceback(self) -> None:
        self.tracebacks.append(traceback.format_exc(limit=0))


def test_copy_button_copies_code_that_python_runs(browser: Any, site: Site) -> None:
    """Each session of the prediction page, copied and pasted into Python's interactive
    console in page order, line by line: no prompt, no output, no SyntaxError, and an
    exception only where the page shows a traceback."""
    context = browser.new_context(viewport=sitekit.VIEWPORT)
    context.set_default_timeout(10_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.base_url)
    try:
        page = context.new_page()
        watch(page, Visit("(copy)"), site.base_url)
        page.goto(site.url(page_with(site, "prediction")), wait_until="networkidle")
        copied = copy_every_session(page)
    finally:
        context.close()
    assert len(copied) >= 5
    console = Console()
    prompt = re.compile(r">>>|\.\.\.")
    with contextlib.redirect_stdout(io.StringIO()):
        for shown, text in copied:
            lines = text.splitlines()
            assert not any(prompt.match(line) for line in lines), text
            # What is left is what followed the prompts: nothing of the output.
            typed = [line[4:] for line in shown.splitlines() if prompt.match(line)]
            assert [line for line in lines if line.strip()] == [
                line for line in typed if line.strip()
            ]
            before = len(console.tracebacks)
            for line in [*lines, ""]:
                console.push(line)
            raised = len(console.tracebacks) > before
            assert raised == ("Traceback (most recent call last)" in shown), (
                shown,
                console.tracebacks,
            )
    assert console.syntax_errors == []


# ---- layout -----------------------------------------------------------------------------

# Opens every details block and shows every tab, so hidden examples are measured too.
REVEAL_JS = """() => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  const style = document.createElement("style");
  style.textContent = ".tabbed-content > .tabbed-block { display: block !important; }";
  document.head.append(style);
}"""

CUT_CODE_JS = """() => [...document.querySelectorAll(".md-content pre, .md-content pre > code")]
  .filter((el) => el.checkVisibility() && el.scrollWidth > el.clientWidth + 1)
  .map((el) => `${el.scrollWidth - el.clientWidth}px cut: ${el.textContent.slice(0, 60)}`)"""

# Every piece of text in the content, and the box that would cut it off: a box that
# scrolls sideways is fine when it shows that it does (the shadow of layout.css, drawn by
# a radial gradient that stays put over a cover that scrolls with the content).
HIDDEN_TEXT_JS = """() => {
  const hinted = (s) => s.backgroundImage.includes("radial-gradient")
    && s.backgroundAttachment.includes("local");
  const skip = ".katex-mathml, script, style, .md-code__nav, .headerlink, .md-tooltip";
  const width = document.documentElement.clientWidth;
  const problems = new Set();
  const content = document.querySelector(".md-content");
  const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.data.trim() || el.closest(skip) || !el.checkVisibility()) continue;
    const rects = [];
    for (const word of node.data.matchAll(/\\S+/g)) {  // spaces may hang past a wrapped line
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      rects.push(...range.getClientRects());
    }
    for (const rect of rects) {
      if (rect.width === 0) continue;
      let cutter = null;
      for (let box = el; box && box !== document.body; box = box.parentElement) {
        if (getComputedStyle(box).overflowX === "visible") continue;
        const edge = box.getBoundingClientRect().left + box.clientLeft;
        if (rect.left < edge - 1 || rect.right > edge + box.clientWidth + 1) {
          cutter = box;
          break;
        }
      }
      const block = el.closest("pre, .arithmatex, .katex-display, table, p, li") || el;
      const where = block.textContent.slice(0, 50);
      if (cutter) {
        const s = getComputedStyle(cutter);
        const scrolls = ["auto", "scroll"].includes(s.overflowX)
          && cutter.scrollWidth > cutter.clientWidth;
        const box = `<${cutter.tagName.toLowerCase()} class="${cutter.className}">`;
        if (!scrolls) problems.add(`cut off by ${box}: ${where}`);
        else if (!hinted(s)) problems.add(`scrolls without a hint in ${box}: ${where}`);
      } else if (rect.right > width + 1 || rect.left < -1) {
        problems.add(`beyond the window: ${where}`);
      }
    }
  }
  return [...problems];
}"""


def measure_every_page(browser: Any, site: Site, width: int, script: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    found = {}
    try:
        page = context.new_page()
        watch(page, Visit("(layout)"), site.base_url)
        for path in site.paths:
            page.goto(site.url(path), wait_until="networkidle")
            page.evaluate(REVEAL_JS)
            sitekit.unskip_every_block(page)
            found[path or "(home)"] = page.evaluate(script)
    finally:
        context.close()
    return {path: problems for path, problems in found.items() if problems}


def test_no_code_line_is_cut_off_on_a_wide_screen(browser: Any, site: Site) -> None:
    """At 1280 px every line of every example fits its column: no sideways scrolling."""
    assert measure_every_page(browser, site, 1280, CUT_CODE_JS) == {}


def test_on_a_phone_every_character_is_visible_or_scrolls_with_a_hint(
    browser: Any, site: Site
) -> None:
    assert measure_every_page(browser, site, 390, HIDDEN_TEXT_JS) == {}
