"""Check displayed equations against SymPy and the library, and say what was checked.

Each display equation (``$$ … $$``) on a page, in a notebook's Markdown or in a
docstring is followed by a binding, an HTML comment that readers do not see::

    $$
    \\sigma(h) = \\frac{1}{1 + e^{-h}} .
    $$
    <!-- check: equals sigmoid(h); h in [-800, 800]; rtol 1e-15 -->

or ``<!-- unchecked: why this one cannot be -->``. A display with neither fails. The
TeX the reader sees is read through the symbol table (:mod:`docrun.texmath`); then

* every ``=`` of a display is an identity: SymPy proves it, or, where SymPy cannot
  decide, it holds to 40 digits at random points; a counterexample fails with the point;
* ``equals EXPR``: the last side, evaluated exactly (mpmath) at seeded sample points with
  the extremes of each domain, agrees with the library's ``EXPR`` within ``rtol``;
* ``derivative EXPR of F by NAME``: as ``equals``, and ``EXPR`` agrees with a central
  finite difference of ``F`` in ``NAME`` at the same points;
* ``defines``: the display's left side names a quantity this page defines (shadowing the
  symbol table's definition on this page); it is used, not tested, unless ``equals`` is
  given too.

Clauses take ``@N`` to address the N-th equation of a display (``\\qquad``-separated).
"""

from __future__ import annotations

import ast
import contextlib
import itertools
import math
import re
import signal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import product
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import sympy

from docrun import symbols, texmath

# The results and their marks on the page live apart, free of SymPy, so that a build
# served from docrun's cache does not import it; they are names of this module too.
from docrun.marks import BINDING_COMMENT as BINDING_COMMENT
from docrun.marks import Result as Result
from docrun.marks import coverage as coverage
from docrun.marks import insert_marks as insert_marks
from docrun.marks import mark_html as mark_html
from docrun.symbols import CURRENT, SymbolTable, Variable
from docrun.texmath import Partial, Statement, TexError

# Concrete sizes the identities are instantiated with: small enough for SymPy, large
# enough that a sum or an index cannot be right by accident.
SIZES = {"sample": 3, "feature": 2, "output": 2}
DIGITS = 40
SYMPY_SECONDS = 2
IDENTITY_POINTS = 12

_BINDING = re.compile(r"<!--\s*(?P<verb>check|unchecked)\s*:(?P<body>.*?)-->", re.DOTALL)


class BindingError(ValueError):
    """A binding the checker cannot read."""


# ---------------------------------------------------------------------------------------
# Finding displays and their bindings
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Display:
    tex: str
    line: int  # the line of the opening $$ (1-based, in the source given)
    binding: str | None  # the comment's text, "check: …" or "unchecked: …"
    binding_line: int


_DISPLAY = re.compile(r"(?<!\\)\$\$(?P<tex>.+?)(?<!\\)\$\$", re.DOTALL)


def find_displays(source: str, prose: str | None = None) -> list[Display]:
    """The display equations of a Markdown source and the binding after each.

    ``prose`` is ``source`` with code and comments blanked out (same length), so that a
    ``$$`` in code is not an equation; without it every ``$$`` counts.
    """
    masked = source if prose is None else prose
    found: list[Display] = []
    for match in _DISPLAY.finditer(masked):
        tex = source[match.start("tex") : match.end("tex")]
        line = source.count("\n", 0, match.start()) + 1
        rest = source[match.end() :]
        binding = _BINDING.match(rest.lstrip(" \t\n")) if rest.strip() else None
        gap = rest[: len(rest) - len(rest.lstrip(" \t\n"))]
        # Only the comment right after the display (a blank line at most) binds it.
        if binding is not None and gap.count("\n") <= 2:
            text = f"{binding.group('verb')}:{binding.group('body')}".strip()
            at = source.count("\n", 0, match.end() + len(gap)) + 1
            found.append(Display(tex.strip(), line, " ".join(text.split()), at))
        else:
            found.append(Display(tex.strip(), line, None, line))
    return found


# ---------------------------------------------------------------------------------------
# Bindings
# ---------------------------------------------------------------------------------------


@dataclass
class Clause:
    verb: str  # equals, derivative, defines
    expression: str = ""
    of: str = ""
    by: str = ""
    statement: int | None = None


@dataclass
class Binding:
    clauses: list[Clause] = field(default_factory=list)
    domains: dict[str, tuple[float, float]] = field(default_factory=dict)
    rtol: float | None = None
    points: int = 32


_AT = re.compile(r"\s*@(\d+)\s*$")
_DOMAIN = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s+in\s+\[(?P<lo>[^,\]]+),(?P<hi>[^\]]+)\]$")


