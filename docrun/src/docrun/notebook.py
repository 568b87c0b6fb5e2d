"""Notebook pages (mkdocs-jupyter 0.26): their Markdown cells, their math, their scripts.

mkdocs-jupyter 0.26 leaves ``$…$`` in Markdown cells as text for MathJax to find in the
browser (mkdocs-jupyter#227), and its page template carries a MathJax configuration, a
``<script src="">`` and a Mermaid loader that imports from a CDN. These helpers let the
``katex`` plugin render the cells' math at build time and drop those scripts.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit

# A rendered Markdown cell starts with this div; the next cell of any kind ends it.
_MARKDOWN_CELL = re.compile(r'<div class="jp-Cell jp-MarkdownCell(?=[\s"])[^"]*"[^>]*>')
_ANY_CELL = re.compile(r'<div class="jp-Cell(?=[\s"])[^"]*"[^>]*>')
_NOTEBOOK_END = re.compile(r"</div>\s*<!-- jp-Notebook -->")
_CODE = re.compile(r"<(?P<tag>code|pre)\b.*?</(?P=tag)>", re.DOTALL)
_SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL)


def markdown_cells(nb_source: str) -> list[tuple[int, str]]:
    """(cell number counted from 1 over all cells, source) of every Markdown cell."""
    try:
        nb = json.loads(nb_source)
    except json.JSONDecodeError as err:
        raise ValueError(f"nb_source: expected notebook JSON, got a parse error: {err}") from err
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ValueError("nb_source: expected a notebook with a 'cells' list")
    found = []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") == "markdown":
            text = cell.get("source", "")
            found.append((number, "".join(text) if isinstance(text, list) else str(text)))
    return found


def strip_remote_scripts(page_html: str) -> str:
    """The notebook HTML without scripts that load from elsewhere or configure MathJax.

    Kept: inline scripts with no ``src`` (the copy-to-clipboard button), unless they are
    the MathJax configuration or mention Mermaid (whose loader imports from a CDN).
    """

    def keep(match: re.Match[str]) -> str:
        attrs, body = match.group("attrs"), match.group("body")
        drop = (
            re.search(r"\bsrc\s*=", attrs) is not None
            or "mathjax" in attrs.lower()
            or "mermaid" in body.lower()
        )
        return "" if drop else match.group()

    return _SCRIPT.sub(keep, page_html)


def markdown_cell_spans(page_html: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each rendered Markdown cell in the page, in order."""
    spans = []
    for match in _MARKDOWN_CELL.finditer(page_html):
        following = _ANY_CELL.search(page_html, match.end())
        end_of_notebook = _NOTEBOOK_END.search(page_html, match.end())
        ends = [m.start() for m in (following, end_of_notebook) if m is not None]
        spans.append((match.start(), min(ends) if ends else len(page_html)))
    return spans


def _tex_pattern(tex: str, display: bool) -> re.Pattern[str]:
    """nbconvert writes math as $…$ / $$…$$ with the TeX HTML-escaped; match either form."""
    parts = []
    for char in tex:
        if char.isspace():
            parts.append(r"\s+")
        elif char in "&<>\"'":
            forms = {re.escape(char), re.escape(html.escape(char)), f"&#0*{ord(char)};"}
            parts.append("(?:" + "|".join(sorted(forms)) + ")")
        else:
            parts.append(re.escape(char))
    body = re.sub(r"(\\s\+)+", r"\\s+", "".join(parts))
    dollars = r"\$\$" if display else r"(?<!\$)\$(?!\$)"
    closing = r"\$\$" if display else r"\$(?!\$)"
    return re.compile(dollars + r"\s*" + body + r"\s*" + closing)


def replace_math_in_cell(
    cell_html: str, math: Sequence[tuple[str, bool, str]]
) -> tuple[str, list[str]]:
    """Each (tex, display, rendered) replaced in order, outside <code> and <pre>.

    Returns the new HTML and the TeX of every equation that could not be found (the
    caller fails the build on those rather than publish raw TeX).
    """
    out: list[str] = []
    cursor = 0
    missing: list[str] = []
    code = [(m.start(), m.end()) for m in _CODE.finditer(cell_html)]
    for tex, display, rendered in math:
        found = None
        for candidate in _tex_pattern(tex, display).finditer(cell_html, cursor):
            if not any(start <= candidate.start() < end for start, end in code):
                found = candidate
                break
        if found is None:
            missing.append(tex)
            continue
        out.append(cell_html[cursor : found.start()])
        out.append(rendered)
        cursor = found.end()
    out.append(cell_html[cursor:])
    return "".join(out), missing


def download_link(nb_name: str) -> str:
    """A link to the notebook file, which mkdocs-jupyter's include_source copies beside the page.

    Material 9.8 shows no download button for notebooks, so the page carries its own.
    """
    name = html.escape(nb_name)
    return (
        '<p class="docrun-notebook-download">'
        f'<a href="{name}" download>Download this notebook ({name})</a></p>\n'
    )


# A Markdown link or image target: `](target)` or `](target "title")`.
_LINK_TARGET = re.compile(r"(?P<open>\]\()(?P<target>[^)\s]+)")


def _absolute(target: str, page_url: str) -> str:
    """A target that works outside the site: relative ones resolved against the page."""
    if target.startswith("#") or urlsplit(target).scheme:
        return target
    return urljoin(page_url, target)


def absolute_links(nb_source: str, page_url: str) -> str:
    """The notebook with every relative link in its Markdown cells made absolute.

    The notebook a reader downloads leaves the site, where ``../../errata/`` points at
    nothing; resolved against ``page_url`` (the notebook page's published address) the
    links keep working. Anchors within the notebook stay as they are.
    """
    if not urlsplit(page_url).scheme:
        raise ValueError(f"page_url: expected an absolute URL, got {page_url!r}")
    try:
        nb = json.loads(nb_source)
    except json.JSONDecodeError as err:
        raise ValueError(f"nb_source: expected notebook JSON, got a parse error: {err}") from err
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        fixed = _LINK_TARGET.sub(
            lambda m: m.group("open") + _absolute(m.group("target"), page_url), text
        )
        cell["source"] = fixed.splitlines(keepends=True)
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
