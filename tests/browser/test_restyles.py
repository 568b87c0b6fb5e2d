"""How often a page is restyled as a whole while it loads, in Chromium's own trace.

On a page of equations most elements are KaTeX's, and Chromium restyles every one of them
when a class of <html> changes (Material's stylesheet has rules like
`table:not([class]) td>:first-child`) or when a palette attribute of <body> does (every
colour is a custom property set there). Material's bundle did both on every load: the
"no-js" to "js" swap, the focus-visible polyfill's class, and its palette component
rewriting <body>'s attributes. overrides/main.html sets the classes in <head>, before any
element exists, and javascripts/palette.js writes the palette only when it changes.

A script that sets the href of a stylesheet's <link>, even to the same address written out
in full, makes Chromium parse the sheet again and restyle every element. Material's
instant navigation did that on every load (it resolves every relative link), so the site
does without it (mkdocs.yml).

These tests read Chromium's own trace of a cold load (its invalidation tracking), not
timings: which element a script changed and how, and how often each stylesheet was parsed.

Material's bundle also took each table out of the page and put it back in a wrapper, so
that the table was styled and laid out again; the build now writes the wrapper
(docrun/src/docrun/tables.py). The bundle now loads only with search
(javascripts/search.js), which would then move them. The last tests load a page, ask for
search, watch the page's tree for a table taken out, and compare each table with
Material's own wrapping of it, pixel for pixel.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
import sitekit
from sitekit import Site
from test_site import Visit, watch  # type: ignore[import-not-found]

from docrun import tables

TRACE_CATEGORIES = ",".join(
    [
        "devtools.timeline",
        "disabled-by-default-devtools.timeline.invalidationTracking",
        "disabled-by-default-devtools.timeline.stack",
    ]
)


def load_trace(
    browser: Any, url: str, color_scheme: str, *, after_load: str = ""
) -> list[dict[str, Any]]:
    """Chromium's trace events of a cold load of url; after_load is JavaScript run in the
    page once it has loaded."""
    context = browser.new_context(color_scheme=color_scheme)
    context.set_default_timeout(10_000)
    events: list[dict[str, Any]] = []
    done: list[bool] = []
    try:
        page = context.new_page()
        watch(page, Visit(url), url)
        cdp = context.new_cdp_session(page)
        cdp.on("Tracing.dataCollected", lambda e: events.extend(e["value"]))
        cdp.on("Tracing.tracingComplete", lambda e: done.append(True))
        cdp.send("Tracing.start", {"categories": TRACE_CATEGORIES, "transferMode": "ReportEvents"})
        page.goto(url, wait_until="networkidle")
        if after_load:
            page.add_script_tag(content=after_load)
        # The bundle's components subscribe to the first animation frames, and a sheet is
        # fetched again before it is parsed again: let them run.
        page.evaluate("new Promise((r) => requestAnimationFrame(() => setTimeout(r, 500)))")
        cdp.send("Tracing.end")
        while not done:
            page.wait_for_timeout(50)
    finally:
        context.close()
    return events


def root_invalidations(events: list[dict[str, Any]], url: str) -> list[dict[str, str]]:
    """Style invalidations a script scheduled on <html> or <body> of the page at url.

    Each is {node, what, script}: what changed (a class, an attribute) and the script and
    function that changed it.
    """
    found = []
    for event in events:
        if event["name"] != "ScheduleStyleInvalidationTracking":
            continue
        data = event["args"]["data"]
        node = str(data.get("nodeName", ""))
        stack = data.get("stackTrace") or []
        if not node.startswith(("HTML", "BODY")) or not stack:
            continue  # not the root, or not a script (the parser, a font, a media query)
        what = data.get("changedClass") or data.get("changedAttribute") or "?"
        top = stack[0]
        # A script in the page itself is named "(page)", a file by its name.
        where = "(page)" if top.get("url") == url else top.get("url", "").rsplit("/", 1)[-1]
        script = f"{where}:{top.get('functionName') or '?'}"
        found.append({"node": node.split(" ")[0], "what": what, "script": script})
    return found


def sheets_parsed_again(events: list[dict[str, Any]]) -> list[str]:
    """The stylesheets parsed more than once, by file name."""
    parsed = Counter(
        event["args"]["data"]["styleSheetUrl"].rsplit("/", 1)[-1]
        for event in events
        if event["name"] == "ParseAuthorStyleSheet"
    )
    return [name for name, times in parsed.items() if times > 1]


def test_the_trace_sees_a_script_change_the_root_or_reload_a_sheet(
    browser: Any, site: Site
) -> None:
    """Not a vacuous pass: a class set on <html> by a script once the page has loaded is
    seen, with the class, and so is a stylesheet's href set to its own address in full
    (what Material's instant navigation does): that sheet is parsed a second time."""
    late = """
      function setLate() { document.documentElement.classList.add('late') }
      function resolveSheet() {
        const link = document.querySelector('link[rel=stylesheet]');
        link.href = link.href;
      }
      setLate(); resolveSheet()"""
    events = load_trace(browser, site.url("prediction/"), "light", after_load=late)
    assert {"node": "HTML", "what": "class", "script": ":setLate"} in root_invalidations(
        events, site.url("prediction/")
    )
    reparsed = sheets_parsed_again(events)
    assert len(reparsed) == 1, reparsed
    assert reparsed[0].startswith("main."), reparsed  # the first one, Material's


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_no_script_restyles_the_whole_page_while_it_loads(
    browser: Any, site: Site, color_scheme: str
) -> None:
    """No script changes a class or attribute of <html> or <body> during a first visit:
    in the light palette (the page's own), and in the dark one, where only the page's
    inline script at the top of <body> (overrides/main.html) switches to the palette the
    reader's system prefers, before the content is parsed; palette.js then changes
    nothing. Each stylesheet is parsed once."""
    found: dict[str, Any] = {}
    for path in ["", "prediction/", "reference/"]:
        events = load_trace(browser, site.url(path), color_scheme)
        reparsed = sheets_parsed_again(events)
        if reparsed:
            found[f"{path or '(home)'}: stylesheets parsed again"] = reparsed
        changes = root_invalidations(events, site.url(path))
        if color_scheme == "dark":
            palette = {"data-md-color-scheme", "data-md-color-primary", "data-md-color-accent"}
            changes = [
                change
                for change in changes
                if not (change["script"].startswith("(page):") and change["what"] in palette)
            ]
        if changes:
            found[path or "(home)"] = changes
    assert found == {}, json.dumps(found, indent=1)


# ---- tables ------------------------------------------------------------------------------

# Records each element with a table in it that is taken out of the page (an init script:
# it watches from before the first element is parsed).
TABLES_TAKEN_OUT_JS = """window.__tablesTakenOut = [];
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.removedNodes) {
      const element = node.nodeType === Node.ELEMENT_NODE;
      if (element && (node.matches("table") || node.querySelector("table"))) {
        window.__tablesTakenOut.push(node.outerHTML.slice(0, 60));
      }
    }
  }
}).observe(document, { childList: true, subtree: true });"""
# Each table of the content, and how many of Material's wrappers hold it.
WRAPPERS_JS = """() => [...document.querySelectorAll(".md-content table")].map((table) => {
  let wrappers = 0;
  for (let el = table.parentElement; el; el = el.parentElement) {
    if (el.classList.contains("md-typeset__scrollwrap")) wrappers += 1;
  }
  return wrappers;
})"""
# The build's wrapper (the far mark, if any, moved back to the table) taken off again: the
# page as Material's bundle would otherwise get it.
BUILT_WRAPPER = re.compile(
    r'<div class="md-typeset__scrollwrap"( data-docrun-far)?><div class="md-typeset__table">'
    rf'<table class="{tables.CLASS}"'
)


def without_the_build_wrapper(html: str) -> str:
    bare = BUILT_WRAPPER.sub(lambda m: "<table" + (m.group(1) or ""), html)
    return bare.replace("</table>" + tables.CLOSE, "</table>")


def pages_with_tables(site: Site) -> list[str]:
    found = [p for p in site.paths if "<table" in (site.root / p / "index.html").read_text()]
    assert "notation/" in found, found  # not a vacuous pass: the symbol table is one
    return found


def load_tables(browser: Any, url: str, *, bare: bool = False) -> dict[str, Any]:
    """A cold load of url (bare: without the build's wrappers): the tables taken out of the
    page while it loaded, how many wrappers hold each table, and a screenshot of each
    table's wrapper (every block shown and every <details> open, the pointer on the table's
    second row)."""
    context = browser.new_context(viewport=sitekit.VIEWPORT)
    context.set_default_timeout(20_000)
    try:
        context.add_init_script(TABLES_TAKEN_OUT_JS)
        page = context.new_page()
        watch(page, Visit(url), url)
        if bare:
            sitekit.rewrite_page(page, url, without_the_build_wrapper)
        page.goto(url, wait_until="load")
        # The bundle loads only with search; once it has, it must still move no table.
        sitekit.load_materials_bundle(page)
        page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        sitekit.unskip_every_block(page)
        shots = []
        for wrapper in page.locator(".md-content .md-typeset__scrollwrap").all():
            wrapper.locator("tbody tr").nth(1).hover()
            page.wait_for_timeout(200)  # the row's tint fades in over 125 ms
            shots.append(wrapper.screenshot(animations="disabled"))
        return {
            "taken out": page.evaluate("window.__tablesTakenOut"),
            "wrappers": page.evaluate(WRAPPERS_JS),
            "shots": shots,
        }
    finally:
        context.close()


@pytest.fixture(scope="module")
def tables_loaded(browser: Any, site: Site) -> dict[str, dict[str, dict[str, Any]]]:
    """{page: {"built": its load, "bare": its load without the build's wrappers}} for every
    page with a table. In the light palette only: the table rules set no colour of their
    own, only Material's custom properties, which each palette sets for both."""
    return {
        path: {
            "built": load_tables(browser, site.url(path)),
            "bare": load_tables(browser, site.url(path), bare=True),
        }
        for path in pages_with_tables(site)
    }


def test_no_table_is_taken_out_of_a_page_while_it_loads(tables_loaded: dict[str, Any]) -> None:
    """Every table of the content arrives in Material's wrapper, and the bundle moves none:
    each table is held by exactly one wrapper once the page has loaded."""
    found = {
        path: {k: loads["built"][k] for k in ("taken out", "wrappers")}
        for path, loads in tables_loaded.items()
        if loads["built"]["taken out"] or set(loads["built"]["wrappers"]) != {1}
    }
    assert found == {}, json.dumps(found, indent=1)


def test_the_watch_sees_material_take_bare_tables_out(tables_loaded: dict[str, Any]) -> None:
    """Not a vacuous pass: served without the build's wrappers, each page's tables are
    taken out by Material's bundle, and put back in one wrapper each."""
    for path, loads in tables_loaded.items():
        bare = loads["bare"]
        # Material holds each table's place with an empty table for a moment.
        taken_out = [t for t in bare["taken out"] if t != "<table></table>"]
        assert len(taken_out) == len(bare["wrappers"]) >= 1, (path, taken_out)
        assert all(t.startswith("<table") for t in taken_out), (path, taken_out)
        assert set(bare["wrappers"]) == {1}, (path, bare["wrappers"])


def test_tables_look_as_materials_own_wrapping_draws_them(
    browser: Any, tables_loaded: dict[str, Any]
) -> None:
    """Each table, as built (a class of its own, layout.css's rules), shows the same pixels
    as Material's wrapping of the bare table with Material's rules, the pointer on a row.
    A cell's padding 0.05em narrower fails it on every page; the tint of the row under the
    pointer (about 9 levels a channel) is fainter than the comparison's tolerance."""
    found = {}
    for path, loads in tables_loaded.items():
        built, bare = loads["built"]["shots"], loads["bare"]["shots"]
        assert len(built) == len(bare) >= 1, path
        differ = [pixels_differ(browser, a, b) for a, b in zip(built, bare, strict=True)]
        if any(differ):
            found[path] = differ
    assert found == {}, json.dumps(found, indent=1)


def pixels_differ(browser: Any, before: bytes, after: bytes) -> str:
    """sitekit.pixels_differ, in a page of its own."""
    context = browser.new_context()
    try:
        return sitekit.pixels_differ(context.new_page(), before, after)
    finally:
        context.close()
