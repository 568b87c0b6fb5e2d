"""One way for tests to build a small MkDocs project in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def build(
    project: Path, *, strict: bool = False, pythonpath: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``mkdocs build`` of ``project`` into ``project/site``; the result, never raising.

    Not strict by default: our failures (a wrong example, invalid TeX, a cell error) must
    fail the build on their own. ``pythonpath`` goes first on PYTHONPATH, so a temp copy
    of a library shadows the installed one (a notebook kernel inherits it too).
    """
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(project / "site")]
    return subprocess.run(
        command + (["--strict"] if strict else []),
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