def parse_binding(text: str) -> Binding:
    """The clauses of ``check: …`` (separated by ``;``)."""
    binding = Binding()
    for raw in text.split(":", 1)[1].split(";"):
        part = raw.strip()
        if not part:
            continue
        statement = None
        if (at := _AT.search(part)) is not None:
            statement = int(at.group(1))
            part = part[: at.start()].strip()
        if (domain := _DOMAIN.match(part)) is not None:
            binding.domains[domain.group("name")] = (
                float(domain.group("lo")),
                float(domain.group("hi")),
            )
        elif part.startswith("rtol "):
            binding.rtol = float(part[5:])
        elif part.startswith("points "):
            binding.points = int(part[7:])
        elif part == "defines":
            binding.clauses.append(Clause("defines", statement=statement))
        elif part.startswith("equals "):
            binding.clauses.append(Clause("equals", part[7:].strip(), statement=statement))
        elif part.startswith("derivative "):
            match = re.match(r"derivative (.+) of (.+) by (.+)$", part)
            if match is None:
                raise BindingError(f"write `derivative EXPR of F by NAME`, not {part!r}")
            expression, of, by = (group.strip() for group in match.groups())
            binding.clauses.append(Clause("derivative", expression, of, by, statement))
        else:
            raise BindingError(
                f"cannot read {part!r}: a check has `equals EXPR`, `derivative EXPR of F by "
                "NAME`, `defines`, `NAME in [lo, hi]`, `rtol X` or `points N`"
            )
    needs_rtol = any(clause.verb in ("equals", "derivative") for clause in binding.clauses)
    if needs_rtol and binding.rtol is None:
        raise BindingError("an `equals` or `derivative` check must state its tolerance: `rtol X`")
    return binding


# ---------------------------------------------------------------------------------------
# Definitions: the symbol table's, and a page's own
# ---------------------------------------------------------------------------------------


_TOKENS = itertools.count()


@dataclass
class Definitions:
    """What each defined quantity and function stands for, as SymPy templates."""

    variables: dict[str, tuple[sympy.Expr, sympy.Expr]] = field(default_factory=dict)
    functions: dict[str, sympy.Lambda] = field(default_factory=dict)
    # Names this set of definitions in caches; a new one for every change.
    token: int = field(default_factory=lambda: next(_TOKENS))

    def copy(self) -> Definitions:
        return Definitions(dict(self.variables), dict(self.functions))

    def add(self, statement: Statement) -> None:
        self.token = next(_TOKENS)
        left, right = statement.sides[0], statement.sides[1]
        if isinstance(left, sympy.Indexed):
            self.variables[str(left.base.label)] = (left, right)
        elif isinstance(left, sympy.Symbol):
            self.variables[left.name] = (left, right)
        elif isinstance(left, sympy.core.function.AppliedUndef):
            argument = left.args[0]
            dummy = sympy.Dummy("z")
            self.functions[left.func.__name__] = sympy.Lambda(dummy, right.subs(argument, dummy))
        else:
            raise BindingError(f"cannot define {left}: its left side is not one quantity")


def _key(expr: sympy.Expr) -> str | None:
    if isinstance(expr, sympy.Indexed):
        return str(expr.base.label)
    if isinstance(expr, sympy.Symbol):
        return str(expr.name)
    return None


@cache
def _table(path: str) -> tuple[SymbolTable, Definitions]:
    table = symbols.load(path)
    definitions = Definitions()
    for tex in table.definitions.values():
        definitions.add(texmath.parse_display(tex, table)[0])
    return table, definitions


def table_for(symbols_file: str | Path) -> tuple[SymbolTable, Definitions]:
    """The symbol table in ``symbols_file`` and its definitions (read once per process;
    :func:`forget_tables` reads them afresh)."""
    if not Path(symbols_file).is_file():
        raise BindingError(f"the symbol table {symbols_file} does not exist")
    return _table(str(Path(symbols_file).resolve()))


def forget_tables() -> None:
    """Read the symbol table again on the next build (``mkdocs serve`` after an edit)."""
    _table.cache_clear()
    _EXPANDED.clear()


# ---------------------------------------------------------------------------------------
# Expanding, instantiating, evaluating
# ---------------------------------------------------------------------------------------


def _sizes(table: SymbolTable) -> dict[sympy.Symbol, int]:
    return {table.size(kind): value for kind, value in SIZES.items()}


def _instantiate(template: tuple[sympy.Expr, sympy.Expr], actual: sympy.Expr) -> sympy.Expr:
    left, right = template
    if isinstance(left, sympy.Indexed) and isinstance(actual, sympy.Indexed):
        mapping = {
            slot: value
            for slot, value in zip(left.indices, actual.indices, strict=True)
            if slot != value
        }
        return right.subs(mapping, simultaneous=True)
    return right


