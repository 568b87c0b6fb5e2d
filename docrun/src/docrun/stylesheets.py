"""Fewer stylesheets for the browser to wait for before the first paint (a MkDocs hook).

Every ``<link rel="stylesheet">`` in a page's head blocks its first paint until it has
arrived. The site's own small stylesheets (``docs/stylesheets/*.css``, listed in
``extra_css``) are kept as separate files to edit, and served as one:
``stylesheets/site.css``, their concatenation in the order ``extra_css`` lists them, so
the cascade is unchanged. mkdocstrings' stylesheet, which it adds to every page, is linked
only from the pages that hold its API documentation.

mkdocs.yml names this file under ``hooks:``; MkDocs runs hooks after the plugins, so the
``extra_css`` seen here already holds what the plugins added.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

BUNDLE = "stylesheets/site.css"
OWN = "stylesheets/"
MKDOCSTRINGS = "assets/_mkdocstrings.css"
# mkdocstrings wraps each documented object in <div class="doc doc-object ...">.
_USES_MKDOCSTRINGS = re.compile(r'class="doc doc-')
_MKDOCSTRINGS_LINK = re.compile(
    r'\s*<link rel="stylesheet" href="[^"]*' + re.escape(MKDOCSTRINGS) + r'">'
)

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


def on_config(config: Any) -> Any:
    names = [str(name) for name in config.extra_css]
    config.extra_css[:], own = bundle(names)
    _bundled[:] = own
    return config


def on_post_page(output: str, *, page: Any, config: Any) -> str:
    return without_unused_mkdocstrings_css(output)


def on_post_build(*, config: Any) -> None:
    if not _bundled:
        return
    target = Path(config.site_dir) / BUNDLE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(concatenate(Path(config.docs_dir), _bundled), encoding="utf-8")
