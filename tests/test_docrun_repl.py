"""Real REPL transcripts against docrun, and against doctest itself.

Each case is typed into a real ``python -i`` in a subprocess; what the REPL printed is the
written output, pasted as a reader would paste it (optionally edited the way an author
would edit it: an ellipsis, a wrapped line, a wrong message). The table states the
outcome docrun must give, and doctest's own verdict on the same text, measured with
``doctest.DocTestRunner``, so the table shows where docrun follows doctest and where it
accepts more of what the REPL prints.
"""

from __future__ import annotations

import doctest
import functools
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from docrun.blocks import parse_session
from docrun.page import check_page
from docrun.run import fresh_namespace, register_source, run_example

_PROMPT = re.compile(r"(?m)^(>>> |\.\.\. )")


@functools.cache
def repl(typed: str) -> str:
    """What ``python -i`` shows for the typed lines: prompts, input and output.

    The REPL reads a pipe here, so it echoes nothing: its prompts (on stderr) are merged
    with its output, and each prompt is followed by the line it read.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    run = subprocess.run(
        [sys.executable, "-q", "-i", "-u"],
        input=typed + "\n",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    lines = typed.split("\n")
    shown = []
    stream = run.stdout
    for line in lines:
        prompt = _PROMPT.match(stream) or re.match(r"(>>> |\.\.\. )", stream)
        assert prompt is not None, f"no prompt before {line!r} in {stream!r}"
        stream = stream[prompt.end() :]
        following = re.search(r"(?:^|(?<=\n))(>>> |\.\.\. )", stream)
        output = stream[: following.start()] if following else stream
        stream = stream[len(output) :]
        shown.append((prompt.group() + line).rstrip())
        shown += output.rstrip("\n").split("\n") if output else []
    return "\n".join(shown).rstrip()


def _keep(text: str) -> str:
    return text


def _blanklines(text: str) -> str:
    """doctest's spelling of an empty output line, for docstrings."""
    return re.sub(r"(?m)^$", "<BLANKLINE>", text)


@dataclass(frozen=True)
class Case:
    name: str
    typed: str
    # docrun's verdict: "pass", or a piece of the failure report.
    docrun: str
    # doctest's verdict on the same text (measured, and compared with this column).
    doctest: str
    edit: Callable[[str], str] = _keep


NOTE = 'e = ValueError("learn_rate must be positive")\ne.add_note("try 0.1")\nraise e'
CONTEXT = 'try:\n    1 / 0\nexcept ZeroDivisionError:\n    raise ValueError("bad W")\n'
CAUSE = (
    'try:\n    1 / 0\nexcept ZeroDivisionError as err:\n    raise ValueError("bad W") from err\n'
)
LONG = "print(list(range(30)))"

