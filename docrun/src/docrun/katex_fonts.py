"""The KaTeX fonts a page's math uses, read from the page's HTML, so that exactly those are
preloaded and the equations are drawn at first paint.

KaTeX's stylesheet declares its fonts with ``font-display: block``: text in a KaTeX font
stays invisible until that font has arrived. A font the stylesheet names is only fetched
once the browser has laid out text in it, after the stylesheet itself; Chromium holds the
first paint back (briefly) for fonts that are *preloaded*. Preloading too few leaves
equations blank after first paint; preloading fonts a page never uses costs every reader
bytes for nothing.

The fonts used are found the way the browser finds them, from KaTeX's own stylesheet:

1. every rule of the stylesheet that sets ``font``, ``font-family``, ``font-style`` or
   ``font-weight`` is matched (soupsieve) against the elements of each rendered equation,
   and the cascade picks, per element, the value of the most specific rule (the later one
   on a tie), inheriting from the parent otherwise;
2. each element that holds text (its own text nodes, or ``content`` of a ``::before`` or
   ``::after`` rule) uses its first font family in the computed style and weight;
3. the ``@font-face`` rules map (family, style, weight) to a file, with CSS's font-matching
   fallbacks (an italic family asked for upright text still gives its italic face).

The MathML copy (``.katex-mathml``) is left out: browsers draw ``<math>`` in their own math
font, and KaTeX's stylesheet only hides it.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import soupsieve
import tinycss2  # type: ignore[import-untyped]  # no type hints in tinycss2
from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from docrun import cache

_FONT_PROPERTIES = ("font-family", "font-style", "font-weight")
_CLASS_SELECTOR = re.compile(r"^[\w.\-\s>*]+$")
# The MathML copy of an equation holds no span: the first </span> closes it.
_MATHML = re.compile(r'<span class="katex-mathml">.*?</span>', re.DOTALL)
_PSEUDO_ELEMENT = re.compile(r"::?(before|after)$")
# This module's code, as loaded, is part of the store's name: a change in how fonts are
# found starts a new store.
_VERSION = cache.code_version(sys.modules[__name__])


def _digest(*texts: str) -> str:
    sha = hashlib.sha256()
    for text in texts:
        sha.update(text.encode("utf-8"))
        sha.update(b"\0")
    return sha.hexdigest()


def _read_known(store: Path | None) -> dict[str, frozenset[str]]:
    """The fonts kept in ``store`` per equation digest; none when the file is missing or
    does not read as such (a damaged file is replaced on the next save)."""
    if store is None:
        return {}
    try:
        known = json.loads(store.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(known, dict) or not all(
        isinstance(files, list) and all(isinstance(f, str) for f in files)
        for files in known.values()
    ):
        return {}
    return {key: frozenset(files) for key, files in known.items()}


@dataclass(frozen=True)
class FontFace:
    """One ``@font-face`` rule: the family, style and weight it serves, and its woff2 file."""

    family: str
    style: str
    weight: int
    file: str


@dataclass(frozen=True)
class _Rule:
    source: str
    selector: Any  # compiled by soupsieve
    # The classes of the selector's last compound: an element without them all cannot
    # match, which spares soupsieve most of the work.
    needs: frozenset[str]
    specificity: tuple[int, int, int]
    order: int
    values: dict[str, str]
    # The rule targets ::before or ::after and gives it text (content other than "").
    generates_text: bool

    def matches(self, element: Tag, classes: frozenset[str]) -> bool:
        return self.needs <= classes and bool(self.selector.match(element))


Style = tuple[str, str, int]  # family, style, weight


class KatexFonts:
    """What KaTeX's stylesheet says about fonts, ready to be asked about rendered math.

    ``css`` is the text of ``katex.min.css``. With ``store`` (a folder), the fonts found
    for each equation are kept between builds, in a file named by the digest of the
    stylesheet and of this module: what an equation's fonts are follows from its HTML,
    the stylesheet and this code alone, so a kept answer cannot go stale.
    """

    def __init__(self, css: str, store: Path | None = None) -> None:
        if "@font-face" not in css:
            raise ValueError("css: expected KaTeX's stylesheet with its @font-face rules")
        self.faces: list[FontFace] = []
        self._rules: list[_Rule] = []
        for order, rule in enumerate(tinycss2.parse_stylesheet(css, True, True)):
            if rule.type == "at-rule" and rule.lower_at_keyword == "font-face":
                face = _font_face(_declarations(rule.content))
                if face is not None:
                    self.faces.append(face)
            elif rule.type == "qualified-rule":
                self._add_rule(order, tinycss2.serialize(rule.prelude), rule.content)
        # When every selector is made of types and classes joined by descendant and child
        # combinators (KaTeX's are), an element's font depends only on its tag, its classes,
        # its parent's, the set of its ancestors' and what it inherits: equal keys share one
        # cascade. Other selectors (siblings, attributes, pseudo-classes) are matched each time.
        self._by_classes = all(_CLASS_SELECTOR.match(rule.source) for rule in self._rules)
        self._memo: dict[Any, Style] = {}
        self._store = None if store is None else store / f"fonts-{_digest(css, _VERSION)}.json"
        self._known = _read_known(self._store)
        self._stored = len(self._known)

    def save(self) -> None:
        """Write the fonts found to the store, if there is one and anything new came."""
        if self._store is None or len(self._known) == self._stored:
            return
        cache.write_json(self._store, {key: sorted(files) for key, files in self._known.items()})
        self._stored = len(self._known)

    def _add_rule(self, order: int, prelude: str, content: list[Any]) -> None:
        declared = _declarations(content)
        values = _font_values(declared)
        content_text = declared.get("content", "").strip()
        makes_text = content_text not in {"", '""', "''", "none", "normal"}
        if not values and not makes_text:
            return
        for selector in _split_selectors(prelude):
            pseudo = _PSEUDO_ELEMENT.search(selector)
            target = selector[: pseudo.start()] if pseudo else selector
            if not target.strip():
                continue
            last = re.split(r"[\s>+~]+", target.strip())[-1]
            self._rules.append(
                _Rule(
                    source=target,
                    selector=soupsieve.compile(target),
                    needs=frozenset(re.findall(r"\.([\w-]+)", last)),
                    specificity=_specificity(selector),
                    order=order,
                    values={} if pseudo else values,
                    generates_text=bool(pseudo) and makes_text,
                )
            )

    def files_used(self, page_html: str) -> list[str]:
        """The woff2 file names (``KaTeX_Main-Regular.woff2``, …) of the fonts that the
        KaTeX math in ``page_html`` draws text in, sorted."""
        files: set[str] = set()
        for fragment in katex_fragments(page_html):
            files |= self._fragment_files(fragment)
        return sorted(files)

    def _fragment_files(self, fragment: str) -> frozenset[str]:
        key = _digest(fragment)
        if key not in self._known:
            self._known[key] = self._cascade_files(fragment)
        return self._known[key]

    def _cascade_files(self, fragment: str) -> frozenset[str]:
        soup = BeautifulSoup(_MATHML.sub("", fragment), "html.parser")
        root = soup.find(class_="katex")
        if not isinstance(root, Tag):
            return frozenset()
        styles = set()
        for element, style in self._computed(root, ("", "normal", 400), frozenset()):
            if _has_text(element) or self._generates_text(element):
                styles.add(style)
        return frozenset(
            face.file for face in (self.face_for(*style) for style in styles) if face is not None
        )

    def _computed(
        self, element: Tag, inherited: Style, above: frozenset[str]
    ) -> Iterator[tuple[Tag, Style]]:
        """Each element under (and including) ``element`` with its computed font, in
        document order; ``above`` holds the classes of its ancestors."""
        classes = _classes(element)
        if self._by_classes:
            parent = element.parent
            parent_classes = _classes(parent) if isinstance(parent, Tag) else None
            key = (inherited, element.name, classes, parent_classes, above)
            style = self._memo.get(key)
            if style is None:
                style = self._memo[key] = self._cascade(element, inherited, classes)
        else:
            style = self._cascade(element, inherited, classes)
        yield element, style
        for child in element.children:
            if isinstance(child, Tag):
                yield from self._computed(child, style, above | classes)

    def _cascade(self, element: Tag, inherited: Style, classes: frozenset[str]) -> Style:
        family, style, weight = inherited
        matching = sorted(
            (rule for rule in self._rules if rule.values and rule.matches(element, classes)),
            key=lambda rule: (rule.specificity, rule.order),
        )
        for rule in matching:  # the most specific, then the latest, applies last
            family = rule.values.get("font-family", family)
            style = rule.values.get("font-style", style)
            weight = int(rule.values.get("font-weight", weight))
        return family, style, weight

    def _generates_text(self, element: Tag) -> bool:
        classes = _classes(element)
        return any(rule.generates_text and rule.matches(element, classes) for rule in self._rules)

    def face_for(self, family: str, style: str, weight: int) -> FontFace | None:
        """The face CSS font matching picks for the style, or None for a family that
        KaTeX does not serve."""
        faces = [face for face in self.faces if face.family == family]
        if not faces:
            return None
        # The style first: italic falls back to oblique then normal, normal the other way.
        order = (
            ["italic", "oblique", "normal"]
            if style != "normal"
            else ["normal", "oblique", "italic"]
        )
        for wanted in order:
            same_style = [face for face in faces if face.style == wanted]
            if same_style:
                return min(same_style, key=lambda face: _weight_distance(weight, face.weight))
        return None


def _weight_distance(wanted: int, weight: int) -> tuple[int, int]:
    """Sort key of CSS's weight matching: 400 tries 500 first, then lighter, then heavier;
    below 400 lighter first; above 500 heavier first."""
    if weight == wanted:
        return (0, 0)
    if wanted == 400 and weight == 500:
        return (1, 0)
    lighter_first = wanted <= 500
    if (weight < wanted) == lighter_first:
        return (2, abs(weight - wanted))
    return (3, abs(weight - wanted))


def _classes(element: Tag) -> frozenset[str]:
    value = element.get("class")
    if value is None:
        return frozenset()
    return frozenset([value] if isinstance(value, str) else value)


def _has_text(element: Tag) -> bool:
    return any(
        isinstance(child, NavigableString) and not child.isspace() and str(child) != ""
        for child in element.children
        if type(child) is NavigableString  # not comments or other subclasses
    )


# The root span of each rendered equation; its end is found by counting span tags, which
# is all KaTeX's HTML nests (the MathML copy inside holds no span).
_KATEX_START = re.compile(r'<span class="katex"')
_SPAN_TAG = re.compile(r"<span\b|</span>")


def katex_fragments(page_html: str) -> Iterator[str]:
    """The HTML of every rendered equation (``<span class="katex">…</span>``) in the page."""
    for start in _KATEX_START.finditer(page_html):
        depth = 0
        for tag in _SPAN_TAG.finditer(page_html, start.start()):
            depth += 1 if tag.group() == "<span" else -1
            if depth == 0:
                yield page_html[start.start() : tag.end()]
                break


def preload_links(files: Iterable[str], fonts_url: str) -> str:
    """``<link rel="preload">`` tags for the font files under ``fonts_url`` (a folder URL)."""
    base = fonts_url if fonts_url.endswith("/") else fonts_url + "/"
    return "".join(
        f'<link rel="preload" href="{base}{name}" as="font" type="font/woff2" crossorigin>'
        for name in files
    )


def _declarations(content: list[Any]) -> dict[str, str]:
    found = {}
    for item in tinycss2.parse_blocks_contents(content, True, True):
        if item.type == "declaration":
            found[item.lower_name] = tinycss2.serialize(item.value).strip()
    return found


def _font_values(declared: dict[str, str]) -> dict[str, str]:
    """font-family (the first family), font-style and font-weight (a number) as set by
    the rule, the ``font`` shorthand included."""
    values: dict[str, str] = {}
    if "font" in declared:
        values.update(_font_shorthand(declared["font"]))
    for name in _FONT_PROPERTIES:
        if name in declared:
            values[name] = declared[name]
    if "font-family" in values:
        values["font-family"] = _first_family(values["font-family"])
    if "font-weight" in values:
        values["font-weight"] = str(_weight_number(values["font-weight"]))
    return values


_SIZE = re.compile(r"^[\d.]+(em|rem|px|pt|%|ex|ch)(/\S+)?$")


def _font_shorthand(value: str) -> dict[str, str]:
    """The ``font`` shorthand resets style and weight to normal unless it names them."""
    values = {"font-style": "normal", "font-weight": "400"}
    words = value.split()
    for k, word in enumerate(words):
        if _SIZE.match(word):
            values["font-family"] = " ".join(words[k + 1 :])
            break
        if word in {"italic", "oblique"}:
            values["font-style"] = word
        elif word in {"bold", "bolder", "lighter"} or word.isdigit():
            values["font-weight"] = word
    return values


def _first_family(value: str) -> str:
    return value.split(",")[0].strip().strip("\"'")


def _weight_number(value: str) -> int:
    named = {"normal": 400, "bold": 700}
    if value in named:
        return named[value]
    if value.isdigit():
        return int(value)
    raise ValueError(f"font-weight: expected normal, bold or a number, got {value!r}")


def _font_face(declared: dict[str, str]) -> FontFace | None:
    woff2 = re.search(r"url\(\s*['\"]?([^'\")]+\.woff2)", declared.get("src", ""))
    if "font-family" not in declared or woff2 is None:
        return None
    return FontFace(
        family=_first_family(declared["font-family"]),
        style=declared.get("font-style", "normal"),
        weight=_weight_number(declared.get("font-weight", "normal")),
        file=PurePosixPath(woff2.group(1)).name,
    )


def _split_selectors(prelude: str) -> list[str]:
    """A selector list split at its top-level commas."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
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


def _specificity(selector: str) -> tuple[int, int, int]:
    """(ids, classes and attributes and pseudo-classes, types and pseudo-elements)."""
    without_strings = re.sub(r"\"[^\"]*\"|'[^']*'", "", selector)
    ids = len(re.findall(r"#[\w-]+", without_strings))
    attributes = len(re.findall(r"\[[^\]]*\]", without_strings))
    without_attributes = re.sub(r"\[[^\]]*\]", "", without_strings)
    classes = len(re.findall(r"\.[\w-]+", without_attributes))
    pseudo_elements = len(re.findall(r"::[\w-]+|:(?:before|after)\b", without_attributes))
    pseudo_classes = len(re.findall(r"(?<!:):(?!:)[\w-]+", without_attributes)) - len(
        re.findall(r"(?<!:):(?:before|after)\b", without_attributes)
    )
    types = len(re.findall(r"(?:^|[\s>+~])([a-zA-Z][\w-]*)", without_attributes))
    return (ids, classes + attributes + pseudo_classes, types + pseudo_elements)
