"""The runner and the page: REPL semantics, isolation, reports, rendering."""

from __future__ import annotations

import textwrap
from pathlib import Path

from docrun.blocks import Example
from docrun.page import check_page
from docrun.run import fresh_namespace, run_example


def example(source: str, want: str = "", line: int = 7) -> Example:
    return Example(source=source, want=want, line=line, path="docs/p.md", column=4)


def test_expression_values_echo_as_in_the_repl() -> None:
    ns = fresh_namespace()
    assert run_example(example("1 + 1"), ns).got == "2\n"
    assert run_example(example("'a'"), ns).got == "'a'\n"  # the repr, quotes included
    assert run_example(example("None"), ns).got == ""  # None is not echoed
    assert run_example(example("x = 3"), ns).got == ""  # nor is an assignment
    assert run_example(example("x * 2"), ns).got == "6\n"
    assert run_example(example("_ + 1"), ns).got == "7\n"  # `_` is the last value
    assert "_" not in fresh_namespace()


def test_prints_and_echo_are_captured_in_order() -> None:
    ns = fresh_namespace()
    outcome = run_example(example("print('a'); 5"), ns)
    assert outcome.got == "a\n5\n"
    loop = run_example(example("for i in range(3):\n    print(i * i)\n"), ns)
    assert loop.got == "0\n1\n4\n"


def test_outcome_passes_by_the_digits_rule() -> None:
    ns = fresh_namespace()
    assert run_example(example("2 / 3", "0.667"), ns).passed
    failed = run_example(example("2 / 3", "0.666"), ns)
    assert not failed.passed
    report = failed.report()
    assert report.startswith("docs/p.md:7: example failed")
    assert ">>> 2 / 3" in report
    assert "Expected:\n    0.666" in report
    assert "Got:\n    0.6666666666666666" in report


def test_an_unexpected_exception_fails_with_its_traceback_at_the_page_line() -> None:
    outcome = run_example(example("1 / 0", "0", line=12), fresh_namespace())
    assert not outcome.passed
    report = outcome.report()
    assert 'File "docs/p.md", line 12' in report
    assert "ZeroDivisionError: division by zero" in report
    assert "docrun" not in report.split("Got an exception:")[1]  # the runner's frames are cut


def test_an_expected_exception_passes_and_a_missing_one_fails() -> None:
    want = "Traceback (most recent call last):\n    ...\nZeroDivisionError: division by zero"
    assert run_example(example("1 / 0", want), fresh_namespace()).passed
    quiet = run_example(example("1 / 1", want), fresh_namespace())
    assert not quiet.passed
    assert "(no exception raised)" in quiet.report()


def test_a_syntax_error_is_reported_like_any_exception() -> None:
    outcome = run_example(example("1 +", "1"), fresh_namespace())
    assert isinstance(outcome.error, SyntaxError)
    assert not outcome.passed


def test_a_warning_fails_the_example() -> None:
    outcome = run_example(example("import warnings; warnings.warn('careful')"), fresh_namespace())
    assert outcome.error is None
    assert not outcome.passed
    assert "UserWarning: careful" in outcome.report()