CASES = [
    Case("note", NOTE, "pass", "pass"),
    Case(
        "note left out",
        NOTE,
        "Got:\n    Traceback (most recent call last):\n      ...\n"
        "    ValueError: learn_rate must be positive\n    try 0.1",
        "fail",
        lambda t: t.replace("\ntry 0.1", ""),
    ),
    Case("note edited", NOTE, "try 0.1", "fail", lambda t: t.replace("\ntry 0.1", "\ntry 0.2")),
    Case("two notes", NOTE.replace("raise e", 'e.add_note("or 0.01")\nraise e'), "pass", "pass"),
    # The REPL prints a SyntaxError of typed code with no header; doctest wants one.
    Case("syntax error as the REPL prints it", "x +", "pass", "fail"),
    Case(
        "syntax error with doctest's header",
        "x +",
        "pass",
        "pass",
        lambda t: t.replace(">>> x +\n", ">>> x +\nTraceback (most recent call last):\n"),
    ),
    Case(
        "syntax error, written message only",
        "x +",
        "pass",
        "fail",
        lambda t: ">>> x +\nSyntaxError: invalid syntax",
    ),
    Case(
        "syntax error, wrong message",
        "x +",
        "SyntaxError: invalid syntax",
        "fail",
        lambda t: t.replace("invalid syntax", "unexpected EOF"),
    ),
    Case(
        "mismatched bracket",
        "print((1, 2])",
        "pass",
        "fail",
    ),
    # A pasted chain: the blank lines around the REPL's sentence end doctest's output, so
    # doctest compares the first exception with the last one raised and fails.
    Case("chain: during handling", CONTEXT, "pass", "fail"),
    Case("chain: direct cause", CAUSE, "pass", "fail"),
    Case(
        "chain: the last exception only",
        CAUSE,
        "pass",
        "pass",
        lambda t: (
            "\n".join(line for line in t.split("\n") if line.startswith((">>>", "...")))
            + "\nTraceback (most recent call last):\n  ...\nValueError: bad W"
        ),
    ),
    Case(
        "chain: first exception wrong",
        CONTEXT,
        "ZeroDivisionError: division by zero",
        "fail",
        lambda t: t.replace("ZeroDivisionError: division by zero", "KeyError: 'W'"),
    ),
    Case(
        "chain: cause written as context",
        CAUSE,
        "The above exception was the direct cause",
        "fail",
        lambda t: t.replace(
            "The above exception was the direct cause of the following exception:",
            "During handling of the above exception, another exception occurred:",
        ),
    ),
    Case(
        "chain: the last exception is checked",
        CONTEXT,
        "ValueError: bad W",
        "fail",
        lambda t: t.replace("ValueError: bad W", "ValueError: bad b"),
    ),
    Case(
        "multi-line message", 'raise ValueError("W has 3 columns\\nx has 2 rows")', "pass", "pass"
    ),
    Case(
        "multi-line message, second line wrong",
        'raise ValueError("W has 3\\nx has 2 rows")',
        "x has 2 rows",
        "fail",
        lambda t: t.replace("\nx has 2 rows", "\nx has 4 rows"),
    ),
    # In a pycon block the output runs to the next prompt, blank lines included.
    Case("blank line in output", 'print("a\\n\\nb")', "pass", "fail"),
    Case("<BLANKLINE>", 'print("a\\n\\nb")', "pass", "pass", _blanklines),
    Case(
        "<BLANKLINE> is not a blank for DONT_ACCEPT_BLANKLINE",
        'print("a\\n\\nb")  # doctest: +DONT_ACCEPT_BLANKLINE',
        "Expected:\n    a\n    <BLANKLINE>",
        "fail",
        _blanklines,
    ),
    Case(
        "ELLIPSIS",
        LONG + "  # doctest: +ELLIPSIS",
        "pass",
        "pass",
        lambda t: t.replace(", 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18", ", ..."),
    ),
    Case(
        "ELLIPSIS is an option",
        LONG,
        "Expected:\n    [0, 1, 2, ...",
        "fail",
        lambda t: t.replace(", 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18", ", ..."),
    ),
    Case(
        "ELLIPSIS still checks what is written",
        LONG + "  # doctest: +ELLIPSIS",
        "Expected:\n    [0, 1, 2, ..., 28, 29, 31]",
        "fail",
        lambda t: re.sub(r", 3, .*, 27", ", ...", t).replace("29]", "29, 31]"),
    ),
    Case(
        "ELLIPSIS in an exception message",
        'raise ValueError("W has shape (3, 2)")  # doctest: +ELLIPSIS',
        "pass",
        "pass",
        lambda t: t.replace("W has shape (3, 2)", "W has shape ..."),
    ),
    Case(
        "NORMALIZE_WHITESPACE",
        LONG + "  # doctest: +NORMALIZE_WHITESPACE",
        "pass",
        "pass",
        lambda t: t.replace(" 15,", "\n 15,"),
    ),
    # docrun always normalises whitespace (NumPy pads columns); doctest needs the option.
    Case("wrapped output", LONG, "pass", "fail", lambda t: t.replace(" 15,", "\n 15,")),
    Case(
        "SKIP refused",
        "1 / 0  # doctest: +SKIP",
        "+SKIP: nothing on these pages escapes checking",
        "pass",
        lambda t: t.split("\n")[0] + "\n0.5",
    ),
    Case(
        "IGNORE_EXCEPTION_DETAIL refused",
        'raise ValueError("bad W")  # doctest: +IGNORE_EXCEPTION_DETAIL',
        "+IGNORE_EXCEPTION_DETAIL: the exception's message is checked here",
        "pass",
        lambda t: t.replace("ValueError: bad W", "ValueError: bad b"),
    ),
    Case(
        "reporting options refused",
        "1  # doctest: +REPORT_NDIFF",
        "+REPORT_NDIFF: docrun reports every failure in one way",
        "pass",
    ),
]


def doctest_verdict(text: str) -> str:
    """doctest's own verdict on a transcript: "pass", "fail", or the parser's error."""
    try:
        test = doctest.DocTestParser().get_doctest(text, {}, "case", "case.txt", 0)
    except ValueError:
        return "fail"
    runner = doctest.DocTestRunner(verbose=False, optionflags=0)
    result = runner.run(test, out=lambda _: None, clear_globs=True)
    return "fail" if result.failed else "pass"


