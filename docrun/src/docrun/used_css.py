"""A stylesheet cut down to the rules that can apply to one page, decided at build time.

mkdocs-jupyter inlines JupyterLab's whole stylesheet (about 575 KB) into the notebook page:
rules for editors, menus, widgets and dialogs that a static notebook never shows, all of it
parsed and matched before the first paint. A rule can only ever apply to the page when its
selector matches an element of the page's HTML, since no script on the site adds
JupyterLab's classes. So the rules are matched against the page, and only those kept:

- a selector is loosened before matching: pseudo-classes, pseudo-elements and attribute
  selectors are dropped (``:hover``, ``::before``, ``[data-md-color-scheme=slate]`` depend
  on the reader, the palette toggle or generated content, not on the HTML), so the loosened
  selector matches wherever the real one could, and more;
- a selector list keeps its selectors that can match; a rule none of whose selectors can
  match is dropped, and so is an ``@media`` or ``@supports`` block left empty;
- a custom property (``--jp-…``) is kept when some kept rule, another stylesheet of the
  page or a ``style`` attribute reads it with ``var()``, directly or through another kept
  custom property; ``@keyframes`` and ``@font-face`` are kept when a kept declaration names
  them.

Matching uses soupsieve (BeautifulSoup's CSS selector engine) on the page parsed once; a
selector that names a class, id or element the page does not have is dropped at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import soupsieve
import tinycss2  # type: ignore[import-untyped]  # no type hints in tinycss2
from bs4 import BeautifulSoup, Tag

_VAR = re.compile(r"var\(\s*(--[\w-]+)")
_IDENT = re.compile(r"-?[_a-zA-Z][\w-]*")


@dataclass
class _Page:
    """The page's elements, indexed by class and by tag name, and its ids."""

    elements: list[Tag]
    by_class: dict[str, list[Tag]]
    by_tag: dict[str, list[Tag]]
    ids: set[str]

    @classmethod
    def parse(cls, page_html: str) -> _Page:
        soup = BeautifulSoup(page_html, "html.parser")
        elements = [element for element in soup.find_all(True) if isinstance(element, Tag)]
        by_class: dict[str, list[Tag]] = {}
        by_tag: dict[str, list[Tag]] = {}
        ids: set[str] = set()
        for element in elements:
            by_tag.setdefault(element.name.lower(), []).append(element)
            value = element.get("class")
            for name in [value] if isinstance(value, str) else value or []:
                by_class.setdefault(name, []).append(element)
            if element.get("id"):
                ids.add(str(element["id"]))
        return cls(elements, by_class, by_tag, ids)

    def may_match(self, selector: str) -> bool:
        """Whether the (loosened) selector matches an element of the page."""
        names = _names(selector)
        if (
            not names["class"] <= self.by_class.keys()
            or not names["id"] <= self.ids
            or not names["tag"] <= self.by_tag.keys()
        ):
            return False
        try:
            compiled = soupsieve.compile(selector)
        except soupsieve.SelectorSyntaxError:
            return True  # a selector soupsieve cannot read is kept: never drop blindly
        # Only elements that have what the last compound asks for can be the subject.
        last = _names(re.split(r"[\s>+~]+", selector.strip())[-1])
        candidates = self.elements
        for name in last["class"]:
            candidates = min(candidates, self.by_class[name], key=len)
        for name in last["tag"]:
            candidates = min(candidates, self.by_tag[name], key=len)
        return any(compiled.match(element) for element in candidates)


def used_css(css: str, page_html: str, other_css: Iterable[str] = ()) -> str:
    """The rules of ``css`` that can apply to ``page_html``, serialized again.

    ``other_css`` are the page's other stylesheets: the custom properties they read are
    kept in ``css`` too.
    """
    return used_css_many([css], page_html, other_css)[0]


def used_css_many(sheets: list[str], page_html: str, other_css: Iterable[str] = ()) -> list[str]:
    """:func:`used_css` for several stylesheets of one page, parsing the page once; the
    custom properties any of them reads are kept in all."""
    page = _Page.parse(page_html)
    kept = [_keep_matching(tinycss2.parse_stylesheet(css), page) for css in sheets]
    # Custom properties: what is read anywhere, closed over the properties that read others.
    text_read = " ".join([*other_css, *(_style_attributes(page.elements))])
    declared = {name: value for rules in kept for name, value in _custom_properties(rules) if value}
    read = set(_VAR.findall(text_read))
    for rules in kept:
        read |= set(_VAR.findall(_serialize_without_custom(rules)))
    pending = list(read)
    while pending:
        for name in _VAR.findall(declared.get(pending.pop(), "")):
            if name not in read:
                read.add(name)
                pending.append(name)
    out = []
    for rules in kept:
        rules = _drop_custom_properties(rules, read)
        named = _serialize_without_custom(rules)
        rules = _drop_unnamed_at_rules(rules, named)
        out.append(tinycss2.serialize(rules).strip())
    return out


def _keep_matching(rules: list[Any], page: _Page) -> list[Any]:
    kept: list[Any] = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = _split_selectors(tinycss2.serialize(rule.prelude))
            matching = [s for s in selectors if page.may_match(loosen(s))]
            if not matching:
                continue
            if len(matching) < len(selectors):
                rule.prelude = tinycss2.parse_component_value_list(",".join(matching))
            kept.append(rule)
        elif rule.type == "at-rule" and rule.lower_at_keyword in {"media", "supports"}:
            inner = _keep_matching(tinycss2.parse_rule_list(rule.content or []), page)
            if any(item.type != "whitespace" for item in inner):
                rule.content = inner
                kept.append(rule)
        elif rule.type in {"at-rule", "whitespace"}:
            kept.append(rule)
        # Parse errors and comments are dropped: the browser ignores them too.
    return kept