_EXPANDED: dict[tuple[sympy.Expr, int, frozenset[str]], sympy.Expr] = {}


def _expand(
    expr: sympy.Expr,
    definitions: Definitions,
    sizes: dict[sympy.Symbol, int],
    keep: set[str],
) -> sympy.Expr:
    """Replace defined quantities (except those in ``keep``) by their definitions and
    write every sum out, until nothing changes (remembered: the identities and the
    bindings of one display expand the same sides)."""
    key = (expr, definitions.token, frozenset(keep))
    if key not in _EXPANDED:
        _EXPANDED[key] = _expand_once(expr, definitions, sizes, keep)
    return _EXPANDED[key]


def _expand_once(
    expr: sympy.Expr,
    definitions: Definitions,
    sizes: dict[sympy.Symbol, int],
    keep: set[str],
) -> sympy.Expr:
    for _ in range(12):
        before = expr
        expr = _resolve(expr, definitions, sizes)
        # Write the sums out; a doit() on everything would also turn f'(h) back into
        # d f(h)/dh, which cannot survive h being expanded.
        expr = expr.subs(sizes).replace(
            lambda e: isinstance(e, sympy.Sum), lambda e: e.doit(deep=False)
        )
        replacements: dict[sympy.Expr, sympy.Expr] = {}
        for atom in expr.atoms(sympy.Indexed, sympy.Symbol):
            name = _key(atom)
            if name in definitions.variables and name not in keep:
                replacements[atom] = _instantiate(definitions.variables[name], atom)
        if replacements:
            expr = expr.xreplace(replacements)
        if expr == before:
            return expr
    raise BindingError("the definitions refer to each other without end")


def _resolve(expr: sympy.Expr, definitions: Definitions, sizes: dict[sympy.Symbol, int]) -> Any:
    """∂A/∂B as SymPy's derivative of A's definition (expanded down to B) by B."""

    def derivative(of: sympy.Expr, by: sympy.Expr) -> sympy.Expr:
        name = _key(by)
        if name is None:
            raise BindingError(f"∂/∂({by}): differentiate by one quantity")
        expanded = _expand(of, definitions, sizes, keep={name})
        return _as_subs(sympy.diff(expanded, by))

    return expr.replace(lambda e: isinstance(e, Partial), lambda e: derivative(*e.args))


def _as_subs(expr: sympy.Expr) -> sympy.Expr:
    """f'(h) as SymPy's Subs(d f(z)/dz, z, h), so that h may still be expanded."""

    def is_plain(e: sympy.Expr) -> bool:
        return (
            isinstance(e, sympy.Derivative)
            and isinstance(e.expr, sympy.core.function.AppliedUndef)
            and len(e.expr.args) == 1
            and len(e.variables) == 1
        )

    def rewrite(e: sympy.Derivative) -> sympy.Expr:
        # The chain rule, with the outer derivative kept as f'(inner).
        z = sympy.Dummy("z")
        inner = e.expr.args[0]
        outer = sympy.Subs(sympy.Derivative(e.expr.func(z), z), z, inner)
        return outer * sympy.diff(inner, e.variables[0])

    return expr.replace(is_plain, rewrite)


def _functions(expr: sympy.Expr, definitions: Definitions, numeric: bool) -> sympy.Expr:
    """Put in the functions' definitions; numerically, f (any activation) is σ."""
    bodies = dict(definitions.functions)
    if numeric and "sigma" in bodies:
        bodies.setdefault("f", bodies["sigma"])

    def is_derivative(e: sympy.Expr) -> bool:
        return (
            isinstance(e, sympy.Subs)
            and isinstance(e.expr, sympy.Derivative)
            and isinstance(e.expr.expr, sympy.core.function.AppliedUndef)
            and e.expr.expr.func.__name__ in bodies
        )

    def slope(e: sympy.Subs) -> sympy.Expr:
        body = bodies[e.expr.expr.func.__name__]
        variable = body.variables[0]
        # SymPy may chain substitutions, Subs(d f(z)/dz, (z, ξ), (ξ, h)): follow them.
        point = e.expr.variables[0]
        for old, new in zip(e.variables, e.point, strict=True):
            point = point.subs(old, new)
        return sympy.diff(body.expr, variable).subs(variable, point)

    expr = expr.replace(is_derivative, slope)
    for name, body in bodies.items():
        expr = expr.replace(sympy.Function(name), body)
    return expr


def _free_indices(statement: Statement, table: SymbolTable) -> list[sympy.Symbol]:
    indices = {index.symbol for index in table.indices.values()}
    free: set[sympy.Symbol] = set()
    for side in statement.sides:
        free |= side.free_symbols & indices
    return sorted(free, key=str)


