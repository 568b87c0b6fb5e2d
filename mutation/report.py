"""The score of `make mutate`: mutation/score.json and the README's table, from mutmut's run.

Reads mutmut's results (``mutants/mlmath/*.meta``) and the mutants themselves, marks the
survivors listed in mutation/equivalent.toml as equivalent, and writes per module and
per public function how many mutants the site's examples killed, how many survived,
timed out or are equivalent. The README's table between its markers is rewritten from
that file (tests/test_mutation.py checks that the two agree).

    python mutation/report.py [--seconds S] [--load L]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from datetime import date
from importlib.metadata import version
from pathlib import Path

import tomllib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mutation.mutants import PACKAGE, ROOT, Mutant, module_of, mutants_of

SCORE = ROOT / "mutation" / "score.json"
EQUIVALENT = ROOT / "mutation" / "equivalent.toml"
README = ROOT / "README.md"
START, END = "<!-- mutation-score:start -->", "<!-- mutation-score:end -->"

# mutmut's exit codes (mutmut.stats.status_by_exit_code), in this report's words. A
# mutant that makes the examples run past their time limit counts as noticed: the
# build would never finish.
_STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no example", 33: "no example"}
_TIMEOUT = {36, 24, -24, 152, 255}


def status(exit_code: int | None) -> str:
    if exit_code is None:
        return "not run"
    if exit_code in _TIMEOUT:
        return "timeout"
    return _STATUS.get(exit_code, "suspicious")


def equivalents() -> list[dict[str, str]]:
    """The committed list: each entry has function, before, after and reason."""
    entries: list[dict[str, str]] = tomllib.loads(EQUIVALENT.read_text(encoding="utf-8")).get(
        "mutant", []
    )
    return entries


def matches(entry: dict[str, str], mutant: Mutant) -> bool:
    return (
        f"{mutant.module}.{mutant.function}" == entry["function"]
        and mutant.before == entry["before"]
        and mutant.after == entry["after"]
    )


def public_functions() -> dict[str, str]:
    """{module.function: public name} for the functions of mlmath.__all__."""
    import importlib

    package = importlib.import_module(PACKAGE)
    found = {}
    for name in package.__all__:
        obj = getattr(package, name)
        if callable(obj) and not isinstance(obj, type):
            found[f"{obj.__module__}.{name}"] = name
    return found


def _tally(statuses: list[str]) -> dict[str, float | int]:
    counts = Counter(statuses)
    row: dict[str, float | int] = {
        key: counts[key]
        for key in ("killed", "survived", "timeout", "equivalent", "no example", "not run")
    }
    row["suspicious"] = counts["suspicious"]
    row["total"] = len(statuses)
    judged = row["total"] - row["equivalent"] - row["not run"]
    noticed = row["killed"] + row["timeout"]
    # No score where nothing was judged (a run cut short before this function).
    row["score"] = round(100 * noticed / judged, 1) if judged else None
    return row


def collect(results: Path) -> dict[str, object]:
    """Every mutant of the last run with its status, grouped and counted."""
    listed = equivalents()
    used = [False] * len(listed)
    public = public_functions()
    by_module: dict[str, list[str]] = {}
    by_function: dict[str, list[str]] = {}
    survivors = []
    for source in sorted((ROOT / PACKAGE).glob("*.py")):
        meta = results / PACKAGE / (source.name + ".meta")
        mutated = results / PACKAGE / source.name
        if not meta.is_file():
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        module = module_of(source)
        for mutant in mutants_of(module, mutated.read_text(), source.read_text()):
            verdict = status(codes.get(mutant.key))
            if verdict == "survived":
                for i, entry in enumerate(listed):
                    if matches(entry, mutant):
                        verdict, used[i] = "equivalent", True
            by_module.setdefault(module, []).append(verdict)
            qualified = f"{module}.{mutant.function}"
            if qualified in public:
                by_function.setdefault(public[qualified], []).append(verdict)
            if verdict not in ("killed", "timeout", "equivalent", "not run"):
                survivors.append(
                    {
                        "function": qualified,
                        "public": qualified in public,
                        "status": verdict,
                        "at": f"{source.relative_to(ROOT).as_posix()}:{mutant.line}",
                        "before": mutant.before,
                        "after": mutant.after,
                    }
                )
    # Functions whose mutants no example even calls (mutmut found no test for them).
    unreached = sorted({str(row["function"]) for row in survivors if row["status"] == "no example"})
    everything = [s for statuses in by_module.values() for s in statuses]
    in_public = [s for statuses in by_function.values() for s in statuses]
    return {
        "total": _tally(everything),
        "public functions": _tally(in_public),
        "modules": {name: _tally(s) for name, s in sorted(by_module.items())},
        "functions": {name: _tally(s) for name, s in sorted(by_function.items())},
        "unreached functions": unreached,
        "unused equivalents": [e for e, u in zip(listed, used, strict=True) if not u],
        "not killed": survivors,
    }


def readme_section(score: dict[str, object]) -> str:
    """The README's table, from score.json alone."""
    run = score["run"]
    assert isinstance(run, dict)
    lines = [
        START,
        "",
        f"Latest `make mutate` ({run['tool']}, {run['date']}): of the mutants of the public "
        f"functions, the site's examples noticed **{score['public functions']['score']}%** "  # type: ignore[index]
        "of those that change what the function computes"
        + (
            f" (the run was cut short: {score['public functions']['not run']} of their "  # type: ignore[index]
            f"{score['public functions']['total']} mutants were not run)."  # type: ignore[index]
            if score["public functions"]["not run"]  # type: ignore[index]
            else "."
        ),
        "",
        "| module | mutants | killed | timed out | survived | equivalent | no example | "
        "not run | score |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    modules = score["modules"]
    assert isinstance(modules, dict)
    for name, row in [*modules.items(), ("public functions", score["public functions"])]:
        assert isinstance(row, dict)
        label = f"`{name}`" if name != "public functions" else "**public functions**"
        lines.append(
            f"| {label} | {row['total']} | {row['killed']} | {row['timeout']} | "
            f"{row['survived']} | {row['equivalent']} | {row['no example']} | "
            f"{row['not run']} | {'—' if row['score'] is None else str(row['score']) + '%'} |"
        )
    unreached = score.get("unreached functions") or []
    assert isinstance(unreached, list)
    if unreached:
        lines += [
            "",
            "No example calls these private helpers, so their mutants are counted under "
            "*no example*, which the score counts as not noticed: "
            + ", ".join(f"`{name}`" for name in unreached)
            + ".",
        ]
    seconds = run.get("full run seconds")
    if seconds:
        lines += [
            "",
            f"The last full run took {round(seconds / 60, 1)} minutes on {run['cpus']} "
            f"cores (load average {run.get('full run load', run['load average'])}).",
        ]
    lines += ["", END]
    return "\n".join(lines)


def write_readme(score: dict[str, object]) -> None:
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(head + readme_section(score) + tail, encoding="utf-8")


def survivor_keys(results: Path) -> list[str]:
    """mutmut's names of the mutants that survived the last run (for SURVIVORS=1)."""
    keys = []
    for meta in sorted((results / PACKAGE).glob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        keys += [key for key, code in codes.items() if status(code) == "survived"]
    return keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, help="how long the mutmut run took")
    parser.add_argument("--results", type=Path, default=ROOT / "mutants")
    parser.add_argument(
        "--partial",
        action="store_true",
        help="not every mutant ran (ONLY, SURVIVORS, PUBLIC, or mutants/ kept from before)",
    )
    parser.add_argument("--strict", action="store_true", help="fail on an unlisted survivor")
    parser.add_argument("--survivors", action="store_true", help="print survivors' names")
    parser.add_argument("--public", action="store_true", help="print the public functions' globs")
    args = parser.parse_args()
    if args.survivors:
        print(" ".join(survivor_keys(args.results)))
        return
    if args.public:
        # mutmut's names for the mutants of each function of mlmath.__all__.
        print(
            " ".join(
                f"{m.rsplit('.', 1)[0]}.x_{n}__mutmut_*" for m, n in public_functions().items()
            )
        )
        return
    previous = json.loads(SCORE.read_text()) if SCORE.is_file() else {}
    run = {
        "tool": f"mutmut {version('mutmut')}",
        "date": date.today().isoformat(),
        "cpus": os.cpu_count(),
        "load average": round(os.getloadavg()[1], 1),  # over the last 5 minutes
    }
    if args.partial:
        # Only some mutants ran: the time of the last full run stays what it was.
        run["full run seconds"] = previous.get("run", {}).get("full run seconds")
        run["full run load"] = previous.get("run", {}).get("full run load")
        run["last partial run seconds"] = args.seconds
    else:
        run["full run seconds"] = args.seconds
        run["full run load"] = run["load average"]
    score = {"run": run, **collect(args.results)}
    SCORE.write_text(json.dumps(score, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_readme(score)
    public = score["public functions"]
    print(f"public functions: {public['score']}% ({json.dumps(public)})")  # type: ignore[index]
    unkilled = score["not killed"]
    assert isinstance(unkilled, list)
    # In full, the public functions' mutants; the private helpers' are in score.json.
    for row in unkilled:
        if row["public"]:
            print(f"  {row['status']:10} {row['at']:28} {row['function']}:")
            print(f"      {row['before']!r} -> {row['after']!r}")
    private = Counter(row["status"] for row in unkilled if not row["public"])
    print(f"private helpers, not killed: {dict(private)} (mutation/score.json lists them)")
    stale = score["unused equivalents"]
    assert isinstance(stale, list)
    for entry in stale:
        print(f"  listed as equivalent but not a survivor: {entry}")
    if args.strict and (any(row["public"] for row in unkilled) or stale):
        sys.exit("make mutate: a mutant of a public function survived, unlisted (see above)")


if __name__ == "__main__":
    main()
