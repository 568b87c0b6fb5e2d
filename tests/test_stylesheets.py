"""The site's own stylesheets served as one file; mkdocstrings' only where it is used
(docrun/src/docrun/stylesheets.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from docrun import stylesheets

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)">')


def test_bundle_takes_the_place_of_the_first_own_stylesheet() -> None:
    names = ["assets/_mkdocstrings.css", "stylesheets/a.css", "x/b.css", "stylesheets/c.css"]
    listed, own = stylesheets.bundle(names)
    assert listed == ["assets/_mkdocstrings.css", stylesheets.BUNDLE, "x/b.css"]
    assert own == ["stylesheets/a.css", "stylesheets/c.css"]


def test_bundle_leaves_a_list_without_own_stylesheets_alone() -> None:
    assert stylesheets.bundle(["assets/katex/katex.min.css"]) == (
        ["assets/katex/katex.min.css"],
        [],
    )


def test_concatenate_keeps_the_order_and_names_each_part(tmp_path: Path) -> None:
    (tmp_path / "stylesheets").mkdir()
    (tmp_path / "stylesheets" / "b.css").write_text("b { color: red }\n", encoding="utf-8")
    (tmp_path / "stylesheets" / "a.css").write_text("a { color: blue }", encoding="utf-8")
    text = stylesheets.concatenate(tmp_path, ["stylesheets/b.css", "stylesheets/a.css"])
    assert text == (
        "/* stylesheets/b.css */\nb { color: red }\n\n/* stylesheets/a.css */\na { color: blue }\n"
    )


def test_the_mkdocstrings_link_is_dropped_only_from_pages_without_its_objects() -> None:
    head = '<link rel="stylesheet" href="../assets/_mkdocstrings.css">'
    plain = f"<head>{head}</head><body><p>text</p></body>"
    api = f'<head>{head}</head><body><div class="doc doc-object doc-function"></div></body>'
    assert "_mkdocstrings" not in stylesheets.without_unused_mkdocstrings_css(plain)
    assert stylesheets.without_unused_mkdocstrings_css(api) == api


def own_stylesheets() -> list[str]:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("!ENV", ""))
    return [name for name in config["extra_css"] if name.startswith(stylesheets.OWN)]


def test_each_built_page_links_the_bundle_and_mkdocstrings_css_only_where_used(
    built_site: Path,
) -> None:
    own = own_stylesheets()
    assert len(own) >= 4  # not a vacuous pass: mkdocs.yml lists the site's stylesheets
    bundle = (built_site / stylesheets.BUNDLE).read_text(encoding="utf-8")
    assert bundle == stylesheets.concatenate(ROOT / "docs", own)
    pages = sorted(built_site.rglob("index.html"))
    with_api = []
    for page in pages:
        html = page.read_text(encoding="utf-8")
        links = [href.rsplit("/", 2)[-2:] for href in LINK.findall(html)]
        names = ["/".join(parts) for parts in links]
        assert names.count(stylesheets.BUNDLE) == 1, page
        assert not set(own) & set(names), page
        uses_api = 'class="doc doc-' in html
        assert (stylesheets.MKDOCSTRINGS in names) == uses_api, page
        with_api += [page] if uses_api else []
    assert [page.parent.name for page in with_api] == ["reference"]


def test_parses_as_css_tells_rules_from_what_a_browser_drops() -> None:
    assert stylesheets.parses_as_css(".a { color: red } @media print { .b { color: blue } }")
    # What mkdocs-jupyter writes into one <style>: a Python list's repr, not CSS.
    assert not stylesheets.parses_as_css("['pre { line-height: 125%; }']")


def test_purge_keeps_the_rules_the_page_uses_and_leaves_other_blocks_alone() -> None:
    """A real PurgeCSS run (Node.js and node_modules from `make setup`)."""
    purge = stylesheets.PurgeCSS(ROOT, store=None)
    css = (
        ".used { color: red } .unused { color: blue } "
        "[data-md-color-scheme=slate] .used { color: white } "
        ".used { background: var(--kept) } .x { --kept: 1px; --dropped: 2px }"
    )
    not_css = "['pre { color: red }']"
    page = (
        f"<html><head><style>{css}</style><style>{not_css}</style></head>"
        '<body><p class="used x">text</p></body></html>'
    )
    out = stylesheets.purge_inline_css(page, purge)
    kept, untouched = re.findall(r"<style>(.*?)</style>", out, re.DOTALL)
    assert ".used" in kept
    assert ".unused" not in kept
    # The dark palette's rules stay: a script sets that attribute after load.
    assert "[data-md-color-scheme=slate] .used" in kept
    assert "--kept" in kept
    assert "--dropped" not in kept
    assert untouched == not_css
    assert out.replace(kept, css) == page


def test_purged_css_is_kept_under_its_digest_and_a_damaged_file_is_redone(tmp_path: Path) -> None:
    purge = stylesheets.PurgeCSS(ROOT, store=tmp_path)
    page, css = '<p class="a">x</p>', [".a { color: red } .b { color: blue }"]
    first = purge(page, css)
    (stored,) = tmp_path.glob("*.json")
    assert json.loads(stored.read_text(encoding="utf-8")) == first
    stored.write_text("not json", encoding="utf-8")
    assert purge(page, css) == first
    assert json.loads(stored.read_text(encoding="utf-8")) == first
    # Another page is another key.
    purge('<p class="b">x</p>', css)
    assert len(list(tmp_path.glob("*.json"))) == 2