def _assignments(free: list[sympy.Symbol], table: SymbolTable) -> Iterator[dict[sympy.Symbol, int]]:
    ranges = []
    for symbol in free:
        kind = next(i.kind for i in table.indices.values() if i.symbol == symbol)
        ranges.append(range(1, SIZES[kind] + 1))
    for values in product(*ranges):
        yield dict(zip(free, values, strict=True))


_CURRENT_VALUES = {symbol: 1 for symbol in CURRENT.values()}


# ---------------------------------------------------------------------------------------
# Sample points
# ---------------------------------------------------------------------------------------


def _variable_for(table: SymbolTable, name: str) -> Variable | None:
    for entry in table.variables():
        if (entry.base or entry.python) == name or entry.python == name:
            return entry
    return None


def _shape(entry: Variable, sizes: dict[str, int]) -> tuple[int, ...]:
    return tuple(sizes[kind] for kind in entry.slots)


@dataclass
class Samples:
    """Seeded values for every quantity, array by array: point p of all of them."""

    arrays: list[dict[str, np.ndarray]]
    domains: dict[str, tuple[float, float]]


def _draw(
    table: SymbolTable, domains: dict[str, tuple[float, float]], points: int, seed: int
) -> Samples:
    rng = np.random.default_rng(seed)
    arrays: list[dict[str, np.ndarray]] = []
    used: dict[str, tuple[float, float]] = {}
    for point in range(points):
        values: dict[str, np.ndarray] = {}
        for entry in table.variables():
            key = entry.base or entry.python
            if not entry.python or key in values:
                continue
            lo, hi = domains.get(entry.python, domains.get(entry.point, entry.domain))
            used[entry.python] = (lo, hi)
            shape = _shape(entry, SIZES)
            # The first points are the domain's extremes: both ends, then zero.
            if point == 0:
                value = np.full(shape, lo)
            elif point == 1:
                value = np.full(shape, hi)
            elif point == 2 and lo < 0 < hi:
                value = np.zeros(shape)
            else:
                value = rng.uniform(lo, hi, size=shape)
            values[key] = np.asarray(value, dtype=np.float64)
        arrays.append(values)
    return Samples(arrays, used)


_NORM = sympy.Symbol("norm2_X_tilde")


def _leaf_value(leaf: sympy.Expr, values: dict[str, np.ndarray]) -> Any:
    """The exact (mpmath) value of one quantity at one sample point."""
    if leaf == _NORM:
        X = values["x"]
        return mpmath.mpf(float(np.linalg.norm(np.hstack([X, np.ones((X.shape[0], 1))]), 2)))
    if isinstance(leaf, sympy.Indexed):
        name = str(leaf.base.label)
        if name not in values:
            raise BindingError(f"no sample values for {leaf}")
        position = tuple(int(index) - 1 for index in leaf.indices)
        return mpmath.mpf(float(values[name][position]))
    name = str(leaf)
    if name not in values:
        raise BindingError(f"no sample values for {leaf}")
    if np.ndim(values[name]):
        raise BindingError(f"{leaf} is not one number here; write its indices")
    return mpmath.mpf(float(values[name]))


def _leaves(expr: sympy.Expr) -> list[sympy.Expr]:
    labels = {atom.base.label for atom in expr.atoms(sympy.Indexed)}
    return sorted(expr.free_symbols - labels, key=str)


@cache
def _compiled(expr: sympy.Expr) -> tuple[Any, tuple[sympy.Expr, ...]]:
    expr = expr.replace(lambda e: isinstance(e, texmath.Norm2), lambda e: _NORM)
    leaves = tuple(_leaves(expr))
    # Common subexpressions (σ(h^μ) appears in every term of a gradient) once each.
    return sympy.lambdify(leaves, expr, modules="mpmath", cse=True), leaves


def _evaluate(expr: sympy.Expr, values: dict[str, np.ndarray]) -> Any:
    """``expr`` at one sample point, correct to about 30 digits (an exception where
    undefined).

    A fixed working precision is not enough: ln(1 + e^(−727)) is 0 at 40 digits but
    1.3e−316 in fact. So the value is computed again with twice the digits until two
    answers agree, up to 1,280 digits.
    """
    function, leaves = _compiled(expr)
    arguments = [_leaf_value(leaf, values) for leaf in leaves]
    previous = None
    digits = DIGITS
    while digits <= 1280:
        with mpmath.workdps(digits):
            try:
                value = function(*arguments)
            except (ZeroDivisionError, ValueError, OverflowError) as error:
                return error
        # Two zeros may both be absorption (1 + 1e−316 is 1 below 316 digits): a zero is
        # believed only once it survives 640 digits.
        zero = value == 0 and digits < 640
        if previous is not None and not zero and _agree(previous, value):
            return value
        previous, digits = value, digits * 2
    return previous


