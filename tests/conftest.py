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


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once per test session with a strict build into a temp folder.

    Every test that reads HTML or drives a browser uses this one build; it is itself
    the strict-build test (a warning or a failed example fails it).
    """
    site = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}", pytrace=False
        )
    return site
