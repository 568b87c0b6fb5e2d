"""Read the TeX of a displayed equation as mathematics: TeX in, SymPy out.

Only the small dialect the pages write is understood, and everything outside it is an
error that names the token, never a guess. That is the point: a general LaTeX reader
(we measured ``latex2sympy2-extended`` 1.11) reads ``\\sigma'(h)`` as σ(h), dropping the
prime, and ``\\ln \\sigma(-h)`` as ln(−σ·h), so a wrong derivative or a wrong sign could
pass. Here every letter and command must be in the site's symbol table
(:mod:`docrun.symbols`), and an index must be used with the meaning the table gives it.

What comes out is a SymPy expression in which

* a quantity with index slots is ``Indexed(base, *slots)``: a slot the TeX leaves out is
  the "current" index of its kind (the one data point, the one output), which definitions
  are written in and instantiated from;
* ``\\frac{\\partial A}{\\partial B}`` and ``f'(z)`` are unevaluated ``Derivative`` objects,
  resolved later against the definitions;
* ``\\sum_{\\mu=1}^{m}`` is a ``Sum`` over the index kind's range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from docrun.symbols import CURRENT, Index, SymbolTable, Variable

# Sizing and spacing that change how an equation looks, not what it says.
_COSMETIC = re.compile(
    r"\\(?:left|right|[bB]igg?[lrm]?|displaystyle|textstyle)(?![a-zA-Z])"
    r"|\\[,;:! ]|\\quad(?![a-zA-Z])|~"
)
_TOKEN = re.compile(
    r"\s*(?:(?P<command>\\[a-zA-Z]+|\\[{}|])|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<letter>[a-zA-Z])|(?P<char>[-+=()\[\]{}^_|',./<>*!:;]))"
)


class TexError(ValueError):
    """TeX this reader does not understand, or a symbol or index the table does not allow."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