def _agree(a: Any, b: Any) -> bool:
    with mpmath.workdps(DIGITS):
        if a == b:
            return True
        return bool(abs(a - b) <= mpmath.mpf(10) ** -30 * max(abs(a), abs(b)))


def _describe_point(expr_list: list[sympy.Expr], values: dict[str, np.ndarray]) -> str:
    """The sample values an expression used, as ``h[1] = -800.0``."""
    shown: dict[str, str] = {}
    for expr in expr_list:
        for leaf in _leaves(expr.replace(lambda e: isinstance(e, texmath.Norm2), lambda e: _NORM)):
            value = float(_leaf_value(leaf, values))
            shown[str(leaf).replace("μ₀", "1").replace("j₀", "1")] = repr(value)
    items = [f"{name} = {value}" for name, value in sorted(shown.items())]
    return ", ".join(items[:10]) + (", …" if len(items) > 10 else "")


def _namespace(
    library: Mapping[str, Any],
    table: SymbolTable,
    values: dict[str, np.ndarray],
    per_point: bool,
    outputs: bool,
) -> dict[str, Any]:
    """The names a binding's Python sees: the library's, and every quantity's value."""
    namespace = dict(library)
    for entry in table.variables():
        key = entry.base or entry.python
        if not entry.python or key not in values:
            continue
        array = values[key]
        if "output" in entry.slots and not outputs:
            array = array[..., 0]
        if "sample" in entry.slots and per_point:
            namespace[entry.point or entry.python] = array[0] if array.ndim else array
            if entry.point:
                namespace[entry.python] = array[:1]
        else:
            namespace[entry.python] = array
    for name, value in list(namespace.items()):
        if isinstance(value, np.ndarray) and value.ndim == 0:
            namespace[name] = float(value)
    if "X" in namespace:
        X = np.atleast_2d(namespace["X"])
        namespace["X_tilde"] = np.hstack([X, np.ones((X.shape[0], 1))])
    return namespace


# ---------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    """Give up on SymPy's simplify after ``seconds`` (SIGALRM; main thread only)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def give_up(signum: int, frame: Any) -> None:
        raise TimeoutError

    try:
        previous = signal.signal(signal.SIGALRM, give_up)
    except ValueError:  # not the main thread: no limit, SymPy runs to the end
        yield
        return
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _proved(left: sympy.Expr, right: sympy.Expr) -> bool:
    try:
        with _time_limit(SYMPY_SECONDS):
            return bool(sympy.simplify(left - right) == 0)
    except TimeoutError:
        return False


def _mp(value: Any) -> Any:
    return value if not isinstance(value, Exception) else None


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    difference = abs(a - b)
    scale = max(abs(a), abs(b))
    return bool(difference <= mpmath.mpf(10) ** (-(DIGITS - 8)) * max(scale, 1e-300))


@dataclass
class _Context:
    table: SymbolTable
    definitions: Definitions
    library: Mapping[str, Any]
    path: str
    line: int


def _sides(statement: Statement, assignment: dict[sympy.Symbol, int]) -> list[sympy.Expr]:
    return [side.subs(assignment) for side in statement.sides]


