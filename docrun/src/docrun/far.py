"""The blocks of a page that lie far below its first screen, marked so that the browser may
skip them until the reader scrolls near (``content-visibility: auto``, in
``docs/stylesheets/layout.css``).

Skipping off-screen blocks spares the style and layout of most of a long page while it
loads: Lighthouse's total blocking time on the API reference went from 500-920 ms to
200-450 ms (simulated mobile, HTTP/2). But a block skipped *within* the first screen
moves what follows it: Chromium laid out such blocks at their placeholder size in the
first frames and at their real size a frame later, and Lighthouse counted a layout shift
of 0.05-0.6 on every page tried. A block far below the first screen can only move what is
below it, off screen too.

Where a block will be drawn depends on the reader's screen, which the build cannot know;
what it can bound is how far down a block is *at least*. Each character of text before
it takes at least ``PX_PER_CHAR`` of height (a line of a desktop's widest column
holds fewer than 100 characters of ~26 px high lines), each line of code
``PX_PER_CODE_LINE``, each block (paragraph, list item, heading, table row) at least one
line, ``PX_PER_BLOCK``; margins, equations' heights and figures only add. A block is far
when that lower bound is at least ``FAR_PX``, taller than a desktop's screen; measured in
Chromium, the first far block lay 2617-3129 px down at 1280 px wide, 3070-3830 px on a
phone. tests/browser/test_containment.py measures the bound in Chromium.

Only the children of the content's flow containers are marked (the article, each API
object's contents, the notebook): the stylesheet decides which of them may be skipped.
"""

from __future__ import annotations

from html.parser import HTMLParser

from docrun import html_edits

# Marks a far block (an attribute, not a class: Material styles some elements only when
# they have no class, such as `table:not([class])`).
ATTRIBUTE = "data-docrun-far"
FAR_PX = 2000.0
PX_PER_CHAR = 0.25
PX_PER_CODE_LINE = 19.0
# Each block holds at least one line: paragraphs, list items, headings, table rows, code.
PX_PER_BLOCK = 20.0
_BLOCKS = frozenset("p li h1 h2 h3 h4 h5 h6 tr pre dt dd".split())  # noqa: SIM905
# The elements whose children are the page's blocks, by class.
FLOW_CONTAINERS = frozenset({"md-content__inner", "doc-contents", "jp-Notebook"})
# Text that takes no height of its own: the hidden MathML copy of each equation.
_HIDDEN = frozenset({"katex-mathml"})
_VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr".split()  # noqa: SIM905
)


class _Finder(HTMLParser):
    """Walks a page and records the start tags of the blocks that are far down."""

    def __init__(self, far_px: float) -> None:
        super().__init__(convert_charrefs=True)
        self.far_px = far_px
        # Per open element: (tag, is a flow container, its text takes no height, is code).
        self.stack: list[tuple[str, bool, bool, bool]] = []
        self.height = 0.0
        self.started = False  # counting starts at the article
        self.far: list[tuple[tuple[int, int], str]] = []  # (position, start tag text)

    def _parent(self) -> tuple[str, bool, bool, bool]:
        return self.stack[-1] if self.stack else ("", False, False, False)

    def _note_if_far(self) -> None:
        """Records the tag being parsed if it is a block (a flow container's child) far down."""
        if self._parent()[1] and self.height >= self.far_px:
            self.far.append((self.getpos(), self.get_starttag_text() or ""))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set(next((v or "" for k, v in attrs if k == "class"), "").split())
        parent = self._parent()
        self._note_if_far()
        if tag == "article" and "md-content__inner" in classes:
            self.started = True
        if self.started and tag in _BLOCKS and not parent[2]:
            self.height += PX_PER_BLOCK
        if tag in _VOID:
            return
        self.stack.append(
            (
                tag,
                bool(classes & FLOW_CONTAINERS),
                parent[2] or bool(classes & _HIDDEN) or tag in ("script", "style"),
                parent[3] or tag == "pre",
            )
        )

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._note_if_far()

    def handle_endtag(self, tag: str) -> None:
        # Pop to the element this tag closes (an unclosed child closes with it).
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.started or (self.stack and self.stack[-1][2]):
            return
        if self.stack and self.stack[-1][3]:
            self.height += data.count("\n") * PX_PER_CODE_LINE
        else:
            self.height += len(" ".join(data.split())) * PX_PER_CHAR


def _with_attribute(start_tag: str) -> str:
    """The start tag with ATTRIBUTE added last (what matches the tag's start still does)."""
    end = len(start_tag) - (2 if start_tag.endswith("/>") else 1)
    return f"{start_tag[:end].rstrip()} {ATTRIBUTE}{start_tag[end:]}"


def mark_far_blocks(html: str, far_px: float = FAR_PX) -> str:
    """The page with ``data-docrun-far`` on each block that lies at least ``far_px`` down.

    Parameters
    ----------
    html : str
        A built page.
    far_px : float, optional
        How far down a block must be at least, in CSS px (the tests mark every block
        with 0).

    Returns
    -------
    str
        The same page, each far block's start tag given the attribute; nothing else
        changes.
    """
    finder = _Finder(far_px)
    finder.feed(html)
    finder.close()
    offset = html_edits.offset_of(html)
    edits = []
    for position, start_tag in finder.far:
        at = offset(position)
        assert html.startswith(start_tag, at), (position, start_tag)
        edits.append((at, len(start_tag), _with_attribute(start_tag)))
    return html_edits.splice(html, edits)
