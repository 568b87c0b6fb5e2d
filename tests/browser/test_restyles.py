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
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from sitekit import Site
from test_site import Visit, watch  # type: ignore[import-not-found]

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
