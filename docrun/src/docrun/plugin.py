"""The MkDocs plugin: a thin layer that hands each page to ``check_page``.

Every failing example on every page is logged with its ``path:line``, then the build
fails (PluginError, a non-zero exit even without ``--strict``). ``mkdocs serve`` catches
that error on a rebuild and keeps serving: fix the page or the library, and it rebuilds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
import re
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from docrun import cache, interactive, marks, page_notebooks
from docrun.blocks import markdown_first_line
from docrun.docstrings import display_path
from docrun.notebook import absolute_links
from docrun.page import PageResult, check_page, insert_figures

# docrun.equations (SymPy, a second or more to import) is imported by the first page
# that runs: a build served from the cache never needs it.

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
    # Keep each page's results in `cache_dir` (relative to mkdocs.yml) and serve them
    # while none of the page's inputs changed (docrun.cache). Off when CI or
    # DOCRUN_CACHE=off is set in the environment.
    cache = config_options.Type(bool, default=True)
    cache_dir = config_options.Type(str, default=".cache/docrun")


@dataclasses.dataclass
class _Pending:
    """A page run in this build, to be stored once its notebook (if any) has run."""

    key: str
    recorder: cache.Recorder
    payload: dict[str, Any]


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
        self.equations: dict[str, list[marks.Result]] = {}
        # Notebook copies offered for download (mkdocs-jupyter's include_source) and the
        # address of their page.
        self.notebooks: dict[Path, str] = {}
        self.made_notebooks: dict[str, page_notebooks.PageNotebook] = {}
        self.root = "."
        self.page_cache: cache.PageCache | None = None
        # Executed code cells of page notebooks, by their sources (see _write_notebooks).
        self.notebook_cache: cache.PageCache | None = None
        self.environment = ""
        self.pending: dict[str, _Pending] = {}
        self.from_cache: list[str] = []
        self.pages_seen = 0
        self.reused_notebooks: list[str] = []
        self.cache_off: str | None = None
        # Executed notebooks served from the cache: page -> notebook JSON.
        self.cached_notebooks: dict[str, str] = {}

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
        if "docrun.equations" in sys.modules:
            sys.modules["docrun.equations"].forget_tables()
        self.pending = {}
        self.from_cache = []
        self.reused_notebooks = []
        self.pages_seen = 0
        self.cached_notebooks = {}
        self.page_cache = None
        self.notebook_cache = None
        reason = "the plugin's cache option is false" if not self.config.cache else None
        reason = reason or cache.disabled_reason()
        self.cache_off = reason
        if reason is None:
            symbols = self._symbols()
            self.page_cache = cache.PageCache(Path(self.root, self.config.cache_dir, "pages"))
            self.notebook_cache = cache.PageCache(
                Path(self.root, self.config.cache_dir, "notebooks")
            )
            self.environment = cache.environment_key(
                Path(self.root), [symbols] if symbols is not None else []
            )

    def _page_key(self, page: Page, **inputs: Any) -> str:
        """Everything a page's results depend on that is known before it runs."""
        options = {k: v for k, v in self.config.items() if k not in {"cache", "cache_dir"}}
        return cache.page_key(
            self.environment,
            src_uri=page.file.src_uri,
            title=str(page.title),
            options=options,
            **inputs,
        )

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
        self.pages_seen += 1
        key = ""
        if self.page_cache is not None:
            key = self._page_key(
                page,
                markdown=markdown,
                path=path,
                first_line=first_line,
                site_url=config.site_url or "",
            )
            stored = self.page_cache.get(key)
            if stored is not None:
                served = self._serve(stored, path, page)
                if served is not None:
                    return served
        recorder = cache.Recorder(keep=__name__.split(".")[0])
        with recorder.run() if self.page_cache is not None else _nothing():
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
        if self.page_cache is not None and not result.failures:
            payload = {"page": _result_to_json(result), "notebook": None}
            self.pending[file.src_uri] = _Pending(key, recorder, payload)
        return result.markdown

    def _serve(self, stored: Any, path: str, page: Page) -> str | None:
        """The page's Markdown from a cache entry, its figures, marks and notebook set up
        as a run would have; None when the entry does not read as one."""
        try:
            result = _result_from_json(stored["page"])
            notebook = stored["notebook"]
        except (KeyError, TypeError, ValueError):
            return None
        if notebook is not None and not isinstance(notebook, str):
            return None
        src_uri = page.file.src_uri
        log.debug(f"{path}: served from the cache")
        self.from_cache.append(path)
        self.figures[src_uri] = result.figures
        self.equations[src_uri] = result.equations
        self._log_coverage(path, result.equations)
        if self.config.notebooks and notebook is not None:
            self.cached_notebooks[src_uri] = notebook
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
        self.pages_seen += 1
        key = ""
        if self.page_cache is not None:
            key = self._page_key(page, notebook=source, path=path)
            stored = self.page_cache.get(key)
            if stored is not None:
                with _suppress_bad_entry():
                    results = [_equation_from_json(item) for item in stored["equations"]]
                    self.from_cache.append(path)
                    self.equations[page.file.src_uri] = results
                    self._log_coverage(path, results)
                    return
        from docrun import equations

        recorder = cache.Recorder(keep=__name__.split(".")[0])
        with recorder.run() if self.page_cache is not None else _nothing():
            results = equations.check_notebook(
                source, path, symbols, equations.LibraryNamespace(self.config.library)
            )
        if self.page_cache is not None and not any(r.failures for r in results):
            payload = {"equations": [dataclasses.asdict(r) for r in results]}
            self.page_cache.put(key, recorder, payload)
        failures = [f for result in results for f in result.failures]
        for failure in failures:
            log.error(failure)
        if failures:
            self.failures += failures
            self.failed_pages.add(path)
        self.equations[page.file.src_uri] = results
        self._log_coverage(path, results)

    def _log_coverage(self, path: str, results: list[marks.Result]) -> None:
        counts = marks.coverage(results)
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
        folder = Path(config.site_dir) / Path(page.file.dest_path).parent
        if page.file.src_uri.endswith(".ipynb") and page.canonical_url:
            self.notebooks[folder / Path(page.file.src_uri).name] = page.canonical_url
        # Figures go in after the search plugin indexed the page: SVG text is not prose.
        output = insert_figures(output, self.figures.pop(page.file.src_uri, {}))
        output, frames = interactive.frames_to_files(output)
        for name, text in frames.items():
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
        output = marks.insert_marks(output, self.equations.pop(page.file.src_uri, []))
        if page.file.src_uri in self.made_notebooks or page.file.src_uri in self.cached_notebooks:
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
        self._store_pages()
        self._log_cache()
        if self.failures:
            count = len(self.failures)
            pages = ", ".join(sorted(self.failed_pages))
            raise PluginError(
                f"docrun: {count} failing example{'s' if count != 1 else ''} or block"
                f"{'s' if count != 1 else ''} on {pages} (each is reported above)"
            )

    def _write_notebooks(self, config: MkDocsConfig) -> None:
        """Execute every page's notebook (two kernels at a time) and write it beside the
        page; a cell that fails or shows other output than the page fails the build.

        A notebook whose code cells ran before, with every file they imported unchanged,
        takes the outputs of that run (an edit of the prose runs no kernel); its outputs
        are checked against the page all the same.
        """
        pages = list(self.made_notebooks.items())
        keys: dict[str, str] = {}
        reused: set[str] = set()
        if self.notebook_cache is not None:
            for src_uri, made in pages:
                keys[src_uri] = cache.page_key(
                    self.environment, notebook_code=page_notebooks.code_cells(made)
                )
                stored = self.notebook_cache.get(keys[src_uri])
                if stored is not None and page_notebooks.restore_cells(made, stored):
                    reused.add(src_uri)
                    self.reused_notebooks.append(made.path)
        to_run = [(src_uri, made) for src_uri, made in pages if src_uri not in reused]
        with ThreadPoolExecutor(max_workers=2) as pool:
            ran = dict(
                zip(
                    [src_uri for src_uri, _ in to_run],
                    pool.map(lambda item: page_notebooks.execute(item[1]), to_run),
                    strict=True,
                )
            )
        for src_uri, made in pages:
            failures = ran[src_uri] if src_uri in ran else page_notebooks.check_outputs(made)
            for failure in failures:
                log.error(failure)
            if failures:
                self.failures += failures
                self.failed_pages.add(made.path)
                self.pending.pop(src_uri, None)
                continue
            folder = Path(config.site_dir) / _page_folder(src_uri, config)
            folder.mkdir(parents=True, exist_ok=True)
            page_notebooks.write(made, folder / page_notebooks.file_name(src_uri))
            pending = self.pending.get(src_uri)
            if pending is not None:
                pending.payload["notebook"] = page_notebooks.dumps(made)
                if self.notebook_cache is not None and src_uri in ran:
                    stored_cells = page_notebooks.executed_cells(made)
                    self.notebook_cache.put(keys[src_uri], pending.recorder, stored_cells)
        for src_uri, text in self.cached_notebooks.items():
            folder = Path(config.site_dir) / _page_folder(src_uri, config)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / page_notebooks.file_name(src_uri)).write_text(text, encoding="utf-8")
        self.made_notebooks = {}

    def _store_pages(self) -> None:
        """Store every page that ran without failing, its executed notebook included."""
        if self.page_cache is not None:
            for src_uri, pending in self.pending.items():
                if src_uri in self.made_notebooks:
                    continue  # its notebook did not run (a page failed)
                self.page_cache.put(pending.key, pending.recorder, pending.payload)
            self.page_cache.prune()
            if self.notebook_cache is not None:
                self.notebook_cache.prune()
        self.pending = {}

    def _log_cache(self) -> None:
        """One line saying which pages came from the cache."""
        if self.page_cache is None:
            log.info(f"cache off ({self.cache_off}); every page ran")
            return
        pages = sorted(self.from_cache)
        reused = sorted(self.reused_notebooks)
        log.info(
            f"cache: {len(pages)} of {self.pages_seen} pages served from the cache"
            + (f": {', '.join(pages)}" if pages else "")
            + (f"; notebook outputs reused (code unchanged): {', '.join(reused)}" if reused else "")
        )

    def on_build_error(self, *, error: Exception) -> None:
        self.pending = {}
        self.cached_notebooks = {}
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


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


