"""Run examples the way the Python REPL does, in a namespace of the caller's choosing."""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import linecache
import sys
import traceback
import warnings
from dataclasses import dataclass
from types import CodeType, TracebackType
from typing import Any

from docrun.blocks import Example
from docrun.check import (
    Options,
    directives,
    exception_matches,
    formatted_exception,
    output_matches,
    short_traceback,
    written_exceptions,
)

Namespace = dict[str, Any]


def fresh_namespace() -> Namespace:
    """An empty module namespace, as a new REPL session starts with."""
    return {"__name__": "__main__", "__builtins__": builtins}


def register_source(path: str, text: str) -> None:
    """Let tracebacks quote the page's own lines for code compiled as ``path``."""
    lines = [line + "\n" for line in text.splitlines()]
    linecache.cache[path] = (len(text), None, lines, path)


def _compile(source: str, path: str, line: int, mode: str, column: int) -> CodeType:
    """Compile with the file's lines and columns, so tracebacks point into the page.

    ``column`` is where the code starts on its line: after the block's indentation, and
    after the ``>>> `` or ``... `` prompt in a session.
    """
    try:
        tree = ast.parse(source + "\n", filename=path, mode=mode)
    except SyntaxError as error:
        raise _on_page(error, path, line, column) from None
    assert isinstance(tree, ast.Module | ast.Interactive)  # the modes "exec" and "single"
    ast.increment_lineno(tree, line - 1)
    for node in ast.walk(tree):
        if isinstance(getattr(node, "col_offset", None), int):
            node.col_offset += column  # type: ignore[attr-defined]
            if getattr(node, "end_col_offset", None) is not None:
                node.end_col_offset += column  # type: ignore[attr-defined]
    code: CodeType = compile(tree, path, mode, dont_inherit=True)
    return code


def _on_page(error: SyntaxError, path: str, line: int, column: int) -> SyntaxError:
    """The same SyntaxError at the page's own line and column, quoting the page's line.

    ``ast.parse`` counts lines from the example's first line; a report must name the line
    of the file a reader opens.
    """
    lineno = (error.lineno or 1) + line - 1
    end_lineno = error.end_lineno + line - 1 if error.end_lineno is not None else None
    text, offset, end_offset = error.text, error.offset, error.end_offset
    page_line = linecache.getline(path, lineno)
    if page_line.strip():  # the page is registered: quote it, prompt included
        text = page_line
        offset = offset + column if offset is not None else None
        end_offset = end_offset + column if end_offset is not None else None
    moved = type(error)(error.msg, (path, lineno, offset, text, end_lineno, end_offset))
    for note in getattr(error, "__notes__", ()):
        moved.add_note(note)
    return moved


def _repl_syntax_error(source: str) -> str | None:
    """What the REPL prints for typed code that does not compile, ``File "<stdin>"`` and
    caret included; None if it compiles."""
    try:
        compile(source + "\n", "<stdin>", "single", dont_inherit=True)
    except SyntaxError as error:
        return "".join(traceback.format_exception_only(type(error), error)).rstrip("\n")
    return None


def _user_traceback(error: BaseException, path: str) -> str:
    """The traceback from the example's own frame on, without the runner's frames."""
    tb: TracebackType | None = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != path:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