def _custom_properties(rules: list[Any]) -> Iterator[tuple[str, str]]:
    for rule in rules:
        if rule.type == "qualified-rule":
            for item in tinycss2.parse_blocks_contents(rule.content):
                if item.type == "declaration" and item.name.startswith("--"):
                    yield item.name, tinycss2.serialize(item.value)
        elif rule.type == "at-rule" and isinstance(rule.content, list) and _is_group(rule):
            yield from _custom_properties(rule.content)


def _is_group(rule: Any) -> bool:
    return bool(rule.lower_at_keyword in {"media", "supports"})


def _drop_custom_properties(rules: list[Any], read: set[str]) -> list[Any]:
    """The rules without the declarations of custom properties nobody reads (a rule left
    without declarations goes too)."""
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            items = tinycss2.parse_blocks_contents(rule.content)
            declarations = [
                item
                for item in items
                if item.type == "declaration"
                and (not item.name.startswith("--") or item.name in read)
            ]
            if not declarations:
                continue
            rule.content = _declaration_tokens(declarations)
        elif rule.type == "at-rule" and isinstance(rule.content, list) and _is_group(rule):
            rule.content = _drop_custom_properties(rule.content, read)
            if not any(item.type != "whitespace" for item in rule.content):
                continue
        kept.append(rule)
    return kept


def _declaration_tokens(declarations: list[Any]) -> list[Any]:
    text = ";".join(
        f"{d.name}:{tinycss2.serialize(d.value)}{'!important' if d.important else ''}"
        for d in declarations
    )
    tokens: list[Any] = tinycss2.parse_component_value_list(text)
    return tokens


def _serialize_without_custom(rules: list[Any]) -> str:
    """The text of every declaration except custom properties' own values."""
    parts = []
    for rule in rules:
        if rule.type == "qualified-rule":
            for item in tinycss2.parse_blocks_contents(rule.content):
                if item.type == "declaration" and not item.name.startswith("--"):
                    parts.append(f"{item.name}:{tinycss2.serialize(item.value)}")
        elif rule.type == "at-rule" and isinstance(rule.content, list) and _is_group(rule):
            parts.append(_serialize_without_custom(rule.content))
    return ";".join(parts)


def _drop_unnamed_at_rules(rules: list[Any], declarations: str) -> list[Any]:
    """Without the @keyframes and @font-face that no kept declaration names."""
    words = set(_IDENT.findall(declarations))
    quoted = set(re.findall(r"[\"']([^\"']+)[\"']", declarations))
    kept = []
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword.endswith("keyframes"):
            name = tinycss2.serialize(rule.prelude).strip().strip("\"'")
            if name not in words and name not in quoted:
                continue
        if rule.type == "at-rule" and rule.lower_at_keyword == "font-face":
            family = _font_face_family(rule)
            if family is not None and family not in words and family not in quoted:
                continue
        kept.append(rule)
    return kept


def _font_face_family(rule: Any) -> str | None:
    for item in tinycss2.parse_blocks_contents(rule.content or []):
        if item.type == "declaration" and item.lower_name == "font-family":
            return str(tinycss2.serialize(item.value)).strip().strip("\"'")
    return None


def _style_attributes(elements: list[Tag]) -> Iterator[str]:
    for element in elements:
        if element.get("style"):
            yield str(element["style"])


# Pseudo-classes and pseudo-elements, with their arguments (nested parentheses included),
# and attribute selectors; handled by a small scanner rather than one regular expression.
def loosen(selector: str) -> str:
    """The selector without pseudo-classes, pseudo-elements and attribute selectors; a
    compound left empty becomes ``*``. It matches wherever the selector could."""
    out: list[str] = []
    k = 0
    while k < len(selector):
        char = selector[k]
        if char == "[":
            k = selector.index("]", k) + 1
            out.append("\0")
            continue
        if char == ":":
            k += 1
            while k < len(selector) and selector[k] == ":":
                k += 1
            match = _IDENT.match(selector, k)
            k = match.end() if match else k
            if k < len(selector) and selector[k] == "(":
                depth = 0
                while k < len(selector):
                    depth += {"(": 1, ")": -1}.get(selector[k], 0)
                    k += 1
                    if depth == 0:
                        break
            out.append("\0")
            continue
        if char in "\"'":
            end = selector.index(char, k + 1)
            out.append(selector[k : end + 1])
            k = end + 1
            continue
        out.append(char)
        k += 1
    text = "".join(out)
    # A compound that was all pseudo or attribute parts matches any element.
    text = re.sub(r"(^|[\s>+~])\0+", r"\1*", text).replace("\0", "")
    return " ".join(text.split()) or "*"


def _names(selector: str) -> dict[str, set[str]]:
    """The classes, ids and element names a loosened selector requires."""
    return {
        "class": set(re.findall(r"\.(-?[_a-zA-Z][\w-]*)", selector)),
        "id": set(re.findall(r"#(-?[_a-zA-Z][\w-]*)", selector)),
        "tag": {
            name.lower()
            for name in re.findall(r"(?:^|[\s>+~(,])([a-zA-Z][\w-]*)", selector)
            if name.lower() not in {"n", "odd", "even"}
        },
    }


def _split_selectors(prelude: str) -> list[str]:
    """A selector list split at its top-level commas."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in prelude:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]
