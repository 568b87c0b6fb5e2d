"""Fewer stylesheets for the browser to wait for before the first paint (a MkDocs hook).

Every ``<link rel="stylesheet">`` in a page's head blocks its first paint until it has
arrived. The site's own small stylesheets (``docs/stylesheets/*.css``, listed in
``extra_css``) are kept as separate files to edit, and served as one:
``stylesheets/site.css``, their concatenation in the order ``extra_css`` lists them, so
the cascade is unchanged. mkdocstrings' stylesheet, which it adds to every page, is linked
only from the pages that hold its API documentation.

A notebook page (mkdocs-jupyter) carries JupyterLab's whole stylesheet inline, 575 KB that
the browser parses before it paints; its rules for widgets, editors and menus match
nothing a static notebook holds. PurgeCSS keeps the rules whose classes, ids and tags
occur in the page (about 2%): the page looks the same, element for element, which
tests/browser/test_notebook_css.py checks against the stylesheets mkdocs-jupyter wrote. The result
is kept in ``.cache/docrun/css/`` under the digest of everything it follows from.

mkdocs.yml names this file under ``hooks:``; MkDocs runs hooks after the plugins, so the
``extra_css`` seen here already holds what the plugins added.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import tinycss2  # type: ignore[import-untyped]  # no type hints in tinycss2

from docrun import cache
from docrun.katex import find_node

BUNDLE = "stylesheets/site.css"
OWN = "stylesheets/"
MKDOCSTRINGS = "assets/_mkdocstrings.css"
# mkdocstrings wraps each documented object in <div class="doc doc-object ...">.
_USES_MKDOCSTRINGS = re.compile(r'class="doc doc-')
_MKDOCSTRINGS_LINK = re.compile(
    r'\s*<link rel="stylesheet" href="[^"]*' + re.escape(MKDOCSTRINGS) + r'">'
)

# mkdocs-jupyter wraps a notebook in <div class="jupyter-wrapper">.
_NOTEBOOK = re.compile(r'<div class="jupyter-wrapper"')
_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.DOTALL)
PURGE_SCRIPT = Path(__file__).with_name("purge_css.js")
CSS_STORE = ".cache/docrun/css"
# Selector parts that scripts put on the page after it loads, so the HTML lacks them:
# the palette Material's script (or ours, docs/javascripts/palette.js) switches to, as in
# `[data-md-color-scheme=slate] .highlight pre`.
SET_BY_SCRIPTS = ["data-md-color-"]

_bundled: list[str] = []


def bundle(names: list[str]) -> tuple[list[str], list[str]]:
    """(extra_css with the site's own stylesheets replaced by BUNDLE, those stylesheets).

    BUNDLE takes the place of the first of them, so that the stylesheets before and after
    them keep their order in the cascade.
    """
    own = [name for name in names if name.startswith(OWN) and name != BUNDLE]
    if not own:
        return list(names), []
    at = names.index(own[0])
    rest = [name for name in names if name not in own]
    return [*rest[:at], BUNDLE, *rest[at:]], own


def concatenate(docs_dir: Path, names: list[str]) -> str:
    """The stylesheets' text, in order, each headed by the file it came from."""
    parts = []
    for name in names:
        text = (docs_dir / name).read_text(encoding="utf-8")
        parts.append(f"/* {name} */\n{text.rstrip()}\n")
    return "\n".join(parts)


def without_unused_mkdocstrings_css(html: str) -> str:
    """The page without the link to mkdocstrings' stylesheet when it documents no object."""
    if _USES_MKDOCSTRINGS.search(html):
        return html
    return _MKDOCSTRINGS_LINK.sub("", html, count=1)


def parses_as_css(text: str) -> bool:
    """Whether a browser reads the whole of ``text`` as rules (no rule it would drop)."""
    nodes = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    return not any(node.type == "error" for node in nodes)


def purge_inline_css(html: str, purge: Any) -> str:
    """``html`` with its <style> blocks cut down to the rules that can apply to it.

    ``purge(page_without_styles, [css, ...])`` returns the blocks purged. A block that
    does not parse as CSS is left as it is: what a browser would make of it is not ours
    to change (mkdocs-jupyter writes one such block, a Python list's repr).
    """
    blocks = [m for m in _STYLE.finditer(html) if parses_as_css(m.group(2))]
    if not blocks:
        return html
    bare = _STYLE.sub("", html)
    purged = purge(bare, [m.group(2) for m in blocks])
    if len(purged) != len(blocks):
        raise RuntimeError(f"purge: expected {len(blocks)} stylesheets back, got {len(purged)}")
    out, at = [], 0
    for match, css in zip(blocks, purged, strict=True):
        out += [html[at : match.start(2)], css]
        at = match.end(2)
    out.append(html[at:])
    return "".join(out)


class PurgeCSS:
    """PurgeCSS run under Node.js, its answers kept in ``store`` (a folder) when given."""

    def __init__(self, root: Path, store: Path | None) -> None:
        self.package = root / "node_modules" / "purgecss"
        self.store = store
        version = json.loads((self.package / "package.json").read_text(encoding="utf-8"))
        script = PURGE_SCRIPT.read_text(encoding="utf-8")
        self.key_parts = [version["version"], script, *SET_BY_SCRIPTS]

    def __call__(self, html: str, css: list[str]) -> list[str]:
        digest = hashlib.sha256(json.dumps([*self.key_parts, html, css]).encode()).hexdigest()
        kept = None if self.store is None else self.store / f"{digest}.json"
        if kept is not None and kept.exists():
            try:
                answer = json.loads(kept.read_text(encoding="utf-8"))
                if isinstance(answer, list) and all(isinstance(c, str) for c in answer):
                    return answer
            except ValueError:
                pass  # a damaged file: purge again and replace it
        result = subprocess.run(
            [find_node(), str(PURGE_SCRIPT), str(self.package)],
            input=json.dumps({"html": html, "css": css, "keep": SET_BY_SCRIPTS}),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"purge_css.js failed:\n{result.stderr}")
        answer = json.loads(result.stdout)
        if kept is not None:
            cache.write_json(kept, answer)
        return list(answer)


_purge: list[PurgeCSS] = []


def on_config(config: Any) -> Any:
    names = [str(name) for name in config.extra_css]
    config.extra_css[:], own = bundle(names)
    _bundled[:] = own
    root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
    store = None if cache.disabled_reason() else root / CSS_STORE
    _purge[:] = [PurgeCSS(root, store)]
    return config


def on_post_page(output: str, *, page: Any, config: Any) -> str:
    if _NOTEBOOK.search(output):
        output = purge_inline_css(output, _purge[0])
    return without_unused_mkdocstrings_css(output)


def on_post_build(*, config: Any) -> None:
    if not _bundled:
        return
    target = Path(config.site_dir) / BUNDLE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(concatenate(Path(config.docs_dir), _bundled), encoding="utf-8")
