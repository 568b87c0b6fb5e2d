"""The site's one symbol table: every letter an equation may use, its meaning and shape.

The table is data (``docs/symbols.yml``): the Notation page is printed from it, the TeX
reader (:mod:`docrun.texmath`) accepts no symbol that is not in it, and an index used
with another meaning than the table gives (``i`` for data points, where ``μ`` is
reserved) fails the build. Each quantity also says how it is indexed, the values the
equation checker samples it from, and, for the quantities the pages define once for the
whole site (σ, h, ŷ, ℓ, E), its defining equation in TeX, read by the same reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy
import yaml

# The index a slot has when the TeX leaves it out: the one data point, feature or output
# an equation about a single one is written for. Definitions are written with them.
CURRENT = {
    "sample": sympy.Symbol("μ₀", integer=True),
    "feature": sympy.Symbol("i₀", integer=True),
    "output": sympy.Symbol("j₀", integer=True),
}
KINDS = tuple(CURRENT)


class SymbolError(ValueError):
    """A symbol that is not in the table, or an index used against its meaning."""


@dataclass(frozen=True)
class Index:
    tex: str
    name: str
    kind: str
    size: sympy.Symbol
    meaning: str

    @property
    def symbol(self) -> sympy.Symbol:
        return sympy.Symbol(self.name, integer=True)


@dataclass(frozen=True)
class Entry:
    tex: str
    kind: str  # variable, size, index, function, notation
    meaning: str
    shape: str = ""
    shown: str = ""  # the Notation page's symbol column (default: the TeX)
    code: str = ""  # the Notation page's code column
    hidden: bool = False  # listed in another row of the Notation page

    @property
    def symbol(self) -> sympy.Symbol:
        return sympy.Symbol(self.tex.lstrip("\\"), positive=True, integer=True)


@dataclass(frozen=True)
class Variable(Entry):
    """A quantity: scalar, or indexed by data point (a superscript) and subscripts."""

    python: str = ""
    point: str = ""
    base: str = ""
    slots: tuple[str, ...] = ()
    subscripts: tuple[str, ...] = ()
    domain: tuple[float, float] = (-3.0, 3.0)
    parameters: tuple[str, ...] = ()
    definition: str = ""

    @property
    def sample_superscript(self) -> bool:
        return "sample" in self.slots


@dataclass
class SymbolTable:
    entries: dict[str, Entry]
    indices: dict[str, Index]
    definitions: dict[str, str] = field(default_factory=dict)
    source: str = ""

    # -- lookups the reader uses ---------------------------------------------------------
    def lookup(self, tex: str) -> Entry:
        if tex in self.entries:
            return self.entries[tex]
        if tex in self.indices:
            index = self.indices[tex]
            return Entry(tex, "index", index.meaning)
        raise SymbolError(
            f"{tex} is not in the symbol table ({self.source}); add it with its meaning "
            "and shape, so the Notation page lists it"
        )

    def index(self, tex: str) -> Index:
        if tex not in self.indices:
            raise SymbolError(f"{tex} is not an index in the symbol table ({self.source})")
        return self.indices[tex]

    def is_index(self, tex: str, kind: str) -> bool:
        return tex in self.indices and self.indices[tex].kind == kind

    def size(self, kind: str) -> sympy.Symbol:
        for index in self.indices.values():
            if index.kind == kind:
                return index.size
        raise SymbolError(f"no index of kind {kind}")

    def function(self, tex: str) -> sympy.FunctionClass:
        return sympy.Function(self.entries[tex].tex.lstrip("\\"))

    def base(self, entry: Variable) -> sympy.IndexedBase:
        return sympy.IndexedBase(entry.base or entry.python)

    def indexed(
        self,
        entry: Variable,
        superscript: Sequence[Any] | None,
        subscript: Sequence[Any] | None,
        bound: Sequence[str],
    ) -> sympy.Expr:
        """The quantity ``entry`` with the indices written on it, slot by slot."""
        if not entry.slots:
            if superscript or subscript:
                raise SymbolError(f"{entry.tex} ({entry.meaning}) takes no index")
            return sympy.Symbol(entry.python)
        values = {kind: CURRENT[kind] for kind in entry.slots}
        if superscript:
            values["sample"] = self.index(superscript[0].text).symbol
        written = [token.text for token in subscript or []]
        if len(written) > len(entry.subscripts):
            raise SymbolError(
                f"{entry.tex}_{{{''.join(written)}}}: {entry.tex} has "
                f"{len(entry.subscripts)} subscript(s), "
                + ", ".join(self._kind_letter(kind) for kind in entry.subscripts)
            )
        for text, kind in zip(written, entry.subscripts, strict=False):
            values[kind] = self._slot_value(entry, text, kind)
        return self.base(entry)[tuple(values[kind] for kind in entry.slots)]

    def _kind_letter(self, kind: str) -> str:
        letters = [index.tex for index in self.indices.values() if index.kind == kind]
        return f"{'/'.join(letters)} ({kind})"

    def _slot_value(self, entry: Variable, text: str, kind: str) -> sympy.Expr:
        if text.isdigit():
            return sympy.Integer(int(text))
        if text in self.indices:
            index = self.indices[text]
            if index.kind != kind:
                hint = (
                    f"; a data point is written as a superscript, {entry.tex}^\\mu"
                    if "sample" in entry.slots
                    else ""
                )
                raise SymbolError(
                    f"{entry.tex}_{text}: {text} is the {index.kind} index, but this subscript "
                    f"of {entry.tex} is its {kind} index {self._kind_letter(kind)}{hint}"
                )
            return index.symbol
        if text == str(self.size(kind)):
            return self.size(kind)
        raise SymbolError(f"{entry.tex}_{text}: {text} is not an index of kind {kind}")

    def dot(self, left: sympy.Expr, right: sympy.Expr) -> sympy.Expr:
        """W x for two quantities over the features: Σ_i w_i x_i."""
        current = CURRENT["feature"]
        dummy = sympy.Symbol("i_dot", integer=True)
        body = left.subs(current, dummy) * right.subs(current, dummy)
        return sympy.Sum(body, (dummy, 1, self.size("feature")))

    def variables(self) -> list[Variable]:
        return [entry for entry in self.entries.values() if isinstance(entry, Variable)]


def load(path: str | Path) -> SymbolTable:
    """The table in ``path`` (YAML): indices, sizes, functions and quantities."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    entries: dict[str, Entry] = {}
    indices: dict[str, Index] = {}
    definitions: dict[str, str] = {}

    def shown(item: dict[str, Any]) -> dict[str, Any]:
        return {
            "shape": item.get("shape", ""),
            "shown": item.get("shown", f"${item['tex']}$"),
            "code": item.get("code", "—"),
            "hidden": bool(item.get("hidden", False)),
        }

    for item in data["sizes"]:
        entries[item["tex"]] = Entry(item["tex"], "size", item["meaning"], **shown(item))
    for item in data["indices"]:
        size = sympy.Symbol(item["size"], positive=True, integer=True)
        indices[item["tex"]] = Index(
            item["tex"], item["tex"].lstrip("\\"), item["kind"], size, item["meaning"]
        )
    for item in data["functions"]:
        entries[item["tex"]] = Entry(item["tex"], "function", item["meaning"], **shown(item))
        if item.get("definition"):
            definitions[item["tex"]] = item["definition"]
    for item in data["quantities"]:
        if item.get("kind") == "notation":
            entries[item["tex"]] = Entry(item["tex"], "notation", item["meaning"], **shown(item))
            continue
        slots = tuple(item.get("indices", ()))
        entries[item["tex"]] = Variable(
            tex=item["tex"],
            kind="variable",
            meaning=item["meaning"],
            **shown(item),
            python=item.get("python", ""),
            point=item.get("point", ""),
            base=item.get("base", ""),
            slots=slots,
            subscripts=tuple(kind for kind in slots if kind != "sample"),
            domain=tuple(item.get("domain", (-3.0, 3.0))),
            parameters=tuple(item.get("parameters", ())),
            definition=item.get("definition", ""),
        )
    for entry in entries.values():
        if isinstance(entry, Variable) and entry.definition:
            definitions[entry.tex] = entry.definition
    return SymbolTable(entries, indices, definitions=definitions, source=str(path))


def markdown_table(table: SymbolTable) -> str:
    """The Notation page's table: symbol, meaning, shape and name in the code."""
    lines = ["| Symbol | Meaning | Shape | In `mlmath` |", "|---|---|---|---|"]
    sizes = [entry for entry in table.entries.values() if entry.kind == "size"]
    for entry in sizes:
        lines.append(f"| {entry.shown} | {entry.meaning} | {entry.shape} | {entry.code} |")
    for index in table.indices.values():
        lines.append(f"| ${index.tex}$ | {index.meaning} | integer | — |")
    for entry in table.entries.values():
        if entry.kind != "size" and not entry.hidden:
            lines.append(f"| {entry.shown} | {entry.meaning} | {entry.shape} | {entry.code} |")
    return "\n".join(lines)
