"""Find what a page asks to run: fenced blocks, ``>>>`` examples, ``:::`` directives.

Everything here is a pure function of text, so the MkDocs plugin, the pytest plugin
and any other site generator see the very same blocks at the very same lines.
Line numbers are 1-based lines of the file on disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docrun.check import CAUSE, CONTEXT, TRACEBACK_HEADER

# The two fenced blocks a page may use; every other fence fails the build.
PYCON = "pycon"
PYTHON_RUN = "python run"
ALLOWED_FENCES = (PYCON, PYTHON_RUN)

# A fence opens with 3+ backticks or tildes, at any indentation (admonitions, details
# and tabs indent their content by 4 spaces). Backtick fences cannot have a backtick
# in their info string (CommonMark), tilde fences can.
_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
# mkdocstrings' autodoc directive: `::: mlmath.sigmoid`, optionally after a heading mark.
# A display option of a fence (SuperFences): `title="The sigmoid"`, `linenums="1"`.
_OPTION = re.compile(r"""[\w-]+=(?:"[^"]*"|'[^']*'|\S+)""")
_DIRECTIVE = re.compile(r"^(?:#{1,6} *)?::: ?(?P<name>[\w.]+) *$")


@dataclass(frozen=True)
class Fence:
    """A fenced code block.

    ``line`` is the line of the opening fence, ``body_line`` that of the first body
    line; ``body`` has the block's indentation removed. ``start`` and ``stop`` index the
    page's lines (opening fence to one past the closing fence) for rewriting the page.
    """

    info: str
    indent: str
    marker: str
    body: tuple[str, ...]
    line: int
    body_line: int
    start: int
    stop: int

    @property
    def kind(self) -> str:
        """What the block is: ``pycon``, ``python run``; its ``key=value`` options aside."""
        return " ".join(_OPTION.sub(" ", self.info).split())

    @property
    def options(self) -> str:
        """Display options such as ``title="σ"`` or ``linenums="1"``, kept when rendering."""
        return " ".join(match.group() for match in _OPTION.finditer(self.info))


@dataclass(frozen=True)
class Example:
    """One ``>>>`` statement, its ``...`` continuation lines and its written output."""

    source: str
    want: str
    line: int
    path: str
    # Where the code starts on its lines in the file: indentation plus the prompt.
    column: int = 0

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


class PageSyntaxError(ValueError):
    """A block the parser cannot accept, with the file and line to fix."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


def markdown_first_line(source: str, markdown: str) -> int:
    """The file line on which ``markdown`` starts, given the file's raw ``source``.

    MkDocs strips front matter (and the blank lines after it) before plugins see the
    Markdown, and only from the front; counting the lines that went away gives the offset.
    """
    source_lines = source.replace("\r\n", "\n").replace("\r", "\n").count("\n")
    markdown_lines = markdown.replace("\r\n", "\n").replace("\r", "\n").count("\n")
    return max(source_lines - markdown_lines, 0) + 1


def _dedent(line: str, indent: str) -> str:
    """Remove the block's indentation from a body line (a shorter line loses what it has)."""
    if line.startswith(indent):
        return line[len(indent) :]
    return line.lstrip(" \t")


def _closes(line: str, marker: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(marker) and set(stripped) == {marker[0]}


def find_fences(text: str, path: str, first_line: int = 1) -> list[Fence]:
    """All fenced code blocks of a Markdown text, in order.

    Raises PageSyntaxError for a fence that is never closed: Markdown would silently
    swallow the rest of the page into it.
    """
    lines = text.splitlines()
    fences: list[Fence] = []
    i = 0
    while i < len(lines):
        opening = _FENCE_OPEN.match(lines[i])
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            i += 1
            continue
        indent, marker, info = opening["indent"], opening["fence"], opening["info"].strip()
        j = i + 1
        while j < len(lines) and not _closes(lines[j], marker):
            j += 1
        if j == len(lines):
            raise PageSyntaxError(path, first_line + i, f"the fence {marker}{info} is never closed")
        body = tuple(_dedent(line, indent) for line in lines[i + 1 : j])
        fences.append(
            Fence(
                info=info,
                indent=indent,
                marker=marker,
                body=body,
                line=first_line + i,
                body_line=first_line + i + 1,
                start=i,
                stop=j + 1,
            )
        )
        i = j + 1
    return fences


def find_directives(text: str, first_line: int = 1) -> list[tuple[str, int]]:
    """The ``::: identifier`` autodoc directives outside fences, with their lines."""
    lines = text.splitlines()
    inside: set[int] = set()
    for fence in find_fences(text, "<directives>", first_line):
        inside.update(range(fence.start, fence.stop))
    found = []
    for i, line in enumerate(lines):
        match = _DIRECTIVE.match(line.strip())
        if match and i not in inside:
            found.append((match["name"], first_line + i))
    return found


def _is_prompt(line: str) -> bool:
    return line == ">>>" or line.startswith(">>> ")


def _is_continuation(line: str) -> bool:
    return line == "..." or line.startswith("... ")


_CHAIN_LINKS = (CAUSE, CONTEXT)


def _chain_goes_on(lines: tuple[str, ...] | list[str], i: int, want: list[str]) -> bool:
    """Whether the blank line ``i`` sits inside a chained traceback pasted from the REPL.

    A docstring's output ends at a blank line, but the REPL separates the tracebacks of a
    chain with blank lines around its linking sentence: the output goes on there.
    """
    written = [line.strip() for line in want if line.strip()]
    if not written or TRACEBACK_HEADER not in written:
        return False
    if written[-1] in _CHAIN_LINKS:
        return True
    following = next((line.strip() for line in lines[i:] if line.strip()), "")
    return following in _CHAIN_LINKS


def parse_session(
    lines: tuple[str, ...] | list[str],
    path: str,
    first_line: int,
    *,
    output_ends_at_blank: bool,
    column: int = 0,
) -> list[Example]:
    """The ``>>>`` examples of an interactive session.

    In a ``pycon`` fence the written output of a statement runs up to the next ``>>>``
    (``output_ends_at_blank=False``); in a docstring it ends at the first blank line, as
    in doctest, because prose follows. Each example keeps the indentation of its ``>>>``
    line; text before the first prompt of a fence is an error (it would be checked by
    nothing). ``column`` is the indentation the caller removed from ``lines``.
    """
    examples: list[Example] = []
    i = 0
    n = len(lines)
    while i < n:
        stripped = lines[i].lstrip(" \t")
        if not _is_prompt(stripped):
            if not output_ends_at_blank and stripped.strip():
                raise PageSyntaxError(
                    path,
                    first_line + i,
                    f"text before the first >>> prompt is checked by nothing: {stripped!r}",
                )
            i += 1
            continue
        indent = lines[i][: len(lines[i]) - len(stripped)]
        start = i
        source = [stripped[4:]]
        i += 1
        while i < n and _is_continuation(_dedent(lines[i], indent)):
            source.append(_dedent(lines[i], indent)[4:])
            i += 1
        want: list[str] = []
        while i < n:
            line = _dedent(lines[i], indent)
            if _is_prompt(line.lstrip(" \t")):
                break
            if output_ends_at_blank and not line.strip() and not _chain_goes_on(lines, i, want):
                break
            want.append(line)
            i += 1
        while want and not want[-1].strip():
            want.pop()
        examples.append(
            Example(
                source="\n".join(source),
                want="\n".join(want),
                line=first_line + start,
                path=path,
                column=column + len(indent) + 4,
            )
        )
    return examples