def _identity(
    statement: Statement,
    number: int,
    context: _Context,
    samples: Samples,
    defining: bool = False,
) -> tuple[list[str], str]:
    """Check each ``=`` of a chain; (failures, how each was shown)."""
    table, sizes = context.table, _sizes(context.table)
    failures: list[str] = []
    how: list[str] = []
    free = _free_indices(statement, table)
    for step in range(len(statement.relations)):
        # A definition's first = names the quantity; the rest of its chain must hold.
        if statement.relations[step] != texmath.EQUALS or (defining and step == 0):
            continue
        proved, numeric_points, given = True, 0, False
        for assignment in _assignments(free, table):
            pair = _sides(statement, assignment)[step : step + 2]
            first_bad = None
            for expand_all in (False, True):
                keep = set() if expand_all else set(context.definitions.variables)
                candidate = [
                    _functions(
                        _expand(side, context.definitions, sizes, keep), context.definitions, True
                    ).subs(_CURRENT_VALUES)
                    for side in pair
                ]
                bad = None
                defined = 0
                for values in samples.arrays[:IDENTITY_POINTS]:
                    a, b = (_mp(_evaluate(e, values)) for e in candidate)
                    if a is None and b is None:
                        continue  # undefined on both sides (0/0 at a domain's end)
                    defined += 1
                    if not _close(a, b):
                        bad = (values, a, b)
                        break
                if bad is None and defined < IDENTITY_POINTS // 2:
                    # Agreement where both sides are undefined proves nothing.
                    bad = (values, None, None)
                if bad is None:
                    given = given or expand_all
                    break
                # Report the first way it failed: with the fewest quantities expanded.
                if first_bad is None:
                    first_bad, exprs = bad, candidate
            bad = None if bad is None else first_bad
            if bad is not None:
                values, a, b = bad
                where = f" (with {_show(assignment)})" if assignment else ""
                failures.append(
                    f"{context.path}:{context.line}: equation {number}, step {step + 1} "
                    f"({_step_tex(statement, step)}) is not an identity{where}: at "
                    f"{_describe_point(exprs, values)} the left side is {_num(a)} and the right "
                    f"side {_num(b)}, a difference of {_num(_diff(a, b))}"
                )
                break
            numeric_points += IDENTITY_POINTS
            if not proved or numeric_points > IDENTITY_POINTS:
                continue  # SymPy is asked once per step, for the first index values
            symbolic = [
                _functions(
                    _expand(
                        side,
                        context.definitions,
                        sizes,
                        set() if given else set(context.definitions.variables),
                    ),
                    context.definitions,
                    False,
                ).subs(_CURRENT_VALUES)
                for side in pair
            ]
            proved = proved and _proved(*symbolic)
        if not failures:
            how.append(
                "proved by SymPy"
                if proved
                else f"holds to 30 digits at {numeric_points} random points "
                "(SymPy could not decide)"
            )
    if failures:
        return failures, ""
    if not how:
        return [], ""
    if all(h == "proved by SymPy" for h in how):
        summary = "each = proved by SymPy" if len(how) > 1 else "the = is proved by SymPy"
    elif len(how) == 1:
        summary = f"the = {how[0]}"
    else:
        summary = "; ".join(f"= number {n + 1} {h}" for n, h in enumerate(how))
    return [], summary


def _show(assignment: dict[sympy.Symbol, int]) -> str:
    return ", ".join(f"{symbol} = {value}" for symbol, value in assignment.items())


def _num(value: Any) -> str:
    if value is None:
        return "undefined"
    return str(mpmath.nstr(value, 17))


def _diff(a: Any, b: Any) -> Any:
    return None if a is None or b is None else abs(a - b)


def _step_tex(statement: Statement, step: int) -> str:
    return f"side {step + 1} = side {step + 2}"


def _names_in(expression: str) -> set[str]:
    return {
        node.id
        for node in ast.walk(ast.parse(expression, mode="eval"))
        if isinstance(node, ast.Name)
    }


def _equals(
    statement: Statement,
    number: int,
    clause: Clause,
    binding: Binding,
    context: _Context,
    samples: Samples,
) -> tuple[list[str], str]:
    """The last side, exactly, against the library's ``clause.expression``."""
    table, sizes = context.table, _sizes(context.table)
    names = _names_in(clause.expression) | (_names_in(clause.of) if clause.of else set())
    keep = {
        entry.base or entry.python
        for entry in table.variables()
        if entry.python in names or (entry.point and entry.point in names)
    }
    target = statement.sides[-1]
    free = _free_indices(statement, table)
    outputs = any(
        str(s) == "j"
        for side in statement.sides
        for s in sympy.preorder_traversal(side)
        if isinstance(s, sympy.Symbol)
    )
    rtol = binding.rtol or 0.0
    worst, worst_at = 0.0, ""
    failures: list[str] = []
    fd_worst = 0.0
    assert clause.expression
    for assignment in _assignments(free, table):
        expanded = _expand(target.subs(assignment), context.definitions, sizes, keep)
        per_point = not _uses_all_samples(expanded, table)
        expr = _functions(expanded, context.definitions, True).subs(_CURRENT_VALUES)
        for values in samples.arrays[: binding.points]:
            exact = _mp(_evaluate(expr, values))
            namespace = _namespace(context.library, table, values, per_point, outputs)
            namespace.update({str(s): v - 1 for s, v in assignment.items()})
            try:
                got = eval(clause.expression, namespace)
            except Exception as error:
                failures.append(
                    f"{context.path}:{context.line}: equation {number}: `{clause.expression}` "
                    f"raised {type(error).__name__}: {error} at {_describe_point([expr], values)}"
                )
                return failures, ""
            got_value = np.asarray(got, dtype=np.float64)
            if got_value.ndim:
                failures.append(
                    f"{context.path}:{context.line}: equation {number}: `{clause.expression}` "
                    f"gave an array of shape {got_value.shape} where the equation is one number"
                    + (f" per {', '.join(map(str, free))}" if free else "")
                    + "; index it with the equation's free indices (0-based)"
                )
                return failures, ""
            error_value = _relative(exact, float(got_value))
            if error_value > worst:
                worst, worst_at = error_value, _describe_point([expr], values)
            if error_value > rtol:
                where = f" (with {_show(assignment)})" if assignment else ""
                failures.append(
                    f"{context.path}:{context.line}: equation {number} does not equal "
                    f"`{clause.expression}`{where}: at {_describe_point([expr], values)} the "
                    f"equation gives {_num(exact)} and the library {float(got_value)!r}, a "
                    f"relative difference of {error_value:.3g} (rtol {rtol:g})"
                )
                return failures, ""
            if clause.verb == "derivative":
                fd_error = _finite_difference(clause, namespace, float(got_value))
                fd_worst = max(fd_worst, fd_error)
                if fd_error > 1.0:
                    failures.append(
                        f"{context.path}:{context.line}: equation {number}: `{clause.expression}` "
                        f"disagrees with a central difference of `{clause.of}` in {clause.by} at "
                        f"{_describe_point([expr], values)} ({fd_error:.3g} times the bound)"
                    )
                    return failures, ""
    count = binding.points * max(1, len(list(_assignments(free, table))))
    ranges = ", ".join(
        f"{name} ∈ [{lo:g}, {hi:g}]"
        for name, (lo, hi) in samples.domains.items()
        if name in names
        or any(e.point == name and e.python in samples.domains for e in table.variables())
    )
    summary = (
        f"equals `{clause.expression}` at {count} points"
        + (f" ({ranges})" if ranges else "")
        + f", max relative error {worst:.2g} (tolerance {rtol:g})"
    )
    if clause.verb == "derivative":
        summary += f"; agrees with a central difference of `{clause.of}` in {clause.by}"
    del worst_at
    return failures, summary


