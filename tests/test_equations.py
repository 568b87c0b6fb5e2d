"""The equation checker: real equations from the pages, perturbed the ways a slip would,
must fail at their own line; the TeX reader refuses what it does not understand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docrun import equations, symbols, texmath

ROOT = Path(__file__).resolve().parent.parent
SYMBOLS = ROOT / "docs" / "symbols.yml"


@pytest.fixture(scope="module")
def library() -> dict[str, object]:
    return equations.library_namespace("mlmath")


def check_display_at(page: str, source: str, line: int, library: dict[str, object]) -> list[str]:
    """The failures of the one display of ``source`` that starts on ``line``."""
    table, definitions = equations.table_for(SYMBOLS)
    displays = equations.find_displays(source)
    own, failures = equations.page_definitions(displays, page, table, definitions)
    assert failures == []
    (display,) = [d for d in displays if d.line == line]
    return equations.check_display(display, page, table, own, library).failures


def line_of(source: str, text: str) -> int:
    """The line of the opening $$ of the display that contains ``text``."""
    return source.count("\n", 0, source.rindex("$$", 0, source.index(text))) + 1


# (page, text in the display, the slip) for each kind of slip the issue lists.
SLIPS = [
    pytest.param(
        "docs/gradient.md",
        r"\frac{1}{m} \sum_{\mu=1}^{m} \bigl(\hat{y}^\mu - y^\mu\bigr)\, x^\mu_i ,",
        r"\frac{1}{m} \sum_{\mu=1}^{m} \bigl(y^\mu - \hat{y}^\mu\bigr)\, x^\mu_i ,",
        id="sign-of-dE/dw",
    ),
    pytest.param(
        "docs/error.md",
        r"E(W, b) = -\frac{1}{m} \sum_{\mu=1}^{m}",
        r"E(W, b) = -\sum_{\mu=1}^{m}",
        id="missing-1/m",
    ),
    pytest.param(
        "docs/squared-errors.md",
        r"E = \frac{1}{2} \sum_{\mu} \sum_{j}",
        r"E = \sum_{\mu} \sum_{j}",
        id="missing-half",
    ),
    pytest.param(
        "docs/prediction.md",
        r"\sigma(h) = \frac{1}{1 + e^{-h}} .",
        r"\sigma(h) = \frac{1}{1 - e^{-h}} .",
        id="1-minus-exp",
    ),
    pytest.param(
        "docs/gradient.md",
        r"= \frac{-y(1 - \hat{y}) + (1 - y)\hat{y}}{\hat{y}(1 - \hat{y})}",
        r"= \frac{-y(1 - \hat{y}) - (1 - y)\hat{y}}{\hat{y}(1 - \hat{y})}",
        id="middle-step",
    ),
    pytest.param(
        "docs/prediction.md",
        r"= \frac{1}{1 + e^{-h}} \cdot \frac{e^{-h}}{1 + e^{-h}}",
        r"= \frac{1}{1 + e^{-h}} \cdot \frac{e^{h}}{1 + e^{-h}}",
        id="middle-step-of-sigma-prime",
    ),
    pytest.param(
        "docs/gradient-descent.md",
        r"w_i \leftarrow w_i - \eta\, \frac{\partial E}{\partial w_i}",
        r"w_i \leftarrow w_i + \eta\, \frac{\partial E}{\partial w_i}",
        id="sign-of-update",
    ),
    pytest.param(
        "docs/squared-errors.md",
        r"\Delta w_{ij} = \eta \sum_{\mu} \delta^\mu_j \, x^\mu_i .",
        r"\Delta w_{ij} = -\eta \sum_{\mu} \delta^\mu_j \, x^\mu_i .",
        id="sign-of-delta-rule",
    ),
]


@pytest.mark.parametrize(("page", "written", "slip"), SLIPS)
def test_a_slip_fails_at_the_equations_line(
    page: str, written: str, slip: str, library: dict[str, object]
) -> None:
    source = (ROOT / page).read_text(encoding="utf-8")
    assert source.count(written) == 1, "the page no longer has this equation"
    line = line_of(source, written)
    # As written, the equation passes; with the slip, it fails at its own line.
    assert check_display_at(page, source, line, library) == []
    failures = check_display_at(page, source.replace(written, slip), line, library)
    assert failures, "the slip was not caught"
    assert all(failure.startswith(f"{page}:{line}: ") for failure in failures)


def test_a_failure_names_the_point_and_the_difference(library: dict[str, object]) -> None:
    page = "docs/prediction.md"
    source = (ROOT / page).read_text(encoding="utf-8")
    written = r"\sigma(h) = \frac{1}{1 + e^{-h}} ."
    line = line_of(source, written)
    (failure, *_) = check_display_at(
        page, source.replace(written, r"\sigma(h) = \frac{1}{1 + e^{h}} ."), line, library
    )
    assert "h[1, 1] = " in failure
    assert "a difference of" in failure or "relative difference of" in failure


@pytest.fixture(scope="module")
def table() -> symbols.SymbolTable:
    return equations.table_for(SYMBOLS)[0]


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        (r"E = \frac{1}{m}\sum_{\mu=1}^{m} y_i", "this subscript of y is its output index"),
        (r"q = 1", "q is not in the symbol table"),
        (r"\sigma''(h) = 0", "only first derivatives"),
        (r"E(W) = 0", r"E is written E(W, b)"),
        (r"\sum_{\mu=1}^{n} y^\mu", "runs from 1 to m"),
        (r"\operatorname{foo}(h)", "not in the symbol table"),
    ],
)
def test_the_reader_refuses_what_the_table_does_not_allow(
    tex: str, message: str, table: symbols.SymbolTable
) -> None:
    with pytest.raises((texmath.TexError, symbols.SymbolError), match=re.escape(message)):
        texmath.parse_display(tex, table)


def test_a_prime_is_a_derivative_not_dropped(table: symbols.SymbolTable) -> None:
    # A general LaTeX reader reads σ'(h) as σ(h); this one must not.
    (statement,) = texmath.parse_display(r"\sigma'(h) = \sigma(h)", table)
    left, right = statement.sides
    assert left != right
    assert left.has(texmath.sympy.Derivative)


def test_every_display_equation_is_bound() -> None:
    """Coverage: every display on the pages, in the notebook and in mlmath's docstrings
    has a binding, and unchecked ones are rare and say why."""
    counts = {"check": 0, "unchecked": 0}
    unbound: list[str] = []
    sources = [(p, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "docs").glob("*.md"))]
    sources += [(p, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "mlmath").glob("*.py"))]
    for notebook in sorted((ROOT / "docs").rglob("*.ipynb")):
        from docrun.notebook import markdown_cells

        sources += [
            (notebook, cell) for _, cell in markdown_cells(notebook.read_text(encoding="utf-8"))
        ]
    for path, source in sources:
        for display in equations.find_displays(source):
            if display.binding is None:
                unbound.append(f"{path.relative_to(ROOT)}:{display.line}")
            else:
                verb = display.binding.split(":", 1)[0]
                counts[verb] += 1
                if verb == "unchecked":
                    assert len(display.binding) > len("unchecked: ") + 20, "say why"
    assert unbound == []
    assert counts["check"] >= 30
    assert counts["unchecked"] <= counts["check"] // 4


BUILD_PLUGINS = [{"docrun": {"symbols": str(ROOT / "docs" / "symbols.yml")}}]

PAGE = """\
# Sigmoid

