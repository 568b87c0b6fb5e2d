"""The examples in docstrings: found in the source with ``ast``, so their lines are exact.

As in doctest, a docstring's examples run in a fresh copy of its module's globals:
``sigmoid(0)`` works in the docstring of ``sigmoid``, and nothing one docstring
defines reaches the next.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from docrun.blocks import Example, parse_session
from docrun.run import Namespace, Outcome, register_source, run_example


@dataclass(frozen=True)
class Docstring:
    """A docstring as written in its file: ``qualname`` is ``""`` for the module's."""

    qualname: str
    text: str
    line: int

    def examples(self, path: str) -> list[Example]:
        # The docstring's first line sits on the line of its opening quotes.
        return parse_session(self.text.splitlines(), path, self.line, output_ends_at_blank=True)


_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _docstring_of(node: ast.Module | _Definition, qualname: str) -> Docstring | None:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        value = body[0].value.value
        if isinstance(value, str):
            return Docstring(qualname, value, body[0].lineno)
    return None


def docstrings_in_source(source: str, path: str) -> list[Docstring]:
    """Every docstring of a module's source: the module's, its functions', its classes'
    and their methods', in the order of the file."""
    tree = ast.parse(source, filename=path)
    found: list[Docstring] = []
    module_doc = _docstring_of(tree, "")
    if module_doc is not None:
        found.append(module_doc)

    def visit(nodes: list[ast.stmt], prefix: str) -> None:
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                qualname = prefix + node.name
                doc = _docstring_of(node, qualname)
                if doc is not None:
                    found.append(doc)
                if isinstance(node, ast.ClassDef):
                    visit(node.body, qualname + ".")

    visit(tree.body, "")
    return found


def module_namespace(module: str) -> Namespace:
    """A fresh copy of a module's globals, the namespace its docstrings' examples run in."""
    namespace = dict(vars(importlib.import_module(module)))
    namespace["__name__"] = "__main__"  # what the example defines belongs to no module
    return namespace


def run_docstring(docstring: Docstring, path: str, namespace: Namespace) -> list[Outcome]:
    """Run the examples of one docstring, in order, in ``namespace``."""
    return [run_example(example, namespace) for example in docstring.examples(path)]


def module_name(file: str | os.PathLike[str]) -> str:
    """The dotted name of a module file inside a package: the folders up the chain of
    ``__init__.py`` files, then the file's stem."""
    path = Path(file).resolve()
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def display_path(file: str | os.PathLike[str], root: str | os.PathLike[str]) -> str:
    """``file`` relative to the project root when it lies inside it, else absolute."""
    absolute = Path(file).resolve()
    try:
        return absolute.relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return absolute.as_posix()


def resolve(identifier: str) -> object:
    """The object an autodoc identifier names: a module, or an attribute path in one."""
    parts = identifier.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            obj = getattr(obj, name)
        return obj
    raise ModuleNotFoundError(f"cannot import any module of {identifier!r}")


def _public_members(module: ModuleType) -> list[object]:
    """The members a module documents: ``__all__``, or its own public names."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, value in vars(module).items()
            if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
        ]
    return [getattr(module, name) for name in names]


@dataclass(frozen=True)
class Documented:
    """A source file and the qualified names documented from it (``""``: the module)."""

    file: str
    module: str
    qualnames: frozenset[str]

    def selects(self, qualname: str) -> bool:
        """Whether ``qualname`` is shown: a named object, or a public member of a named class."""
        if qualname in self.qualnames:
            return True
        owner, _, member = qualname.rpartition(".")
        return bool(owner) and owner in self.qualnames and not member.startswith("_")


def documented_by(identifier: str) -> list[Documented]:
    """The source files and objects an autodoc directive ``::: identifier`` shows.

    A module shows its own docstring and its public members (``__all__``), submodules
    recursively; a class shows its docstring and its public methods; a function its
    docstring. Objects without Python source (NumPy's, say) have no examples of ours.
    """
    chosen: dict[tuple[str, str], set[str]] = {}

    def add(obj: object, seen: set[int]) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        try:
            file = inspect.getsourcefile(obj)  # type: ignore[arg-type]
        except TypeError:
            return
        if file is None:
            return
        if isinstance(obj, ModuleType):
            chosen.setdefault((file, obj.__name__), set()).add("")
            for member in _public_members(obj):
                add(member, seen)
            return
        qualname = getattr(obj, "__qualname__", None)
        module = getattr(obj, "__module__", None)
        if isinstance(qualname, str) and isinstance(module, str):
            chosen.setdefault((file, module), set()).add(qualname)

    add(resolve(identifier), set())
    return [Documented(file, module, frozenset(names)) for (file, module), names in chosen.items()]


def run_documented(identifier: str, root: str | os.PathLike[str]) -> list[Outcome]:
    """Run the examples of every docstring a ``::: identifier`` directive shows."""
    outcomes: list[Outcome] = []
    for documented in documented_by(identifier):
        source = Path(documented.file).read_text(encoding="utf-8")
        path = display_path(documented.file, root)
        register_source(path, source)
        for docstring in docstrings_in_source(source, path):
            if documented.selects(docstring.qualname):
                namespace = module_namespace(documented.module)
                outcomes.extend(run_docstring(docstring, path, namespace))
    return outcomes
