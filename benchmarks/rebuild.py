"""Rebuild times of the site with docrun's cache, against the same pages without our plugins.

In one run, on a temporary copy of the project (the real tree is never edited):

    no plugins      the pages built without docrun, katex and our stylesheets hook
                    (mkdocs-jupyter, mkdocstrings and search kept): the peer every ratio
                    is taken against
    cold            docrun's cache emptied first: every page runs
    warm            nothing changed since the last build
    one page        a sentence added to one page with examples
    mlmath edit     a comment added inside one mlmath function: every page importing
                    mlmath runs again

Each build is a fresh ``mkdocs build`` process (what a user's rebuild costs, imports
included). "no plugins", "warm" and "one page" are built in turns, ROUNDS times, and
each row shows its median; "cold" and "mlmath edit" (which runs every page, since every
page imports mlmath) are one build each. The goals (issue 13):
warm ≤ 1.5× and one page ≤ 2× the build without our plugins. The CPU and its caches are
printed first: ratios from different machines do not compare.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import machine

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 3
PAGE = "docs/prediction.md"
MODULE = "mlmath/activation.py"
# A line inside _sigmoid_scalar, which sigmoid calls: the edit is a comment before it.
MODULE_LINE = "    return out if out >= _TINY else math.exp(x)"
COPIED = [
    "docrun",  # mkdocs.yml names the stylesheets hook by its path in it
    "docs",
    "mlmath",
    "mutation",
    "overrides",
    "mkdocs.yml",
    "requirements",
    "package-lock.json",
]
GOALS = {"warm": 1.5, "one page": 2.0}
ROWS = ["no plugins", "cold", "warm", "one page", "mlmath edit"]


def copy_project(target: Path) -> None:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    # KaTeX and the other npm packages are read, never written: a link is enough.
    (target / "node_modules").symlink_to(ROOT / "node_modules")


def without_our_plugins(config: str) -> str:
    """mkdocs.yml without the docrun and katex plugins (and their options) and without our
    hooks (docrun's stylesheets hook)."""
    kept: list[str] = []
    section, skipping = "", False
    for line in config.splitlines():
        top = re.match(r"^([a-z_]+):", line)
        if top:
            section, skipping = top.group(1), False
            if section == "hooks":
                continue
        elif section == "hooks" and (line.startswith("  ") or not line.strip()):
            continue
        item = re.match(r"^  - (docrun|katex)\b", line)
        if section == "plugins" and item:
            skipping = True
            continue
        if skipping and (line.startswith("      ") or line.startswith("    ")) and line.strip():
            continue
        skipping = False
        kept.append(line)
    return "\n".join(kept) + "\n"


def build(project: Path, config: str = "mkdocs.yml") -> tuple[float, str]:
    """Seconds of one ``mkdocs build`` and its log; fails loudly if the build fails."""
    env = {key: value for key, value in os.environ.items() if key not in {"CI", "DOCRUN_CACHE"}}
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["JUPYTER_CONFIG_PATH"] = str(ROOT / "jupyter")
    # The copy of mlmath shadows the one installed (editable) from the real tree.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "mkdocs", "build", "-f", config, "--site-dir", "site"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"build failed ({config}):\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout + done.stderr


def cache_line(log: str) -> str:
    found = re.search(r"docrun: cache.*", log)
    return found.group() if found else "(no cache line)"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise SystemExit(f"{path}: expected to find {old!r} to edit")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def report(name: str, seconds: float, log: str) -> None:
    print(f"  {name}: {seconds:.2f} s; {cache_line(log)}", flush=True)


def main() -> None:
    print(machine.describe())
    # Other work on the machine slows every build alike, but not exactly alike.
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    samples: dict[str, list[float]] = {name: [] for name in ROWS}
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        copy_project(project)
        plain = project / "mkdocs-plain.yml"
        plain.write_text(without_our_plugins((project / "mkdocs.yml").read_text()), "utf-8")

        def measure(name: str, config: str = "mkdocs.yml") -> None:
            seconds, log = build(project, config)
            samples[name].append(seconds)
            report(name, seconds, log)

        measure("no plugins", plain.name)
        shutil.rmtree(project / ".cache", ignore_errors=True)
        measure("cold")
        # In turns, so that a change in the machine's load hits every row alike.
        for round_ in range(ROUNDS):
            measure("no plugins", plain.name)
            measure("warm")
            # A new sentence each round, so every build sees an edited page.
            edit(project / PAGE, "\n## ", f"\nAn edit for the benchmark, number {round_}.\n\n## ")
            measure("one page")
        # As costly as a cold build (every page imports mlmath): once.
        edit(project / MODULE, MODULE_LINE, f"    # an edit for the benchmark\n{MODULE_LINE}")
        measure("mlmath edit")
    times = {name: statistics.median(values) for name, values in samples.items()}

    base = times["no plugins"]
    print(f"{'build':<12} {'seconds':>8} {'× no plugins':>13}  goal")
    for name, seconds in times.items():
        goal = GOALS.get(name)
        verdict = ""
        if goal is not None:
            verdict = f"≤ {goal}× {'met' if seconds <= goal * base else 'NOT met'}"
        print(f"{name:<12} {seconds:8.2f} {seconds / base:13.2f}  {verdict}")
    print("(median of each row's builds; cold and mlmath edit are one build each)")


if __name__ == "__main__":
    main()