def tokenize(tex: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(tex):
        if tex[position:].strip() == "":
            break
        match = _TOKEN.match(tex, position)
        if match is None:
            raise TexError(f"cannot read {tex[position : position + 12]!r}")
        kind = match.lastgroup or ""
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


def normalize(tex: str) -> str:
    """The TeX with cosmetic commands removed: what is left is what the equation says."""
    return _COSMETIC.sub(" ", tex)


# Relations between the sides of an equation.
EQUALS = "="
APPROX = r"\approx"
ASSIGN = r"\leftarrow"
RELATIONS = {"=": EQUALS, r"\approx": APPROX, r"\leftarrow": ASSIGN}


@dataclass(frozen=True)
class Statement:
    """One equation of a display: its sides and the relations between them (a chain)."""

    sides: tuple[sympy.Expr, ...]
    relations: tuple[str, ...]
    tex: str


class Partial(sympy.Function):  # type: ignore[misc]
    """∂A/∂B as written; resolved against the definitions by the checker."""

    nargs = 2


class Norm2(sympy.Function):  # type: ignore[misc]
    """The spectral norm ‖A‖₂ of a matrix quantity (evaluated numerically)."""

    nargs = 1


class Parser:
    """A recursive-descent reader of one equation's TeX, through a symbol table."""

    def __init__(self, tex: str, table: SymbolTable) -> None:
        self.tex = tex
        self.table = table
        self.tokens = tokenize(normalize(tex))
        self.at = 0
        # Sum indices in scope (a bound μ is a plain index, not "the current one").
        self.bound: list[str] = []

    # -- token helpers -------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise TexError("the equation ends too early")
        self.at += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token is not None and token.text == text:
            self.at += 1
            return True
        return False

    def expect(self, text: str) -> None:
        token = self.peek()
        if token is None or token.text != text:
            found = "the end" if token is None else repr(token.text)
            raise TexError(f"expected {text!r}, found {found}")
        self.at += 1

    def group_tokens(self) -> list[Token]:
        """The tokens of a ``{…}`` group, or of the single next token; consumed."""
        group, self.at = self.group_at(self.at)
        return group

    def group_at(self, at: int) -> tuple[list[Token], int]:
        """The group starting at token ``at`` and the position after it."""
        if at >= len(self.tokens):
            raise TexError("the equation ends too early")
        if self.tokens[at].text != "{":
            return [self.tokens[at]], at + 1
        depth, start = 1, at + 1
        while depth:
            at += 1
            if at >= len(self.tokens):
                raise TexError("a { is never closed")
            depth += {"{": 1, "}": -1}.get(self.tokens[at].text, 0)
        return self.tokens[start:at], at + 1

    def sub_parser(self, tokens: list[Token]) -> Parser:
        parser = Parser.__new__(Parser)
        parser.tex, parser.table, parser.tokens, parser.at = self.tex, self.table, tokens, 0
        parser.bound = self.bound
        return parser

    # -- grammar ------------------------------------------------------------------------
    def display(self) -> list[Statement]:
        """Equations separated by ``\\qquad`` (and a comma), each a chain of relations."""
        statements: list[Statement] = []
        start = 0
        while True:
            sides = [self.expression()]
            relations: list[str] = []
            while (token := self.peek()) is not None and token.text in RELATIONS:
                self.take()
                relations.append(RELATIONS[token.text])
                sides.append(self.expression())
            self.accept(",")
            self.accept(".")
            following = self.peek()
            end = following.position if following is not None else len(self.tex)
            statements.append(Statement(tuple(sides), tuple(relations), self.tex[start:end]))
            if self.accept(r"\qquad"):
                following = self.peek()
                start = following.position if following is not None else end
                continue
            if self.peek() is not None:
                raise TexError(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
            return statements

    def expression(self) -> sympy.Expr:
        terms: list[sympy.Expr] = []
        sign = -1 if self.accept("-") else (self.accept("+") and 1) or 1
        terms.append(sign * self.term())
        while (token := self.peek()) is not None and token.text in "+-" and token.kind == "char":
            self.take()
            terms.append((-1 if token.text == "-" else 1) * self.term())
        return sympy.Add(*terms)

    def term(self) -> sympy.Expr:
        factors = [self.power()]
        while (token := self.peek()) is not None:
            if token.text in (r"\cdot", r"\times"):
                self.take()
            elif token.text == "/":
                self.take()
                factors.append(1 / self.power())
                continue
            elif not self.starts_factor(token):
                break
            factors.append(self.power())
        return self.products(factors)

    def products(self, factors: list[sympy.Expr]) -> sympy.Expr:
        """Multiply, reading W x (two vectors over the features) as their dot product."""
        result: list[sympy.Expr] = []
        for factor in factors:
            if result and _is_vector(result[-1]) and _is_vector(factor):
                result[-1] = self.table.dot(result[-1], factor)
            else:
                result.append(factor)
        return sympy.Mul(*result)

    def starts_factor(self, token: Token) -> bool:
        if token.kind in ("letter", "number"):
            return True
        if token.kind == "command":
            return token.text not in RELATIONS and token.text not in (
                r"\qquad",
                r"\rVert",
                r"\}",
            )
        return token.text in ("(", "[", "{")

    def power(self) -> sympy.Expr:
        base = self.atom()
        while self.peek() is not None and self.peek().text in ("^", "'"):  # type: ignore[union-attr]
            if self.accept("'"):
                raise TexError("a prime (') is read only right after a function name, as in σ'(h)")
            self.take()
            base = base ** self.sub_parser(self.group_tokens()).whole()
        return base

    def whole(self) -> sympy.Expr:
        value = self.expression()
        if self.peek() is not None:
            raise TexError(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return value

    def atom(self) -> sympy.Expr:
        token = self.take()
        if token.kind == "number":
            return sympy.Rational(token.text)
        if token.text in ("(", "[", "{"):
            closing = {"(": ")", "[": "]", "{": "}"}[token.text]
            value = self.expression()
            self.expect(closing)
            return value
        if token.text == "|":
            value = self.expression()
            self.expect("|")
            return sympy.Abs(value)
        if token.text == r"\lVert":
            value = self.expression()
            self.expect(r"\rVert")
            if self.accept("_"):
                order = "".join(t.text for t in self.group_tokens())
                if order != "2":
                    raise TexError(f"only the 2-norm is understood, not ‖·‖_{order}")
            return Norm2(value)
        if token.text == r"\frac":
            return self.fraction()
        if token.text == r"\sum":
            return self.sum()
        if token.text in (r"\ln", r"\log", r"\exp"):
            argument = self.power() if self.peek_text() != "(" else self.atom()
            return sympy.log(argument) if token.text != r"\exp" else sympy.exp(argument)
        if token.text in (r"\max", r"\min"):
            self.expect("(")
            first = self.expression()
            self.expect(",")
            second = self.expression()
            self.expect(")")
            return (sympy.Max if token.text == r"\max" else sympy.Min)(first, second)
        if token.text == "e" and self.peek_text() == "^":
            self.take()
            return sympy.exp(self.sub_parser(self.group_tokens()).whole())
        return self.symbol(token)

    def peek_text(self) -> str | None:
        token = self.peek()
        return None if token is None else token.text

    def fraction(self) -> sympy.Expr:
        numerator = self.group_tokens()
        denominator = self.group_tokens()
        if (
            len(numerator) > 1
            and numerator[0].text in (r"\partial", "d")
            and denominator
            and denominator[0].text == numerator[0].text
        ):
            of = self.sub_parser(numerator[1:]).whole()
            by = self.sub_parser(denominator[1:]).whole()
            return Partial(of, by)
        top = self.sub_parser(numerator).whole()
        bottom = self.sub_parser(denominator).whole()
        return top / bottom

    def sum(self) -> sympy.Expr:
        self.expect("_")
        below = self.group_tokens()
        if not below:
            raise TexError(r"\sum needs an index below it")
        index = self.table.index(_tex_of(below[:1]) if below[0].kind == "letter" else below[0].text)
        if len(below) > 1:
            if below[1].text != "=":
                raise TexError(r"write the sum's range as \sum_{\mu=1}^{m}")
            lower = self.sub_parser(below[2:]).whole()
            self.expect("^")
            upper = self.sub_parser(self.group_tokens()).whole()
            if lower != 1 or upper != index.size:
                raise TexError(
                    f"a sum over {index.tex} runs from 1 to {index.size}, not {lower} to {upper}"
                )
        self.bound.append(index.name)
        try:
            body = self.term()
        finally:
            self.bound.pop()
        return sympy.Sum(body, (index.symbol, 1, index.size))

    def symbol(self, token: Token) -> sympy.Expr:
        tex = token.text
        if tex in (r"\hat", r"\tilde"):
            inner = self.group_tokens()
            tex = f"{tex}{{{''.join(t.text for t in inner)}}}"
        elif tex == r"\Delta":
            follower = self.take()
            tex = f"\\Delta {follower.text}"
        entry = self.table.lookup(tex)
        if entry.kind == "function":
            return self.call(entry.tex)
        if entry.kind == "size":
            return entry.symbol
        if entry.kind == "index":
            return self.table.index(tex).symbol
        assert isinstance(entry, Variable)
        superscript: list[Token] | None = None
        subscript: list[Token] | None = None
        while (mark := self.peek_text()) in ("^", "_"):
            group, after = self.group_at(self.at + 1)
            if mark == "^" and superscript is None and entry.sample_superscript:
                if not _is_sample_index(group, self.table):
                    break  # a power, read by the caller
                superscript = group
            elif mark == "_" and subscript is None:
                subscript = group
            else:
                break
            self.at = after
        value = self.table.indexed(entry, superscript, subscript, self.bound)
        # A function of its parameters, as in E(W, b): the parameters only name it.
        if entry.parameters and self.peek_text() == "(":
            self.parameters(entry)
        return value

    def parameters(self, entry: Variable) -> None:
        self.expect("(")
        names: list[str] = []
        while True:
            token = self.take()
            names.append(token.text)
            if self.accept(")"):
                break
            self.expect(",")
        if tuple(names) != entry.parameters:
            want = ", ".join(entry.parameters)
            raise TexError(
                f"{entry.tex} is written {entry.tex}({want}), not {entry.tex}({', '.join(names)})"
            )

    def call(self, name: str) -> sympy.Expr:
        primes = 0
        while self.accept("'"):
            primes += 1
        self.expect("(")
        argument = self.expression()
        self.expect(")")
        function = self.table.function(name)
        if primes == 0:
            return function(argument)
        if primes > 1:
            raise TexError(f"only first derivatives are read ({name}{'′' * primes})")
        dummy = sympy.Dummy("z")
        return sympy.Subs(sympy.Derivative(function(dummy), dummy), dummy, argument)


def _tex_of(tokens: list[Token]) -> str:
    return "".join(token.text for token in tokens)


def _is_sample_index(group: list[Token], table: SymbolTable) -> bool:
    return len(group) == 1 and table.is_index(group[0].text, "sample")


def _is_vector(value: sympy.Expr) -> bool:
    """A quantity over the features written without its feature index: W or x."""
    return isinstance(value, sympy.Indexed) and CURRENT["feature"] in value.indices


# TeX's own operators and layout, which name no quantity.
_OPERATORS = {
    r"\frac",
    r"\partial",
    r"\nabla",
    r"\sum",
    r"\ln",
    r"\log",
    r"\exp",
    r"\max",
    r"\min",
    r"\le",
    r"\ge",
    r"\leq",
    r"\geq",
    r"\approx",
    r"\leftarrow",
    r"\cdot",
    r"\times",
    r"\ldots",
    r"\cdots",
    r"\lVert",
    r"\rVert",
    r"\top",
    r"\hat",
    r"\tilde",
    r"\qquad",
    r"\Delta",
    r"\{",
    r"\}",
    r"\|",
}


def unknown_symbols(tex: str, table: SymbolTable) -> list[str]:
    """The letters and commands of ``tex`` that are neither TeX operators nor in the
    table (an unchecked equation is not read, but its symbols must still be listed)."""
    unknown: list[str] = []
    tokens = tokenize(normalize(tex))
    known = set(table.entries) | set(table.indices)
    known |= {tex_.split("{")[0] for tex_ in known}
    for token in tokens:
        name = token.text
        if token.kind not in ("letter", "command") or name in _OPERATORS or name == "e":
            continue
        if name not in known and name not in unknown:
            unknown.append(name)
    return unknown


def parse_display(tex: str, table: SymbolTable) -> list[Statement]:
    """The equations of one display, read through ``table``; :class:`TexError` if not."""
    return Parser(tex, table).display()


__all__ = ["Index", "Norm2", "Partial", "Statement", "TexError", "parse_display"]