def page(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_each_page_has_its_own_namespace() -> None:
    first = check_page(page("```pycon\n>>> secret = 42\n>>> secret\n42\n```\n"), "docs/a.md")
    assert first.failures == []
    assert first.examples_run == 2
    second = check_page(page("```pycon\n>>> secret\n42\n```\n"), "docs/b.md")
    assert len(second.failures) == 1
    assert "NameError: name 'secret' is not defined" in second.failures[0]


def test_blocks_of_one_page_share_its_namespace_in_order() -> None:
    text = page(
        """
        ```python run
        total = 40
        ```

        !!! note

            ```pycon
            >>> total + 2
            42
            ```
        """
    )
    result = check_page(text, "docs/a.md")
    assert result.failures == []
    assert result.examples_run == 2


def test_the_rendered_page_shows_the_actual_output_at_the_block_indentation() -> None:
    text = page(
        """
        !!! note

            ```pycon
            >>> 2 / 3
            0.667
            >>> print("hi")
            hi
            ```
        """
    )
    result = check_page(text, "docs/a.md")
    assert result.failures == []
    assert result.markdown == page(
        """
        !!! note

            ```pycon
            >>> 2 / 3
            0.6666666666666666
            >>> print("hi")
            hi
            ```
        """
    )


def test_a_failing_example_is_reported_at_its_file_line_and_still_rendered() -> None:
    text = "---\ntitle: t\n---\n\n```pycon\n>>> 1 + 1\n3\n```\n"
    result = check_page(text.split("---\n\n", 1)[1], "docs/a.md", first_line=5)
    assert len(result.failures) == 1
    assert result.failures[0].startswith("docs/a.md:6: example failed")
    assert ">>> 1 + 1\n2\n" in result.markdown


def test_python_run_prints_markdown_after_the_code() -> None:
    text = page(
        """
        === "Table"

            ```python run
            print("| a | b |")
            print("|---|---|")
            print("| 1 | 2 |")
            ```
        """
    )
    result = check_page(text, "docs/a.md")
    assert result.failures == []
    assert "    ```python\n" in result.markdown  # shown as ordinary Python code
    assert "    ```\n\n    | a | b |\n    |---|---|\n    | 1 | 2 |\n" in result.markdown


def test_a_failing_script_reports_its_traceback_at_the_page_line() -> None:
    text = "intro\n\n```python run\nx = 1\nraise ValueError('bad W')\n```\n"
    result = check_page(text, "docs/a.md")
    assert len(result.failures) == 1
    assert result.failures[0].startswith("docs/a.md:3: python run block failed")
    assert 'File "docs/a.md", line 5' in result.failures[0]
    assert "ValueError: bad W" in result.failures[0]


def test_other_fences_fail_and_name_the_allowed_ones() -> None:
    text = "a\n\n```python\nprint(1)\n```\n\n~~~text\nhello\n~~~\n"
    result = check_page(text, "docs/a.md")
    assert [f.split(":")[1] for f in result.failures] == ["3", "7"]
    assert "```python block is neither run nor checked" in result.failures[0]
    assert "```pycon and ```python run" in result.failures[0]


def test_blocks_that_would_run_nothing_fail() -> None:
    empty_session = check_page("```pycon\n```\n", "docs/a.md")
    assert empty_session.failures == [
        "docs/a.md:1: this pycon block has no >>> example, so nothing checks it; "
        "write its statements after >>> prompts"
    ]
    no_prompt = check_page("```pycon\nsigmoid(0)\n0.5\n```\n", "docs/a.md")
    assert "text before the first >>> prompt" in no_prompt.failures[0]
    empty_script = check_page("```python run\n\n```\n", "docs/a.md")
    assert empty_script.failures == ["docs/a.md:1: this python run block is empty"]


def test_an_unclosed_fence_fails_the_page() -> None:
    result = check_page("text\n```pycon\n>>> 1\n", "docs/a.md")
    assert result.failures == ["docs/a.md:2: the fence ```pycon is never closed"]


def test_numpy_print_options_set_on_one_page_do_not_reach_the_next() -> None:
    import numpy as np

    before = np.get_printoptions()
    setter = "```pycon\n>>> import numpy as np\n>>> np.set_printoptions(precision=2)\n```\n"
    assert check_page(setter, "docs/a.md").failures == []
    assert np.get_printoptions() == before


def test_display_options_survive_rendering() -> None:
    result = check_page('```python run title="Table"\nprint("| a |")\n```\n', "docs/a.md")
    assert result.failures == []
    assert result.markdown.startswith('```python title="Table"\nprint("| a |")\n```\n')


def test_exit_and_input_cannot_stop_or_hang_the_build() -> None:
    ns = fresh_namespace()
    leaving = run_example(example("raise SystemExit(3)"), ns)
    assert isinstance(leaving.error, SystemExit)
    assert not leaving.passed
    asking = run_example(example("input()"), ns)
    assert isinstance(asking.error, EOFError)


def test_each_build_imports_the_library_afresh(tmp_path: Path) -> None:
    """What `mkdocs serve` relies on: a library edit between builds shows on the page."""
    import sys

    from docrun.plugin import DocrunPlugin

    (tmp_path / "docrun_lib").mkdir()
    init = tmp_path / "docrun_lib" / "__init__.py"
    init.write_text("VALUE = 1\n")
    (tmp_path / "docrun_lib" / "sub.py").write_text("")
    text = "```pycon\n>>> import docrun_lib.sub\n>>> docrun_lib.VALUE\n1\n```\n"
    plugin = DocrunPlugin()
    errors, warnings = plugin.load_config({"reload": ["docrun_lib"]})
    assert errors == []
    assert warnings == []
    sys.path.insert(0, str(tmp_path))
    try:
        plugin.on_pre_build(config=None)  # type: ignore[arg-type]
        assert check_page(text, "docs/a.md").failures == []
        init.write_text("VALUE = 22\n")  # another size: the cached bytecode is stale
        # Without a fresh import the edit is invisible: the module is cached.
        assert check_page(text, "docs/a.md").failures == []
        plugin.on_pre_build(config=None)  # type: ignore[arg-type]
        assert "docrun_lib" not in sys.modules
        assert "docrun_lib.sub" not in sys.modules
        [failure] = check_page(text, "docs/a.md").failures
        assert "Expected:\n    1\nGot:\n    22" in failure
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("docrun_lib")]:
            del sys.modules[name]
