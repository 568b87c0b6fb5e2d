"""The library passes mypy --strict and ruff, as the quality bar of issue 2 asks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The library's own tests (other test files belong to the docs tooling).
TEST_FILES = [
    f"tests/{name}.py"
    for name in ("exact", "test_activation", "test_prediction", "test_error", "test_gradient",
                 "test_descent", "test_validate", "test_typing_and_lint")
]  # fmt: skip


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_mypy_strict() -> None:
    result = run("mypy", "--strict", "mlmath")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check_and_format() -> None:
    check = run("ruff", "check", "mlmath", "benchmarks", *TEST_FILES)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = run("ruff", "format", "--check", "mlmath")
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
