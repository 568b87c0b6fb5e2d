"""The MkDocs plugin: a thin layer that hands each page to ``check_page``.

Every failing example on every page is logged with its ``path:line``, then the build
fails (PluginError, a non-zero exit even without ``--strict``). ``mkdocs serve`` catches
that error on a rebuild and keeps serving: fix the page or the library, and it rebuilds.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from docrun import equations, page_notebooks
from docrun.blocks import markdown_first_line
from docrun.docstrings import display_path
from docrun.notebook import absolute_links
from docrun.page import check_page, insert_figures

log = get_plugin_logger(__name__)


class DocrunConfig(Config):  # type: ignore[no-untyped-call]
    # Packages imported afresh at the start of every build, so `mkdocs serve` shows a
    # library edit (list them under `watch:` too, so an edit triggers the rebuild).
    reload = config_options.ListOfItems(config_options.Type(str), default=["mlmath"])
    # The symbol table that display equations are read with; without it equations are
    # not checked. `library` is the package their bindings call.
    symbols = config_options.Optional(config_options.Type(str))
    library = config_options.Type(str, default="mlmath")
    # Each page with examples also becomes an executed notebook, offered for download.
    notebooks = config_options.Type(bool, default=False)


def forget_modules(packages: list[str]) -> None:
    """Drop ``packages`` and their submodules from ``sys.modules``: the next import
    reads the source again."""
    for name in list(sys.modules):
        if any(name == package or name.startswith(package + ".") for package in packages):
            del sys.modules[name]
    importlib.invalidate_caches()


class DocrunPlugin(BasePlugin[DocrunConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.failed_pages: set[str] = set()
        self.figures: dict[str, dict[str, str]] = {}
        self.equations: dict[str, list[equations.Result]] = {}
        # Notebook copies offered for download (mkdocs-jupyter's include_source) and the
        # address of their page.
        self.notebooks: dict[Path, str] = {}
        self.made_notebooks: dict[str, page_notebooks.PageNotebook] = {}
        self.root = "."

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.root = os.path.dirname(os.path.abspath(config.config_file_path or "mkdocs.yml"))
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        # A fresh start for every build, and a fresh import of the library.
        self.failures = []
        self.failed_pages = set()
        self.figures = {}
        self.equations = {}
        self.notebooks = {}
        self.made_notebooks = {}
        forget_modules(self.config.reload)
        equations.forget_tables()

    # Run first, on the page as written, so line numbers are the file's and other
    # plugins (math) see the actual outputs.
    @event_priority(100)
    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        file = page.file
        if not file.src_uri.endswith(".md"):
            return markdown
        if file.abs_src_path is not None:
            path = display_path(file.abs_src_path, self.root)
        else:
            path = f"{os.path.basename(config.docs_dir)}/{file.src_uri}"
        first_line = markdown_first_line(file.content_string, markdown)
        result = check_page(
            markdown,
            path,
            first_line,
            root=self.root,
            symbols=self._symbols(),
            library=self.config.library,
        )
        for failure in result.failures:
            log.error(failure)
        if result.failures:
            self.failures += result.failures
            self.failed_pages.add(path)
        log.debug(f"{path}: {result.examples_run} examples ran")
        self.figures[file.src_uri] = result.figures
        self.equations[file.src_uri] = result.equations
        self._log_coverage(path, result.equations)
        if self.config.notebooks and not result.failures:
            self._make_notebook(markdown, path, first_line, page, config)
        return result.markdown

    def _symbols(self) -> str | None:
        if self.config.symbols is None:
            return None
        return os.path.join(self.root, self.config.symbols)

    def _check_notebook(self, page: Page, config: MkDocsConfig) -> None:
        symbols = self._symbols()
        if symbols is None or page.file.abs_src_path is None:
            return
        path = display_path(page.file.abs_src_path, self.root)
        with open(page.file.abs_src_path, encoding="utf-8") as handle:
            source = handle.read()
        results = equations.check_notebook(
            source, path, symbols, equations.library_namespace(self.config.library)
        )
        failures = [f for result in results for f in result.failures]
        for failure in failures:
            log.error(failure)
        if failures:
            self.failures += failures
            self.failed_pages.add(path)
        self.equations[page.file.src_uri] = results
        self._log_coverage(path, results)

    def _log_coverage(self, path: str, results: list[equations.Result]) -> None:
        counts = equations.coverage(results)
        if any(counts.values()):
            reasons = sorted({r.summary for r in results if r.status == "unchecked"})
            log.info(
                f"{path}: display equations: {counts['checked']} checked, "
                f"{counts['unchecked']} unchecked, {counts['failed']} failing"
                + (f" (unchecked: {'; '.join(reasons)})" if reasons else "")
            )

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        # Notebook pages skip on_page_markdown's work; their cells' equations are read
        # from the notebook file itself.
        if page.file.src_uri.endswith(".ipynb"):
            self._check_notebook(page, config)
        return html

    def _make_notebook(
        self, markdown: str, path: str, first_line: int, page: Page, config: MkDocsConfig
    ) -> None:
        heading = re.search(r"^# (.+)$", markdown, re.MULTILINE)
        title = heading.group(1).strip() if heading else str(page.title or path)
        made = page_notebooks.page_notebook(
            markdown,
            path,
            first_line,
            page_uri=page.file.src_uri,
            site_url=config.site_url or "",
            title=title,
        )
        if made is not None:
            self.made_notebooks[page.file.src_uri] = made

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        if page.file.src_uri.endswith(".ipynb") and page.canonical_url:
            folder = Path(config.site_dir) / Path(page.file.dest_path).parent
            self.notebooks[folder / Path(page.file.src_uri).name] = page.canonical_url
        # Figures go in after the search plugin indexed the page: SVG text is not prose.
        output = insert_figures(output, self.figures.pop(page.file.src_uri, {}))
        output = equations.insert_marks(output, self.equations.pop(page.file.src_uri, []))
        if page.file.src_uri in self.made_notebooks:
            name = page_notebooks.file_name(page.file.src_uri)
            output = page_notebooks.add_download_link(output, name)
        return output

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        # The downloadable copies were written while their pages were (on_post_page).
        for copy, page_url in self.notebooks.items():
            if copy.is_file():
                text = copy.read_text(encoding="utf-8")
                copy.write_text(absolute_links(text, page_url), encoding="utf-8")
        if not self.failures:
            self._write_notebooks(config)
        if self.failures:
            count = len(self.failures)
            pages = ", ".join(sorted(self.failed_pages))
            raise PluginError(
                f"docrun: {count} failing example{'s' if count != 1 else ''} or block"
                f"{'s' if count != 1 else ''} on {pages} (each is reported above)"
            )

    def _write_notebooks(self, config: MkDocsConfig) -> None:
        """Execute every page's notebook (two kernels at a time) and write it beside the
        page; a cell that fails or shows other output than the page fails the build."""
        pages = list(self.made_notebooks.items())
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda item: page_notebooks.execute(item[1]), pages))
        for (src_uri, made), failures in zip(pages, results, strict=True):
            for failure in failures:
                log.error(failure)
            if failures:
                self.failures += failures
                self.failed_pages.add(made.path)
                continue
            folder = Path(config.site_dir) / _page_folder(src_uri, config)
            folder.mkdir(parents=True, exist_ok=True)
            page_notebooks.write(made, folder / page_notebooks.file_name(src_uri))
        self.made_notebooks = {}

    def on_build_error(self, *, error: Exception) -> None:
        self.figures = {}
        self.equations = {}
        self.notebooks = {}
        self.made_notebooks = {}


def _page_folder(src_uri: str, config: MkDocsConfig) -> str:
    """The folder of the page's index.html (directory URLs) or of its .html file."""
    stem = os.path.splitext(src_uri)[0]
    if not config.use_directory_urls or os.path.basename(stem) in {"index", "README"}:
        return os.path.dirname(stem)
    return stem
