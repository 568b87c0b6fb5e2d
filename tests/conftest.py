"""Shared test policy.

Optional peers (PyTorch, Chromium) may be missing on a developer's machine: there the
tests that need them skip with a message that says how to get them. In CI (``CI`` set to
a true value) a missing peer is an error, so a skip can never hide a failure there.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from filelock import FileLock

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Every build a test starts is cold: docrun's cache (docrun.cache) is off for the whole
# session, so a test sees what its sources produce now. The cache's own tests turn it
# on in the environment of the builds they start.
os.environ["DOCRUN_CACHE"] = "off"


def missing_peer(what: str, how: str) -> None:
    """Skip locally, fail in CI, when the peer ``what`` is missing. Always raises."""
    message = f"{what} is not available; {how}"
    if IN_CI:
        pytest.fail(message + " (required in CI)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def torch() -> ModuleType:
    """PyTorch, the autodiff oracle and speed peer."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        missing_peer("PyTorch", "run `make setup` on a machine that offers torch==2.13.0+cpu")
        raise


ROOT = Path(__file__).resolve().parent.parent


def build_site(site: Path) -> str | None:
    """A strict build of the real site into ``site``: None if it passed, else its output."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return None if result.returncode == 0 else f"{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once per test session with a strict build into a temp folder.

    Every test that reads HTML or drives a browser uses this one build; it is itself
    the strict-build test (a warning or a failed example fails it). When pytest-xdist
    runs the tests in several processes (``make test``), the first that needs the site
    builds it into the folder they share, under a lock, and the others wait for it and
    read it (or its failure) from there.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        failure = build_site(site := tmp_path_factory.mktemp("site"))
    else:
        shared = tmp_path_factory.getbasetemp().parent
        site, failed = shared / "site", shared / "site-failed.txt"
        with FileLock(shared / "site.lock"):
            built = site.exists() or failed.exists()
            if not built and (output := build_site(site)) is not None:
                failed.write_text(output, encoding="utf-8")
        failure = failed.read_text(encoding="utf-8") if failed.exists() else None
    if failure is not None:
        pytest.fail(f"mkdocs build --strict failed:\n{failure}", pytrace=False)
    return site


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The first module that needs the built site runs first, and the other such modules
    after every module that needs no site: under pytest-xdist (``make test``, which hands
    out whole modules) one process builds the site while the others run tests that do not
    wait for it. Modules keep their order otherwise, so every process collects the same
    list."""
    users = [i.path for i in items if "built_site" in getattr(i, "fixturenames", ())]
    using = set(users)

    def rank(item: pytest.Item) -> int:
        return 0 if item.path == users[0] else 2 if item.path in using else 1

    if users:
        items.sort(key=rank)
