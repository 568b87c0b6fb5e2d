"""The parser: fences, sessions and directives, at the lines of the file."""

from __future__ import annotations

import pytest
from docrun.blocks import (
    PageSyntaxError,
    find_directives,
    find_fences,
    markdown_first_line,
    parse_session,
)
from mkdocs.utils.meta import get_data

PAGE = """\
# Title

```pycon
>>> 1 + 1
2
```

!!! note "Inside an admonition"

    ~~~pycon
    >>> print("a")
    a
    ~~~

=== "A tab"

    ````python run
    print("| x |")
    ````

::: mlmath.sigmoid
"""


def line_of(text: str, needle: str, start: int = 1) -> int:
    """The 1-based line of the first line containing ``needle``, found independently."""
    for number, line in enumerate(text.splitlines(), start=start):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_fences_are_found_with_their_file_lines_and_indentation() -> None:
    fences = find_fences(PAGE, "docs/p.md")
    assert [f.kind for f in fences] == ["pycon", "pycon", "python run"]
    assert [f.line for f in fences] == [
        line_of(PAGE, "```pycon"),
        line_of(PAGE, "~~~pycon"),
        line_of(PAGE, "````python run"),
    ]
    assert [f.indent for f in fences] == ["", "    ", "    "]
    assert fences[1].body == ('>>> print("a")', "a")  # indentation removed
    assert fences[2].body == ('print("| x |")',)
    assert fences[1].body_line == fences[1].line + 1


def test_a_longer_fence_may_contain_a_shorter_one() -> None:
    text = "````markdown\n```pycon\n>>> 1\n```\n````\n"
    fences = find_fences(text, "p.md")
    assert len(fences) == 1
    assert fences[0].kind == "markdown"
    assert fences[0].body == ("```pycon", ">>> 1", "```")


def test_an_unclosed_fence_is_an_error_at_its_line() -> None:
    with pytest.raises(PageSyntaxError, match=r"^docs/p\.md:3: the fence ```pycon is never closed"):
        find_fences("a\n\n```pycon\n>>> 1\n", "docs/p.md")


def test_first_line_accounts_for_the_front_matter_mkdocs_strips() -> None:
    source = "---\ntitle: Prediction\ntags: [a]\n---\n\n\n```pycon\n>>> 1\n1\n```\n"
    markdown, meta = get_data(source)
    assert meta == {"title": "Prediction", "tags": ["a"]}
    first = markdown_first_line(source, markdown)
    fence = find_fences(markdown, "docs/p.md", first)[0]
    assert fence.line == line_of(source, "```pycon")
    assert markdown_first_line("no front matter\n", "no front matter\n") == 1


def test_directives_outside_fences_only() -> None:
    text = "::: mlmath\n\n```pycon\n::: not.this\n```\n## ::: mlmath.predict\n"
    assert find_directives(text, 5) == [("mlmath", 5), ("mlmath.predict", 10)]
    assert [name for name, _ in find_directives(PAGE)] == ["mlmath.sigmoid"]


def test_a_session_reads_statements_continuations_and_outputs() -> None:
    body = [
        ">>> for i in range(2):",
        "...     print(i)",
        "...",
        "0",
        "1",
        ">>> x = 1",
        ">>> x",
        "",
        "1",
        "",
    ]
    examples = parse_session(body, "docs/p.md", 10, output_ends_at_blank=False, column=4)
    assert [e.source for e in examples] == ["for i in range(2):\n    print(i)\n", "x = 1", "x"]
    assert [e.want for e in examples] == ["0\n1", "", "\n1"]
    assert [e.line for e in examples] == [10, 15, 16]
    assert examples[0].column == 8  # the fence's indentation plus the prompt
    assert examples[2].location == "docs/p.md:16"


def test_text_before_the_first_prompt_of_a_fence_is_an_error() -> None:
    with pytest.raises(PageSyntaxError, match=r"docs/p\.md:4: text before the first >>>"):
        parse_session(["", "oops", ">>> 1"], "docs/p.md", 3, output_ends_at_blank=False)


def test_a_docstring_session_ends_its_output_at_a_blank_line() -> None:
    docstring = [
        "Sigmoid.",
        "",
        "    Examples",
        "    --------",
        "    >>> sigmoid(0)",
        "    0.5",
        "",
        "    The curve is symmetric:",
        "",
        "    >>> sigmoid(1) + sigmoid(-1)",
        "    1.0",
        "    ",
    ]
    examples = parse_session(docstring, "m.py", 20, output_ends_at_blank=True)
    assert [(e.source, e.want, e.line) for e in examples] == [
        ("sigmoid(0)", "0.5", 24),
        ("sigmoid(1) + sigmoid(-1)", "1.0", 29),
    ]
    assert examples[0].column == 8


def test_display_options_are_set_aside_from_the_kind() -> None:
    text = '```pycon title="The sigmoid, σ" linenums="1"\n>>> 1\n1\n```\n'
    [fence] = find_fences(text, "p.md")
    assert fence.kind == "pycon"
    assert fence.options == 'title="The sigmoid, σ" linenums="1"'
