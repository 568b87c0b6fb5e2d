"""What checking a display equation found, and the mark it leaves on the page.

Apart from :mod:`docrun.equations` (which needs SymPy): a build whose pages all come
from docrun's cache shows their marks without importing the checker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Result:
    """What checking one display found: ``status`` is checked, unchecked or failed."""

    path: str
    line: int
    tex: str
    status: str
    summary: str = ""
    failures: list[str] = field(default_factory=list)
    binding: str = ""


def coverage(results: list[Result]) -> dict[str, int]:
    counts = {"checked": 0, "unchecked": 0, "failed": 0}
    for result in results:
        if result.tex:
            counts[result.status] += 1
    return counts


# ---------------------------------------------------------------------------------------
# The mark a checked equation carries on the page
# ---------------------------------------------------------------------------------------

BINDING_COMMENT = re.compile(r"<!--\s*(?:check|unchecked)\s*:.*?-->", re.DOTALL)
_CODE_SPAN = re.compile(r"`([^`]+)`")


def mark_html(result: Result) -> str:
    """A native disclosure (keyboard and screen reader work without script) saying what
    was verified, or why an equation is not checked."""
    import html as html_module

    text = _CODE_SPAN.sub(
        lambda m: f"<code>{m.group(1)}</code>", html_module.escape(result.summary, quote=False)
    )
    if result.status == "checked":
        label = "Checked at build"
        css = "docrun-check"
        icon = "✓"
    else:
        label = "Not checked"
        css = "docrun-check docrun-check--unchecked"
        icon = "–"
    return (
        f'<details class="{css}"><summary><span aria-hidden="true">{icon}</span> {label}'
        f"</summary><p>{text}</p></details>"
    )


def insert_marks(page_html: str, results: list[Result]) -> str:
    """Swap each binding comment left in the HTML for its equation's mark, in order."""
    queue = [result for result in results if result.tex and result.status != "failed"]
    by_binding: dict[str, list[Result]] = {}
    for result in queue:
        by_binding.setdefault(result.binding, []).append(result)

    def swap(match: re.Match[str]) -> str:
        key = " ".join(match.group()[4:-3].split())
        waiting = by_binding.get(key)
        return mark_html(waiting.pop(0)) if waiting else match.group()

    return BINDING_COMMENT.sub(swap, page_html)