_TINY = float(np.finfo(np.float64).tiny)


def _uses_all_samples(expr: sympy.Expr, table: SymbolTable) -> bool:
    """Whether ``expr`` reads other data points than the current one (a sum over μ, or
    the whole data matrix): then a binding's Python gets all of them. The quantities with
    a data-point slot, and where it is, come from the symbol table."""
    if expr.has(texmath.Norm2):
        return True
    sample_slot = {
        str(table.base(v).label): v.slots.index("sample")
        for v in table.variables()
        if v.sample_superscript
    }
    sample = CURRENT["sample"]
    for atom in expr.atoms(sympy.Indexed):
        slot = sample_slot.get(str(atom.base.label))
        if slot is not None and atom.indices[slot] != sample:
            return True
    return False


def _relative(exact: Any, got: float) -> float:
    """|got − exact| / |exact|, measured against the smallest normal float below it, so
    that a result in the subnormal range is judged by its absolute error there."""
    if exact is None:
        return 0.0 if math.isnan(got) else math.inf
    return float(abs(mpmath.mpf(got) - exact) / max(abs(exact), mpmath.mpf(_TINY)))


def _finite_difference(clause: Clause, namespace: dict[str, Any], slope: float) -> float:
    """|central difference − slope| over the difference's own error bound."""
    scope = {
        name: (value.copy() if isinstance(value, np.ndarray) else value)
        for name, value in namespace.items()
    }
    point = eval(clause.by, scope)
    step = 1e-6 * max(1.0, abs(float(point)))
    results = []
    for sign in (1, -1):
        exec(f"{clause.by} = __v", scope | {"__v": float(point) + sign * step}, scope)
        results.append(float(eval(clause.of, scope)))
    exec(f"{clause.by} = __v", scope | {"__v": float(point)}, scope)
    value = float(eval(clause.of, scope))
    central = (results[0] - results[1]) / (2 * step)
    # Truncation (step² · f''') and rounding (ulp(f) / step) of a central difference.
    bound = 1e-4 * abs(slope) + 1e-9 * max(1.0, abs(value)) / step + 1e-300
    return abs(central - slope) / bound