def docrun_page(text: str) -> list[str]:
    """The failures docrun reports for the transcript as a pycon block of a page."""
    return check_page(f"```pycon\n{text}\n```\n", "docs/p.md").failures


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_real_repl_transcripts(case: Case) -> None:
    text = case.edit(repl(case.typed))
    failures = docrun_page(text)
    if case.docrun == "pass":
        assert failures == [], f"{text}\n---\n" + "\n".join(failures)
    else:
        assert len(failures) == 1, text
        assert case.docrun in failures[0], failures[0]
    assert doctest_verdict(text) == case.doctest


def test_the_transcripts_are_real() -> None:
    """The helper sees what the REPL prints: a chain shows both tracebacks, a SyntaxError
    its caret and no header, a note its own line."""
    assert repl(CONTEXT).count("Traceback (most recent call last):") == 2
    syntax = repl("x +").split("\n")
    assert syntax[1].startswith('  File "<stdin>", line 1')
    assert syntax[-1] == "SyntaxError: invalid syntax"
    assert repl(NOTE).split("\n")[-2:] == ["ValueError: learn_rate must be positive", "try 0.1"]


def test_a_syntax_error_is_reported_at_the_page_line() -> None:
    text = "intro\n\n```pycon\n>>> 1 + 1\n2\n>>> x +\n3\n```\n"
    [failure] = check_page(text, "docs/p.md").failures
    assert failure.startswith("docs/p.md:6: example failed")
    assert 'File "docs/p.md", line 6' in failure
    assert ">>> x +" in failure  # the page's own line is quoted, prompt and all
    assert "SyntaxError: invalid syntax" in failure


def test_the_page_shows_the_syntax_error_as_the_repl_prints_it() -> None:
    transcript = repl("x +")
    result = check_page(f"```pycon\n{transcript}\n```\n", "docs/p.md")
    assert result.failures == []
    assert result.markdown == f"```pycon\n{transcript}\n```\n"


def test_the_page_shows_the_whole_chain_and_the_notes() -> None:
    chain = check_page(f"```pycon\n{repl(CAUSE)}\n```\n", "docs/p.md")
    assert "ZeroDivisionError: division by zero\n\nThe above exception" in chain.markdown
    assert chain.markdown.rstrip("`\n").endswith("  ...\nValueError: bad W")
    note = check_page(f"```pycon\n{repl(NOTE)}\n```\n", "docs/p.md")
    assert note.markdown.rstrip("`\n").endswith("must be positive\ntry 0.1")


def test_directives_are_checked_but_not_shown() -> None:
    text = repl(LONG + "  # doctest: +ELLIPSIS").replace(", 3, 4, 5, 6", ", ...")
    result = check_page(f"```pycon\n{text}\n```\n", "docs/p.md")
    assert result.failures == []
    assert f">>> {LONG}\n[0, 1, 2, 3, 4, 5, 6," in result.markdown
    assert "doctest" not in result.markdown


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if "chain" in c.name or "BLANKLINE" in c.name],
    ids=lambda case: case.name,
)
def test_docstrings_read_chains_and_blanklines_as_doctest_users_write_them(case: Case) -> None:
    """In a docstring output ends at a blank line, except inside a pasted chain."""
    text = _blanklines(case.edit(repl(case.typed))) if "chain" not in case.name else None
    text = text if text is not None else case.edit(repl(case.typed))
    docstring = f"Summary.\n\n{textwrap.indent(text, '    ')}\n\nProse after.\n"
    register_source("lib/m.py", docstring)
    examples = parse_session(docstring.split("\n"), "lib/m.py", 1, output_ends_at_blank=True)
    namespace = fresh_namespace()
    outcomes = [run_example(example, namespace) for example in examples]
    assert "Prose after." not in "\n".join(e.want for e in examples)
    passed = all(outcome.passed for outcome in outcomes)
    assert passed == (case.docrun == "pass"), "\n".join(o.report() for o in outcomes)


def test_an_unknown_option_fails_naming_it() -> None:
    [failure] = docrun_page(">>> 1  # doctest: +ELIPSIS\n1")
    assert "'+ELIPSIS' is not a doctest option" in failure
    assert doctest_verdict(">>> 1  # doctest: +ELIPSIS\n1") == "fail"
