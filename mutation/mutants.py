"""What each mutant of mlmath changes, read from the code mutmut generates.

mutmut writes every mutant as a copy of its function (``x_sigmoid__mutmut_3`` next to
``x_sigmoid__mutmut_orig``). Comparing the copy with the original gives the lines it
changes, which is how a mutant is named here: by its function and its edit, so the
list of equivalent mutants does not depend on mutmut's numbering, which shifts with
every edit of the file.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "mlmath"

# x_name__mutmut_7, xǁClassǁname__mutmut_7 (methods), and the same with _orig.
_COPY = re.compile(r"^x(?:_|ǁ(?P<cls>[^ǁ]+)ǁ)(?P<name>.+)__mutmut_(?P<n>\d+|orig)$")


@dataclass(frozen=True)
class Mutant:
    """One mutant: mutmut's key, the function it mutates and the edit, line for line."""

    key: str  # mutmut's name, e.g. mlmath.activation.x_sigmoid__mutmut_3
    module: str  # mlmath.activation
    function: str  # sigmoid, or Kernel.block for a method
    line: int  # the first changed line, in the original source file
    before: str  # the changed lines as written, stripped and joined by " / "
    after: str  # the same lines in the mutant


def _copies(tree: ast.Module) -> dict[tuple[str, str], dict[str, ast.FunctionDef]]:
    """{(class or "", function): {"orig" or N: the definition}} of a mutated module."""
    found: dict[tuple[str, str], dict[str, ast.FunctionDef]] = {}

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.ClassDef):
                visit(node.body)
            elif isinstance(node, ast.FunctionDef) and (match := _COPY.match(node.name)):
                place = (match["cls"] or "", match["name"])
                found.setdefault(place, {})[match["n"]] = node

    visit(tree.body)
    return found


def _lines(source: list[str], node: ast.FunctionDef) -> list[str]:
    # The body only: the def line differs in its name in every copy.
    assert node.end_lineno is not None
    return source[node.body[0].lineno - 1 : node.end_lineno]


def _original_body_start(original: ast.Module, cls: str, name: str) -> int:
    """The line of the first statement of the function in the unmutated file."""
    scope: list[ast.stmt] = original.body
    if cls:
        scope = next(n.body for n in scope if isinstance(n, ast.ClassDef) and n.name == cls)
    # The last definition wins (an @overload's stubs come first, as in Python).
    defs = [n for n in scope if isinstance(n, ast.FunctionDef) and n.name == name]
    return defs[-1].body[0].lineno


def mutants_of(module: str, mutated_code: str, original_code: str) -> list[Mutant]:
    """Every mutant in ``mutated_code``, mutmut's version of the module ``module``."""
    source = mutated_code.splitlines()
    original = ast.parse(original_code)
    result = []
    for (cls, name), copies in _copies(ast.parse(mutated_code)).items():
        orig = _lines(source, copies["orig"])
        start = _original_body_start(original, cls, name)
        for n, node in copies.items():
            if n == "orig":
                continue
            changed = _lines(source, node)
            before: list[str] = []
            after: list[str] = []
            first = None
            matcher = difflib.SequenceMatcher(a=orig, b=changed, autojunk=False)
            for tag, a0, a1, b0, b1 in matcher.get_opcodes():
                if tag != "equal":
                    first = a0 if first is None else first
                    before += [line.strip() for line in orig[a0:a1]]
                    after += [line.strip() for line in changed[b0:b1]]
            key = f"{module}.x{'ǁ' + cls + 'ǁ' if cls else '_'}{name}__mutmut_{n}"
            result.append(
                Mutant(
                    key=key,
                    module=module,
                    function=f"{cls}.{name}" if cls else name,
                    line=start + (first or 0),
                    before=" / ".join(before),
                    after=" / ".join(after),
                )
            )
    return result


def module_of(path: Path) -> str:
    """mlmath/activation.py -> mlmath.activation."""
    return ".".join(path.with_suffix("").relative_to(ROOT).parts)


def generate(path: Path) -> list[Mutant]:
    """The mutants mutmut makes of one source file, generated afresh (no test is run)."""
    from mutmut.configuration import reset_config
    from mutmut.mutation.file_mutation import mutate_file_contents

    reset_config()  # reads [tool.mutmut] of pyproject.toml in the working directory
    code = path.read_text(encoding="utf-8")
    mutated = mutate_file_contents(str(path.relative_to(ROOT)), code)
    return mutants_of(module_of(path), mutated.code, code)
