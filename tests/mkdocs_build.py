"""One way for tests to build a small MkDocs project in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# The site's own plugin settings, for test projects that list them.
KATEX = {"katex": {"node_modules": str(ROOT / "node_modules")}}
ARITHMATEX = {"pymdownx.arithmatex": {"generic": True}}
Entry = str | Mapping[str, object]


def make_project(
    root: Path,
    pages: Mapping[str, str],
    *,
    plugins: Sequence[Entry],
    extensions: Sequence[Entry] = (ARITHMATEX,),
    site_name: str = "test",
    site_url: str = "http://127.0.0.1:8000/",
) -> Path:
    """A small MkDocs project in ``root``: ``mkdocs.yml`` and ``docs/<name>`` per page.

    The theme is Material with its web fonts off (a test site loads nothing from another
    origin); ``plugins`` follow search, in the order given, as in the real mkdocs.yml.
    """
    config = {
        "site_name": site_name,
        "site_url": site_url,
        "theme": {"name": "material", "font": False},
        "plugins": ["search", *plugins],
        "markdown_extensions": list(extensions),
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    for name, text in pages.items():
        page = root / "docs" / name
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(text, encoding="utf-8")
    return root


def build(
    project: Path, *, strict: bool = False, pythonpath: Path | None = None, cache: bool = False
) -> subprocess.CompletedProcess[str]:
    """``mkdocs build`` of ``project`` into ``project/site``; the result, never raising.

    Not strict by default: our failures (a wrong example, invalid TeX, a cell error) must
    fail the build on their own. ``pythonpath`` goes first on PYTHONPATH, so a temp copy
    of a library shadows the installed one (a notebook kernel inherits it too). Builds
    are cold (tests/conftest.py turns docrun's cache off) unless ``cache`` is true.
    """
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if cache:
        env.pop("CI", None)
        env["DOCRUN_CACHE"] = "on"
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(project / "site")]
    return run(command + (["--strict"] if strict else []), project, env)


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``command`` in ``cwd`` with ``env``, its output captured as text, never raising
    on its exit status (the test reads it), stopped after five minutes."""
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300
    )