def check_display(
    display: Display,
    path: str,
    table: SymbolTable,
    definitions: Definitions,
    library: Mapping[str, Any],
    seed: int = 0,
) -> Result:
    """Check one display against its binding (or report that it has none)."""
    result = Result(path, display.line, display.tex, "failed", binding=display.binding or "")
    where = f"{path}:{display.line}"
    if display.binding is None:
        result.failures.append(
            f"{where}: this display equation has no binding; after it write "
            "<!-- check: … --> (equals EXPR, derivative EXPR of F by NAME, defines) or "
            "<!-- unchecked: the reason -->"
        )
        return result
    if display.binding.startswith("unchecked"):
        reason = display.binding.split(":", 1)[1].strip()
        if not reason:
            result.failures.append(f"{where}: an unchecked equation must say why")
            return result
        try:
            unknown = texmath.unknown_symbols(display.tex, table)
        except TexError as error:
            unknown = [str(error)]
        if unknown:
            result.failures.append(
                f"{where}: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not in "
                f"the symbol table ({table.source}); even an unchecked equation uses only "
                "the table's symbols"
            )
            return result
        result.status, result.summary = "unchecked", reason
        return result
    try:
        binding = parse_binding(display.binding)
        statements = texmath.parse_display(display.tex, table)
    except (BindingError, TexError, symbols.SymbolError) as error:
        result.failures.append(f"{where}: {error}")
        return result
    context = _Context(table, definitions, library, path, display.line)
    samples = _draw(table, binding.domains, max(binding.points, 24), seed)
    summaries: list[str] = []
    defined = {c.statement or 1 for c in binding.clauses if c.verb == "defines"}
    try:
        for number, statement in enumerate(statements, start=1):
            failures, summary = _identity(
                statement, number, context, samples, defining=number in defined
            )
            result.failures += failures
            if summary:
                summaries.append(_label(summary, number, len(statements)))
            for clause in binding.clauses:
                if clause.verb in ("equals", "derivative") and (clause.statement or 1) == number:
                    failures, summary = _equals(
                        statement, number, clause, binding, context, samples
                    )
                    result.failures += failures
                    if summary:
                        summaries.append(_label(summary, number, len(statements)))
    except (BindingError, TexError, symbols.SymbolError) as error:
        result.failures.append(f"{where}: {error}")
    if not result.failures and not summaries:
        result.failures.append(
            f"{where}: nothing was checked: a definition needs `equals` or a reason to be unchecked"
        )
    if not result.failures:
        result.status = "checked"
        result.summary = "; ".join(summaries)
    return result


def _label(summary: str, number: int, count: int) -> str:
    return summary if count == 1 else f"equation {number}: {summary}"


def page_definitions(
    displays: list[Display], path: str, table: SymbolTable, definitions: Definitions
) -> tuple[Definitions, list[str]]:
    """The table's definitions with this page's own (``defines``) put over them."""
    own = definitions.copy()
    failures: list[str] = []
    for display in displays:
        if not display.binding or not display.binding.startswith("check"):
            continue
        try:
            binding = parse_binding(display.binding)
            numbers = [c.statement or 1 for c in binding.clauses if c.verb == "defines"]
            if not numbers:
                continue
            statements = texmath.parse_display(display.tex, table)
            for number in numbers:
                own.add(statements[number - 1])
        except (BindingError, TexError, symbols.SymbolError, IndexError) as error:
            failures.append(f"{path}:{display.line}: {error}")
    return own, failures


def check_source(
    source: str,
    path: str,
    symbols_file: str | Path,
    library: Mapping[str, Any],
    prose: str | None = None,
    first_line: int = 1,
) -> list[Result]:
    """Check every display equation of one Markdown source (a page, a notebook cell, a
    docstring); ``first_line`` is the file line ``source`` starts on."""
    if "$$" not in (source if prose is None else prose):
        return []
    try:
        table, definitions = table_for(symbols_file)
    except BindingError as error:
        return [Result(path, first_line, "", "failed", failures=[f"{path}:{first_line}: {error}"])]
    displays = [
        Display(d.tex, d.line + first_line - 1, d.binding, d.binding_line + first_line - 1)
        for d in find_displays(source, prose)
    ]
    own, failures = page_definitions(displays, path, table, definitions)
    results = [check_display(d, path, table, own, library) for d in displays]
    if failures:
        results.append(Result(path, first_line, "", "failed", failures=failures))
    return results


def library_namespace(package: str = "mlmath") -> dict[str, Any]:
    """The public names of the library, as a binding's Python sees them, plus NumPy."""
    import importlib

    module = importlib.import_module(package)
    namespace = {name: getattr(module, name) for name in getattr(module, "__all__", dir(module))}
    namespace["np"] = np
    return namespace


class LibraryNamespace(Mapping[str, Any]):
    """``library_namespace(package)``, imported when a binding first needs it.

    A page whose equations never call the library does not import it, so docrun's build
    cache does not count the library among that page's inputs (docrun.cache).
    """

    def __init__(self, package: str = "mlmath") -> None:
        self.package = package
        self._names: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._names is None:
            self._names = library_namespace(self.package)
        return self._names

    def __getitem__(self, name: str) -> Any:
        return self._load()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def check_notebook(
    nb_source: str, path: str, symbols_file: str | Path, library: Mapping[str, Any]
) -> list[Result]:
    """The display equations of a notebook's Markdown cells, located as ``path:cell N:line``."""
    from docrun import notebook

    results: list[Result] = []
    for number, cell in notebook.markdown_cells(nb_source):
        results += check_source(cell, f"{path}:cell {number}", symbols_file, library)
    return results
