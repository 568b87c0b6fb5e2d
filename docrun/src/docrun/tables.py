"""Tables arrive in the wrapper Material's bundle would put them in, so that it moves none.

Material's bundle takes every ``table:not([class])`` out of the page as it loads and puts it
back inside ``<div class="md-typeset__scrollwrap"><div class="md-typeset__table">``, which
lets a wide table scroll sideways. A table taken out and put back is styled and laid out
again from nothing: on the Notation page (one table, 95 equations) that was a 3399-element
style pass and a 72 ms layout in one task of a load (Chromium's trace). Without it,
Chromium's counters for a whole load of that page (median of 6) went from 178 to 119 ms of
layout and from 671 to 520 ms of main-thread tasks; the prediction page's, from 706 to
643 ms of tasks.

So the build writes the wrapper, and gives each table ``class="docrun-table"``: Material
wraps only tables without a class, so it leaves these alone. Its wrapper's styles apply as
they would (they are keyed to the wrapper); its styles for a bare table are keyed to the
missing class, so ``docs/stylesheets/layout.css`` gives ``table.docrun-table`` the same
look. tests/browser/test_restyles.py checks that no table moves while a page loads, and
that each table looks as Material's own wrapping draws it, pixel for pixel.
"""

from __future__ import annotations

from html.parser import HTMLParser

from docrun import html_edits

CLASS = "docrun-table"
OPEN = '<div class="md-typeset__scrollwrap"><div class="md-typeset__table">'
CLOSE = "</div></div>"


class _Tables(HTMLParser):
    """Records where each table without a class starts and ends, in the content only."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.started = False  # Material wraps the tables of the content only
        self.open: list[tuple[tuple[int, int], str] | None] = []  # per open table
        self.found: list[tuple[tuple[int, int], str, tuple[int, int]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article" and "md-content__inner" in (dict(attrs).get("class") or "").split():
            self.started = True
        if tag == "table":
            bare = self.started and not any(name == "class" for name, _ in attrs)
            self.open.append((self.getpos(), self.get_starttag_text() or "") if bare else None)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.open:
            start = self.open.pop()
            if start is not None:
                self.found.append((start[0], start[1], self.getpos()))


def _with_class(start_tag: str) -> str:
    """``<table …>`` with ``class="docrun-table"`` first among its attributes."""
    return f'<table class="{CLASS}"{start_tag[len("<table") :]}'


def wrap_tables(html: str) -> str:
    """The page with each table of its content that has no class wrapped as Material would.

    Parameters
    ----------
    html : str
        A built page.

    Returns
    -------
    str
        The same page, each ``<table>`` without a ``class`` attribute inside
        ``article.md-content__inner`` given ``class="docrun-table"`` and placed inside
        Material's two wrapper ``<div>``\\ s (``OPEN`` … ``CLOSE``); nothing else changes.
        A table nested in another is wrapped too, as Material does.
    """
    if "<table" not in html.lower():
        return html  # most pages: spares a parse of the page on every rebuild
    finder = _Tables()
    finder.feed(html)
    finder.close()
    offset = html_edits.offset_of(html)
    edits: list[tuple[int, int, str]] = []  # (at, length replaced, new text)
    for start, start_tag, end in finder.found:
        at = offset(start)
        assert html.startswith(start_tag, at), (start, start_tag)
        edits.append((at, len(start_tag), OPEN + _with_class(start_tag)))
        at = offset(end)
        end_tag = html[at : at + len("</table>")]
        assert end_tag.lower() == "</table>", (end, end_tag)
        edits.append((at, len(end_tag), end_tag + CLOSE))
    return html_edits.splice(html, edits)
