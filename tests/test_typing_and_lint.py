"""The repository passes mypy --strict and ruff (check and format)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_mypy_strict() -> None:
    # The files are pyproject's [tool.mypy] files: the library and the docs tooling.
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check_and_format() -> None:
    check = run("ruff", "check", ".")
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = run("ruff", "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_public_api_is_exactly_what_the_issue_lists() -> None:
    import mlmath

    required = {
        "sigmoid", "sigmoid_prime", "predict", "error_formula", "cross_entropy",
        "cross_entropy_from_logits", "error_gradient", "gradient_descent", "sse",
        "delta_rule_step", "numerical_gradient",
    }  # fmt: skip
    assert required <= set(mlmath.__all__)
    assert all(callable(getattr(mlmath, name)) for name in mlmath.__all__)