Some prose.

$$
\\sigma(h) = \\frac{1}{1 + e^{-h}} .
$$
<!-- check: equals sigmoid(h); h in [-800, 800]; rtol 1e-15 -->

More prose.
"""


def test_mkdocs_build_fails_at_the_equations_line_and_marks_the_good_one(tmp_path: Path) -> None:
    from mkdocs_build import KATEX, build, make_project

    make_project(tmp_path, {"index.md": PAGE}, plugins=[*BUILD_PLUGINS, KATEX])
    page = tmp_path / "docs" / "index.md"
    good = build(tmp_path)
    assert good.returncode == 0, good.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<details class="docrun-check">' in html
    assert "<code>sigmoid(h)</code> at 32 points" in html
    assert "docs/index.md: display equations: 1 checked, 0 unchecked, 0 failing" in good.stderr
    # The same page with 1 − e^(−h): the build fails naming the page, its line and the point.
    page.write_text(PAGE.replace("1 + e^{-h}", "1 - e^{-h}"), encoding="utf-8")
    bad = build(tmp_path)
    assert bad.returncode != 0
    assert "docs/index.md:5: equation 1, step 1 (side 1 = side 2) is not an identity" in bad.stderr
    assert "h[1, 1] = " in bad.stderr
    # Without a binding, nothing is skipped silently.
    page.write_text(PAGE.replace("<!-- check:", "<!-- a comment:"), encoding="utf-8")
    unbound = build(tmp_path)
    assert unbound.returncode != 0
    assert "docs/index.md:5: this display equation has no binding" in unbound.stderr


def test_an_unchecked_equation_still_uses_only_the_tables_symbols(
    library: dict[str, object],
) -> None:
    table, definitions = equations.table_for(SYMBOLS)
    source = (
        "$$\nq \\le \\nabla E\n$$\n<!-- unchecked: an inequality, shown for its shape only -->\n"
    )
    (display,) = equations.find_displays(source)
    result = equations.check_display(display, "p.md", table, definitions, library)
    assert result.status == "failed"
    assert "q is not in the symbol table" in result.failures[0]


def test_a_library_that_drifts_from_the_equation_fails_it(library: dict[str, object]) -> None:
    """The other direction: the page is right, the library is off by 1e-12 relative."""
    import numpy as np

    page = "docs/prediction.md"
    source = (ROOT / page).read_text(encoding="utf-8")
    line = line_of(source, r"\sigma(h) = \frac{1}{1 + e^{-h}} .")
    sigmoid = library["sigmoid"]
    drifted = {**library, "sigmoid": lambda h: np.asarray(sigmoid(h)) * (1 + 1e-12)}  # type: ignore[operator]
    (failure,) = check_display_at(page, source, line, drifted)
    assert failure.startswith(f"{page}:{line}: equation 1 does not equal `sigmoid(h)`")
    assert "relative difference of 1e-12" in failure