@contextlib.contextmanager
def _suppress_bad_entry() -> Iterator[None]:
    """A cache entry that does not read as one is a miss: the page runs."""
    with contextlib.suppress(KeyError, TypeError, ValueError):
        yield


def _equation_from_json(item: Any) -> marks.Result:
    if not isinstance(item, dict):
        raise TypeError(f"expected an equation result, got {type(item).__name__}")
    return marks.Result(**item)


def _result_to_json(result: PageResult) -> dict[str, Any]:
    return {
        "markdown": result.markdown,
        "examples_run": result.examples_run,
        "figures": result.figures,
        "equations": [dataclasses.asdict(r) for r in result.equations],
    }


def _result_from_json(stored: Any) -> PageResult:
    """A page's result as stored by _result_to_json; TypeError or ValueError if it is not."""
    if not isinstance(stored, dict):
        raise TypeError(f"expected a page result, got {type(stored).__name__}")
    markdown, figures = stored["markdown"], stored["figures"]
    if not isinstance(markdown, str) or not isinstance(figures, dict):
        raise TypeError("a page result needs its markdown and figures")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in figures.items()):
        raise TypeError("figures map placeholders to HTML")
    return PageResult(
        markdown=markdown,
        examples_run=int(stored["examples_run"]),
        figures=figures,
        equations=[_equation_from_json(item) for item in stored["equations"]],
    )
