"""docrun.tables: each table of the content arrives in the wrapper Material would move it to.

That Material then moves no table, and that the tables look as Material's own wrapping
draws them, is checked in a browser in tests/browser/test_restyles.py.
"""

from __future__ import annotations

import pytest

from docrun import tables

BARE = "<table>\n<thead><tr><th>a</th></tr></thead>\n<tbody><tr><td>$x$</td></tr></tbody>\n</table>"


def page(body: str, before: str = "") -> str:
    return f'<html><body>{before}<article class="md-content__inner">{body}</article></body></html>'


def wrapped(table: str) -> str:
    """What the build makes of a bare table."""
    return tables.OPEN + table.replace("<table", f'<table class="{tables.CLASS}"', 1) + tables.CLOSE


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (f"<p>x</p>{BARE}<p>y</p>", f"<p>x</p>{wrapped(BARE)}<p>y</p>"),
        (  # attributes kept after the class, upper case end tag kept as written
            '<table data-docrun-far id="t"><tr><td>1</td></tr></TABLE>',
            '<div class="md-typeset__scrollwrap"><div class="md-typeset__table">'
            '<table class="docrun-table" data-docrun-far id="t"><tr><td>1</td></tr></TABLE>'
            "</div></div>",
        ),
        (  # two tables, each wrapped once
            f"{BARE}\n{BARE}",
            f"{wrapped(BARE)}\n{wrapped(BARE)}",
        ),
        (  # a table in a table: Material wraps both, and so does the build
            "<table><tr><td><table><tr><td>in</td></tr></table></td></tr></table>",
            wrapped(
                "<table><tr><td>"
                + wrapped("<table><tr><td>in</td></tr></table>")
                + "</td></tr></table>"
            ),
        ),
    ],
)
def test_each_bare_table_of_the_content_is_wrapped_and_given_the_class(
    body: str, expected: str
) -> None:
    assert tables.wrap_tables(page(body)) == page(expected)


@pytest.mark.parametrize(
    "body",
    [
        '<table class="dataframe"><tr><td>1</td></tr></table>',  # Material leaves these
        '<table class=""><tr><td>1</td></tr></table>',  # a class, even empty
        "<p>no table</p>",
    ],
)
def test_tables_with_a_class_and_pages_without_tables_are_unchanged(body: str) -> None:
    assert tables.wrap_tables(page(body)) == page(body)


def test_tables_outside_the_content_are_unchanged() -> None:
    html = page(BARE, before=BARE)
    assert tables.wrap_tables(html) == page(wrapped(BARE), before=BARE)


def test_wrapping_twice_changes_nothing_more() -> None:
    once = tables.wrap_tables(page(BARE))
    assert tables.wrap_tables(once) == once