@dataclass(frozen=True)
class Outcome:
    """What one example did: its REPL output, and the exception it raised, if any."""

    example: Example
    got: str
    error: BaseException | None
    error_traceback: str
    warnings: tuple[str, ...]
    # False when the example did not compile: the REPL shows its SyntaxError bare.
    compiled: bool = True

    @property
    def options(self) -> Options:
        return directives(self.example.source)

    @property
    def expects_exception(self) -> bool:
        return bool(written_exceptions(self.example.want, bare=not self.compiled))

    @property
    def passed(self) -> bool:
        if self.warnings or self.options.refused:
            return False
        want, options = self.example.want, self.options
        if self.expects_exception:
            return self.error is not None and exception_matches(
                want, self.error, options, bare=not self.compiled
            )
        return self.error is None and output_matches(want, self.got, options)

    @property
    def shown(self) -> str:
        """The output the page shows: the actual one, as the REPL prints it, with
        tracebacks in doctest's short form (a chain shows each of its exceptions)."""
        if self.error is None:
            return self.got.rstrip("\n")
        if not self.compiled:
            repl = _repl_syntax_error(self.example.source)
            return repl if repl is not None else formatted_exception(self.error)
        return short_traceback(self.error)

    def report(self) -> str:
        """What went wrong, for the build log and the pytest report."""
        src = "\n".join(
            ("    >>> " if k == 0 else "    ... ") + line
            for k, line in enumerate(self.example.source.splitlines() or [""])
        )
        head = f"{self.example.location}: example failed\n{src}\n"
        if self.options.refused:
            reasons = "\n".join(self.options.refused)
            return head + "Its doctest directive is refused here:\n" + indent(reasons)
        if self.warnings:
            return head + "It emitted a warning:\n" + indent("\n".join(self.warnings))
        expected = "Expected:\n" + indent(self.example.want or "(no output)")
        if self.error is not None and not self.expects_exception:
            return head + expected + "\nGot an exception:\n" + indent(self.error_traceback)
        got = self.shown if self.error is not None else self.got.rstrip("\n")
        if self.expects_exception and self.error is None:
            got = (got + "\n" if got else "") + "(no exception raised)"
        return head + expected + "\nGot:\n" + indent(got or "(no output)")


def indent(text: str) -> str:
    """Indent each non-empty line by four spaces, for reports."""
    return "\n".join("    " + line if line else "" for line in text.splitlines())


@contextlib.contextmanager
def _captured(buffer: io.StringIO) -> Any:
    """Send stdout, stderr and the REPL's echo of expression values to ``buffer``."""

    def echo(value: object) -> None:
        # The REPL's rule: None is not shown; anything else is shown as its repr.
        if value is not None:
            buffer.write(repr(value) + "\n")
            builtins_underscore[0] = value

    builtins_underscore: list[object] = [None]
    saved = sys.displayhook
    sys.displayhook = echo
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer), _no_stdin():
            yield builtins_underscore
    finally:
        sys.displayhook = saved


@contextlib.contextmanager
def _no_stdin() -> Any:
    """An empty stdin: input() in an example raises EOFError instead of hanging the build."""
    saved = sys.stdin
    sys.stdin = io.StringIO()
    try:
        yield
    finally:
        sys.stdin = saved


def run_example(example: Example, namespace: Namespace) -> Outcome:
    """Run one ``>>>`` statement in ``namespace`` as the REPL would, and record it.

    A statement that does not compile counts as an exception it raised, as in the REPL.
    Warnings are recorded and fail the example: a page must not hide one.
    """
    buffer = io.StringIO()
    error: BaseException | None = None
    error_traceback = ""
    compiled = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with _captured(buffer) as last_value:
            try:
                code = _compile(
                    example.source, example.path, example.line, "single", example.column
                )
                compiled = True
                exec(code, namespace)
            except (Exception, SystemExit) as exc:  # exit() must not end the build
                error = exc
                error_traceback = _user_traceback(exc, example.path)
        if last_value[0] is not None:
            namespace["_"] = last_value[0]
    return Outcome(
        example=example,
        got=buffer.getvalue(),
        error=error,
        error_traceback=error_traceback,
        warnings=tuple(
            f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught
        ),
        compiled=compiled,
    )


@dataclass(frozen=True)
class ScriptResult:
    """What a ``python run`` block did: its stdout, and the exception it raised, if any."""

    stdout: str
    error: BaseException | None
    error_traceback: str
    warnings: tuple[str, ...]


def run_script(
    source: str, path: str, line: int, namespace: Namespace, column: int = 0
) -> ScriptResult:
    """Run a whole ``python run`` block as a script in ``namespace``, capturing stdout."""
    buffer = io.StringIO()
    error: BaseException | None = None
    error_traceback = ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.redirect_stdout(buffer), _no_stdin():
            try:
                exec(_compile(source, path, line, "exec", column), namespace)
            except (Exception, SystemExit) as exc:  # exit() must not end the build
                error = exc
                error_traceback = _user_traceback(exc, path)
    return ScriptResult(
        stdout=buffer.getvalue(),
        error=error,
        error_traceback=error_traceback,
        warnings=tuple(
            f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught
        ),
    )
