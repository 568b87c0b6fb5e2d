"""The real site, built once (strict): its numbers, its math, and nothing from elsewhere."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import mkdocs_build
import pytest
from docrun.katex import find_math, notebook_math

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


def html_of(site: Path, source: Path) -> str:
    """The built page of a source file under docs/ (directory URLs)."""
    rel = source.relative_to(DOCS).with_suffix("")
    built = site / "index.html" if rel.name == "index" else site / rel / "index.html"
    return built.read_text(encoding="utf-8")


class Tags(HTMLParser):
    """Collects every start tag with its attributes, and the text of scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._inside: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in {"script", "style"}:
            self._inside = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside == "script":
            self.scripts.append(data)
        elif self._inside == "style":
            self.styles.append(data)


def parse(page: str) -> Tags:
    tags = Tags()
    tags.feed(page)
    return tags


def visible_text(page: str, *, code: bool = False) -> str:
    """Text a reader sees: no scripts, styles, KaTeX's MathML copy of the TeX, and no code
    unless ``code`` (code blocks hold the examples' outputs)."""
    patterns = [
        r"<script\b.*?</script>",
        r"<style\b.*?</style>",
        r"<span class=\"katex-mathml\">.*?</math></span>",
        r"<!--.*?-->",
    ]
    if not code:
        patterns += [r"<pre\b.*?</pre>", r"<code\b.*?</code>"]
    for pattern in patterns:
        page = re.sub(pattern, " ", page, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", "", page)


class TextOutside(HTMLParser):
    """The text of a page outside elements with one of some classes or tags."""

    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col"})

    def __init__(self, skip: set[str], skip_tags: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip, self.skip_tags = skip, skip_tags
        self.parts: list[str] = []
        self._depth = 0  # open elements since entering a skipped one (0: not inside)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        if self._depth or classes & self.skip or tag in self.skip_tags:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._depth and tag not in self.VOID:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._depth:
            self.parts.append(data)


def text_outside(page: str, *, skip: set[str], skip_tags: set[str]) -> str:
    parser = TextOutside(skip, skip_tags)
    parser.feed(page)
    return " ".join(parser.parts)


# --- the article's numbers --------------------------------------------------------------


def sigma(h: float) -> float:
    # Independent of mlmath: the defining formula, fine for these positive scores.
    return 1.0 / (1.0 + math.exp(-h))


def shown_with_digits(text: str, value: float, digits: int) -> bool:
    """Whether the text shows a number with at least ``digits`` decimals that rounds ``value``."""
    for whole, decimals in re.findall(r"(\d+)\.(\d+)", text):
        if len(decimals) >= digits:
            number = float(f"{whole}.{decimals}")
            if abs(number - value) <= 0.5 * 10.0 ** -len(decimals) * (1 + 1e-9):
                return True
    return False


def test_the_article_numbers_are_on_the_site(built_site: Path) -> None:
    text = " ".join(
        visible_text(p.read_text(encoding="utf-8"), code=True) for p in pages(built_site)
    )
    # σ(2.5) printed in full, as Python prints the float.
    assert repr(sigma(2.5)) in text
    # predict(x, W, b) = σ(W·x + b) with the article's inputs, shown to 10 decimals or more.
    assert shown_with_digits(text, sigma(0.38 * 16 + 10), 10)
    assert shown_with_digits(text, sigma(0.38 * 1 + 0.1), 10)


# --- math --------------------------------------------------------------------------------


def test_every_equation_of_every_page_is_rendered(built_site: Path) -> None:
    sources = sorted(DOCS.rglob("*.md")) + sorted(DOCS.rglob("*.ipynb"))
    assert sources
    for source in sources:
        text = source.read_text(encoding="utf-8")
        written = len(notebook_math(text) if source.suffix == ".ipynb" else find_math(text))
        page = html_of(built_site, source)
        rendered = page.count('<span class="katex">')
        assert rendered >= written, f"{source.name}: {written} equations, {rendered} rendered"
        # htmlAndMathml: every rendering carries MathML for assistive technology.
        assert page.count('<span class="katex-mathml"><math') == rendered, source.name


def test_pages_with_math_in_the_article_order_have_it_rendered(built_site: Path) -> None:
    for name in ["prediction", "error", "gradient", "gradient-descent", "squared-errors"]:
        page = (built_site / name / "index.html").read_text(encoding="utf-8")
        assert '<span class="katex">' in page, name
    notebook = next((built_site / "notebooks").rglob("index.html")).read_text(encoding="utf-8")
    assert '<span class="katex">' in notebook


def test_no_raw_tex_left_on_any_page(built_site: Path) -> None:
    for path in pages(built_site):
        page = path.read_text(encoding="utf-8")
        assert 'class="arithmatex">\\(' not in page, path
        assert 'class="arithmatex">\\[' not in page, path
        text = visible_text(page)
        for raw in ("\\(", "\\[", "$$", "\\frac", "\\hat", "\\sigma"):
            assert raw not in text, f"{path.relative_to(built_site)} shows {raw!r}"


def test_search_index_keeps_tex_not_katex_html(built_site: Path) -> None:
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(doc["text"] for doc in index["docs"])
    assert "\\sigma" in text
    assert "katex" not in text
    assert "<math" not in text


# --- nothing from another origin ---------------------------------------------------------

# Attributes through which a page loads something (not plain links a reader may follow).
LOADING = {
    "script": ["src"],
    "img": ["src", "srcset"],
    "iframe": ["src"],
    "source": ["src", "srcset"],
    "video": ["src", "poster"],
    "audio": ["src"],
    "embed": ["src"],
    "object": ["data"],
    "image": ["href", "xlink:href"],
    "use": ["href", "xlink:href"],
    "input": ["src"],
}
# <link rel=…> values that make the browser fetch or connect.
LOADING_RELS = {
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "manifest",
    "preload",
    "prefetch",
    "modulepreload",
    "preconnect",
    "dns-prefetch",
    "prerender",
}
# URLs inside the theme's JavaScript and the condition under which each would be fetched;
# the tests below check that the condition does not hold on this site.
GATED_JS_URLS = {
    "https://unpkg.com/mermaid@11/dist/mermaid.min.js": "a page has a .mermaid diagram",
    "https://unpkg.com/resize-observer-polyfill": "the browser lacks ResizeObserver (none now)",
    "https://api.github.com/repos/": "repo_url points at GitHub (repository facts)",
    "https://api.github.com/users/": "repo_url points at GitHub (repository facts)",
    "https://": "repo_url points at GitLab (`https://${host}/api/v4/projects/…`)",
}
# XML namespace names are identifiers, never fetched.
NAMESPACES = re.compile(r"https?://www\.w3\.org/(1998/Math/MathML|2000/svg|1999/xhtml|1999/xlink)")


def is_elsewhere(url: str, page_url: str, site_url: str) -> bool:
    """Whether a URL found in a page points at another origin than the site's."""
    url = url.strip()
    if not url or url.startswith(("data:", "#", "blob:")):
        return False
    absolute = urlsplit(urljoin(page_url, url))
    own = urlsplit(site_url)
    return (absolute.scheme, absolute.netloc) != (own.scheme, own.netloc)


def css_urls(css: str) -> list[str]:
    found = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    found += re.findall(r"@import\s+(?:url\()?\s*['\"]([^'\"]+)", css)
    return found


def js_urls(js: str) -> list[str]:
    """Absolute URLs written as string literals (comments and licence headers aside)."""
    urls = re.findall(r"[\"'`](https?://[^\"'`\s]*)", js)
    return [u.split("${")[0] for u in urls if not NAMESPACES.match(u)]


@pytest.fixture(scope="module")
def site_url(built_site: Path) -> str:
    canonical = re.search(
        r'<link rel="canonical" href="([^"]+)"',
        (built_site / "index.html").read_text(encoding="utf-8"),
    )
    assert canonical is not None, "index.html has no canonical link: is site_url set?"
    return canonical.group(1)


def test_no_page_loads_anything_from_another_origin(built_site: Path, site_url: str) -> None:
    offenders: list[str] = []
    for path in pages(built_site):
        page_url = urljoin(site_url, path.relative_to(built_site).as_posix())
        tags = parse(path.read_text(encoding="utf-8"))
        for tag, attrs in tags.tags:
            names = list(LOADING.get(tag, []))
            rels = set((attrs.get("rel") or "").lower().split())
            if tag == "link" and rels & LOADING_RELS:
                names.append("href")
            if "style" in attrs:
                offenders += [f"{path}: style url({u})" for u in css_urls(attrs["style"] or "")]
            for name in names:
                value = attrs.get(name) or ""
                candidates = [part.split()[0] for part in value.split(",") if part.strip()]
                if name != "srcset":
                    candidates = [value]
                offenders += [
                    f"{path}: <{tag} {name}={url}>"
                    for url in candidates
                    if is_elsewhere(url, page_url, site_url)
                ]
        for css in tags.styles:
            offenders += [
                f"{path}: inline CSS {u}"
                for u in css_urls(css)
                if is_elsewhere(u, page_url, site_url)
            ]
        for js in tags.scripts:
            offenders += [f"{path}: inline script {u}" for u in js_urls(js)]
    assert offenders == []


def test_no_stylesheet_imports_or_fonts_from_another_origin(built_site: Path) -> None:
    offenders = [
        f"{css.relative_to(built_site)}: {url}"
        for css in built_site.rglob("*.css")
        for url in css_urls(css.read_text(encoding="utf-8"))
        if re.match(r"(https?:)?//", url)
    ]
    assert offenders == []


def test_scripts_fetch_from_elsewhere_only_behind_conditions_this_site_avoids(
    built_site: Path,
) -> None:
    found = {
        url: js.relative_to(built_site)
        for js in built_site.rglob("*.js")
        for url in js_urls(js.read_text(encoding="utf-8"))
    }
    unknown = {url: str(where) for url, where in found.items() if url not in GATED_JS_URLS}
    assert unknown == {}, "a script fetches from another origin; add it here only if gated"
    html = [p.read_text(encoding="utf-8") for p in pages(built_site)]
    # The conditions: no Mermaid diagram; the repository link is a plain one, not the
    # theme's source component that asks for repository facts.
    assert not any(re.search(r'class="[^"]*\bmermaid\b', page) for page in html)
    assert not any('data-md-component="source"' in page for page in html)


def test_no_google_fonts(built_site: Path) -> None:
    for path in pages(built_site):
        page = path.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in page, path
        assert "fonts.gstatic.com" not in page, path


def test_katex_stylesheet_and_fonts_are_served_by_the_site(built_site: Path) -> None:
    css_path = built_site / "assets" / "katex" / "katex.min.css"
    fonts = set(re.findall(r"url\((fonts/[^)]+)\)", css_path.read_text(encoding="utf-8")))
    missing = [font for font in fonts if not (css_path.parent / font).is_file()]
    assert fonts
    assert missing == []
    for path in pages(built_site):
        hrefs = [a.get("href") or "" for t, a in parse(path.read_text("utf-8")).tags if t == "link"]
        assert any(h.endswith("assets/katex/katex.min.css") for h in hrefs), path


MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)")


def markdown_cells(nb: dict[str, Any]) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def built_page_exists(site: Path, site_url: str, url: str) -> bool:
    path = urlsplit(url).path.removeprefix(urlsplit(site_url).path)
    return (site / path / "index.html").is_file() or (site / path).is_file()


def test_notebook_page_is_downloadable_and_its_links_work_once_downloaded(
    built_site: Path, site_url: str
) -> None:
    notebook = next(DOCS.rglob("*.ipynb"))
    folder = built_site / notebook.relative_to(DOCS).with_suffix("")
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert f'<a href="{notebook.name}" download>' in page
    source = json.loads(notebook.read_text(encoding="utf-8"))
    copy = json.loads((folder / notebook.name).read_text(encoding="utf-8"))
    # The same notebook, code and outputs alike; only the Markdown links differ.
    assert [c for c in copy["cells"] if c["cell_type"] != "markdown"] == [
        c for c in source["cells"] if c["cell_type"] != "markdown"
    ]
    page_url = urljoin(site_url, folder.relative_to(built_site).as_posix() + "/")
    written = [m for cell in markdown_cells(source) for m in MARKDOWN_LINK.findall(cell)]
    copied = [m for cell in markdown_cells(copy) for m in MARKDOWN_LINK.findall(cell)]
    assert written
    assert len(copied) == len(written)
    for relative, absolute in zip(written, copied, strict=True):
        # Each relative link now names the published page it pointed at, which exists.
        assert absolute == urljoin(page_url, relative), (relative, absolute)
        assert absolute.startswith(site_url)
        assert built_page_exists(built_site, site_url, absolute), absolute
    # The page offers a link, not a button: its words say so.
    prose = " ".join(markdown_cells(source)).lower()
    assert "button" not in prose


# --- words about the site itself --------------------------------------------------------

DERIVATIVE = re.compile(r"'\(|\\partial|\\frac\{d|\\nabla")


def test_the_home_page_says_where_derivatives_start(built_site: Path) -> None:
    """The home page names the page where, in reading order, a derivative is first worked
    out in a displayed equation (the notation page only lists symbols, inline)."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    order = re.findall(r"^  - [^:]+: (\S+\.md)$", config, flags=re.MULTILINE)
    with_derivatives = [
        name
        for name in order
        if name != "index.md"
        and any(
            m.display and DERIVATIVE.search(m.tex)
            for m in find_math((DOCS / name).read_text("utf-8"))
        )
    ]
    home = (DOCS / "index.md").read_text(encoding="utf-8")
    sentence = re.search(r"Derivatives appear from the\s+\[[^\]]*\]\(([^)]+)\)", home)
    assert sentence is not None, "the home page no longer says where derivatives start"
    assert sentence.group(1) == with_derivatives[0]


# --- the repository ----------------------------------------------------------------------


def test_every_page_links_the_repository_without_asking_its_api(built_site: Path) -> None:
    for path in [*pages(built_site), built_site / "404.html"]:
        tags = parse(path.read_text(encoding="utf-8"))
        links = [a for tag, a in tags.tags if tag == "a" and "md-source" in (a.get("class") or "")]
        # In the header, and again in the navigation drawer of a narrow window.
        hrefs = {a.get("href") or "" for a in links}
        assert len(hrefs) == 1, path
        href = hrefs.pop()
        assert urlsplit(href).scheme == "https", href
        assert urlsplit(href).path.strip("/"), href
        # Material's script asks the GitHub API for stars and forks of this component.
        assert not any(a.get("data-md-component") == "source" for _, a in tags.tags), path


# --- the API reference --------------------------------------------------------------------


def test_the_reference_shows_one_signature_and_rendered_types_and_math(
    built_site: Path,
) -> None:
    page = (built_site / "reference" / "index.html").read_text(encoding="utf-8")
    functions = re.findall(r'<h3 id="(mlmath\.[\w.]+)" class="doc doc-heading">', page)
    assert len(functions) >= 10
    # One signature per function: no @overload blocks (each one was a <pre> of its own
    # starting with the function's name).
    for name in functions:
        short = name.rsplit(".", 1)[1]
        overloads = re.findall(rf'<pre><span></span><code><span class="nf">{short}</span>', page)
        assert overloads == [], name
    text = text_outside(page, skip={"katex", "highlight"}, skip_tags={"script", "style", "code"})
    typed = " ".join(re.findall(r"<code>([^<]*)</code>", page))
    # Types and prose show no Markdown backticks, and no maths in plain-text notation.
    assert "`" not in text
    assert "`" not in typed
    assert re.findall(r"∂\w*/∂|\^\(|Σ_|\b[a-z]_[a-z]{1,2}\b", text) == []


# --- what a build prints ------------------------------------------------------------------

END_OF_LIFE = "reaches end of life"
UNENCRYPTED = "Kernel is running over TCP without encryption"


def makefile_environment() -> dict[str, str]:
    """The environment the Makefile's recipes run in (``make serve``, ``make build``)."""
    result = subprocess.run(
        [
            "make",
            "-s",
            "--no-print-directory",
            "--eval",
            "env-of-recipes: ; @env -0",
            "env-of-recipes",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(entry.split("=", 1) for entry in result.stdout.split("\0") if "=" in entry)


def build_small_site(project: Path, env: dict[str, str]) -> str:
    """Build a page with a broken link and an executed notebook; all the build printed."""
    result = mkdocs_build.run(
        [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(project / "site")], project, env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


# Two pages' notebooks, run the way docrun runs them at build: by nbclient (not nbconvert),
# side by side.
PAGE_NOTEBOOK_RUN = """
from concurrent.futures import ThreadPoolExecutor
import nbformat
from docrun.page_notebooks import PageNotebook, execute
cells = [nbformat.v4.new_code_cell(f"print({n} * 7)") for n in (6, 7)]
pages = [PageNotebook(nbformat.v4.new_notebook(cells=[c]), "docs/page.md") for c in cells]
with ThreadPoolExecutor(max_workers=2) as pool:
    assert list(pool.map(execute, pages)) == [[], []]
print(*(page.notebook.cells[0].outputs[0]["text"].strip() for page in pages))
"""


def test_the_kernels_docrun_starts_follow_the_build_s_jupyter_settings() -> None:
    """docrun runs the pages' notebooks itself: their kernels read the settings nbconvert
    reads for the notebook page's, and with the Makefile's they do not warn either, nor
    take each other's messages when they run side by side."""

    def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", PAGE_NOTEBOOK_RUN]
        return mkdocs_build.run(command, ROOT, env)

    bare = run({k: v for k, v in os.environ.items() if k != "JUPYTER_CONFIG_PATH"})
    assert UNENCRYPTED in bare.stderr  # not a vacuous pass: the notice is there without
    quiet = run({**os.environ, **makefile_environment()})
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.strip() == "42 49"
    assert UNENCRYPTED not in quiet.stderr, quiet.stderr


def test_the_build_prints_what_matters_and_not_the_noise(tmp_path: Path) -> None:
    import nbformat

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\nSee [a page](nowhere.md).\n")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    nbformat.write(notebook, tmp_path / "docs" / "run.ipynb")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\ntheme:\n  name: material\n  font: false\n"
        "plugins:\n  - mkdocs-jupyter:\n      execute: true\n      allow_errors: false\n"
    )
    quiet_env = makefile_environment()
    noise_switches = {"NO_MKDOCS_2_WARNING", "JUPYTER_CONFIG_PATH"}
    bare_env = {k: v for k, v in os.environ.items() if k not in noise_switches}
    # Without the Makefile's settings both notices are there (so this test sees them) ...
    bare = build_small_site(tmp_path, bare_env)
    assert END_OF_LIFE in bare
    assert UNENCRYPTED in bare
    # ... with them, neither is, while a real problem and the build's progress still show.
    quiet = build_small_site(tmp_path, {**os.environ, **quiet_env})
    assert END_OF_LIFE not in quiet, quiet
    assert UNENCRYPTED not in quiet, quiet
    assert "nowhere.md" in quiet
    assert "Documentation built" in quiet
    assert "42" in (tmp_path / "site" / "run" / "index.html").read_text(encoding="utf-8")
