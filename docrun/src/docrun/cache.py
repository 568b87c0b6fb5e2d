"""A build cache for pages that cannot go stale: every input of a page is in its key.

A page's results (its examples' outputs, figures, equation checks, executed notebook)
depend on

* the page's text and the plugin's options;
* the environment: Python, NumPy, the lock files, the installed distributions, sys.path,
  the symbol table;
* the source of every module of the project the page's code imported, and every file it
  read while it ran.

The first two are known before the page runs and make up the entry's name (``page_key``).
The third is only known after the run, so it is recorded then (:class:`Recorder`) and
stored in the entry as ``path -> sha256``; an entry is served only while every one of
those files still has the recorded contents (:meth:`PageCache.get`).

"Imported" means what actually ran: before a page runs, every module of the project
(any module whose file lies outside the interpreter's own folders and site-packages)
except the runner's own package is dropped from ``sys.modules``, so the page's imports
load them again and the modules that show up afterwards are exactly the ones it used,
with the source that ran. ``mkdocs serve`` therefore runs the edited library, never a
module kept from an earlier build. The runner's modules stay loaded, so they are in
every page's key, hashed as they were when loaded: a runner edited under a running
``mkdocs serve`` is never stored as if the new code had produced the result.

Modules outside the project (the standard library, site-packages) are covered by the
versions of Python and NumPy, the lock files and the list of installed distributions.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import importlib.util
import json
import os
import site
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

# Bump when the layout of an entry or the meaning of a key changes.
FORMAT = 1
# Environment variables that turn the cache off: CI always builds cold.
OFF_VALUES = {"0", "off", "false", "no"}


def disabled_reason(environ: dict[str, str] | None = None) -> str | None:
    """Why this build must not use the cache (CI, or DOCRUN_CACHE=off), else None."""
    env = os.environ if environ is None else environ
    if env.get("DOCRUN_CACHE", "").strip().lower() in OFF_VALUES:
        return f"DOCRUN_CACHE={env['DOCRUN_CACHE']}"
    if env.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        return "CI is set: CI always builds cold"
    return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: str | os.PathLike[str]) -> str | None:
    """sha256 of a regular file's bytes; None when it is missing or not a regular file."""
    try:
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as handle:
            return _digest(handle.read())
    except OSError:
        return None


def _external_folders() -> tuple[str, ...]:
    """Folders whose files are versioned by the interpreter and the lock files."""
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    with contextlib.suppress(AttributeError):
        folders.update(site.getsitepackages())
    with contextlib.suppress(AttributeError):
        folders.add(site.getusersitepackages())
    # Pseudo files: their "contents" are not inputs that a page can be keyed on.
    folders.update({"/proc", "/sys", "/dev"})
    return tuple(os.path.realpath(folder) + os.sep for folder in folders if folder)


EXTERNAL = _external_folders()


@functools.lru_cache(maxsize=16384)
def is_project_file(path: str) -> bool:
    """True for a file outside the interpreter's folders and site-packages."""
    real = os.path.realpath(path)
    return not real.startswith(EXTERNAL)


def module_file(module: Any) -> str | None:
    """Where a module says it came from (its spec's origin, or __file__), if anywhere."""
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None) if spec is not None else None
    file = origin if isinstance(origin, str) else getattr(module, "__file__", None)
    return file if isinstance(file, str) else None


def project_modules() -> dict[str, str]:
    """name -> source file of every loaded module that belongs to the project."""
    found = {}
    for name, module in list(sys.modules.items()):
        file = module_file(module)
        # Built-in and frozen modules name no file ("built-in", "frozen").
        if file is not None and is_project_file(file) and os.path.isfile(file):
            found[name] = file
    return found


def forget_project_modules(keep: str) -> None:
    """Drop every project module but the package ``keep`` (the runner) and its submodules:
    the next import reads its source again."""
    for name in project_modules():
        if name != keep and not name.startswith(keep + "."):
            del sys.modules[name]
    importlib.invalidate_caches()


# ---------------------------------------------------------------------------------------
# Files a page reads while it runs: one audit hook for the process, on only inside
# Recorder.run, for the thread that runs the page.
# ---------------------------------------------------------------------------------------

_recording: dict[int, set[str]] = {}
_hook_installed = False
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not _recording:
        return
    opened = _recording.get(threading.get_ident())
    if opened is None:
        return
    path, mode, flags = (*args, None, None, None)[:3]
    if isinstance(mode, str):
        if any(c in mode for c in "wax+"):
            return
    elif isinstance(flags, int) and flags & _WRITE_FLAGS:
        return
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if isinstance(path, str):
        opened.add(path)


def _install_hook() -> None:
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True


# When this module was imported: the runner's modules were loaded by then, so a runner
# file changed after this moment may not be the code that runs.
LOADED_AT = time.time_ns()


class Recorder:
    """Runs a page's work and records the project files it depended on.

    ``keep`` is the runner's package: it is not reloaded, and its files count as loaded
    at :data:`LOADED_AT`. Everything else of the project is dropped before the run, so
    what the page imports is loaded (and recorded) afresh.
    """

    def __init__(self, keep: str) -> None:
        self.keep = keep
        self.files: dict[str, str] = {}
        self.modules: dict[str, str] = {}
        # False when a file the page used changed while it ran (or, for the runner,
        # after it was loaded): the result may come from other sources than the files'.
        self.trustworthy = True

    @contextlib.contextmanager
    def run(self) -> Iterator[None]:
        _install_hook()
        forget_project_modules(self.keep)
        started = time.time_ns()
        opened: set[str] = set()
        _recording[threading.get_ident()] = opened
        try:
            yield
        finally:
            del _recording[threading.get_ident()]
        self.modules = project_modules()
        files: dict[str, int] = {}
        for name, file in self.modules.items():
            runner = name == self.keep or name.startswith(self.keep + ".")
            files[os.path.realpath(file)] = LOADED_AT if runner else started
        for path in opened:
            real = os.path.realpath(path)
            if real not in files and is_project_file(real) and _plain_input(real):
                files[real] = started
        for path, since in sorted(files.items()):
            try:
                changed = os.stat(path).st_mtime_ns
            except OSError:
                changed = None
            digest = file_digest(path)
            if digest is None or changed is None or changed >= since:
                self.trustworthy = False
            self.files[path] = digest or ""


def _plain_input(path: str) -> bool:
    """A regular file a page read for its content (not bytecode, not a folder)."""
    return (
        os.path.isfile(path)
        and not path.endswith((".pyc", ".pyo"))
        and f"{os.sep}__pycache__{os.sep}" not in path
    )


def _find_spec(name: str) -> Any:
    """Where an import of the top-level ``name`` would load it from now, whether or not
    it is loaded (importlib.util.find_spec answers from sys.modules)."""
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        if find is not None:
            spec = find(name, None)
            if spec is not None:
                return spec
    return None


# ---------------------------------------------------------------------------------------
# Keys and entries
# ---------------------------------------------------------------------------------------


def _installed() -> list[str]:
    """The names in each site-packages folder (a distribution's .dist-info carries its
    version): installing or upgrading anything outside the lock changes the key."""
    names: list[str] = []
    for folder in sorted({p for p in sys.path if p and os.path.realpath(p).startswith(EXTERNAL)}):
        with contextlib.suppress(OSError):
            names += [f"{folder}/{name}" for name in sorted(os.listdir(folder))]
    return names


def environment_key(root: Path, inputs: Iterable[str | os.PathLike[str]] = ()) -> str:
    """What every page of a build depends on besides its own text and imports.

    ``inputs`` are further files read by the build for every page (the symbol table).
    """
    import numpy

    parts: dict[str, Any] = {
        "format": FORMAT,
        "python": sys.version,
        "executable": sys.executable,
        "numpy": numpy.__version__,
        "sys.path": sys.path,
        "installed": _digest("\n".join(_installed()).encode()),
    }
    for name in ("requirements/dev.lock", "package-lock.json"):
        parts[name] = file_digest(root / name)
    for path in inputs:
        parts[os.fspath(path)] = file_digest(path)
    return _digest(json.dumps(parts, sort_keys=True, default=str).encode())


def page_key(environment: str, **page: Any) -> str:
    """The name of a page's entry: the environment key, the page's text and options."""
    return _digest(json.dumps([environment, page], sort_keys=True, default=str).encode())


class PageCache:
    """Entries in ``folder``, one JSON file per page key.

    An entry is ``{"files": {path: sha256}, "modules": {name: path}, "payload": …}``.
    Anything unreadable or inconsistent is a miss; the page is run and the entry rewritten.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # Digests of this build: a file is read once however many pages use it.
        self._digests: dict[str, str | None] = {}

    def _entry_path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def _current(self, path: str) -> str | None:
        if path not in self._digests:
            self._digests[path] = file_digest(path)
        return self._digests[path]

    def get(self, key: str) -> Any | None:
        """The payload stored under ``key``, if every file it depended on is unchanged."""
        try:
            entry = json.loads(self._entry_path(key).read_text(encoding="utf-8"))
            files = entry["files"]
            modules = entry["modules"]
            payload = entry["payload"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(files, dict) or not isinstance(modules, dict) or not files:
            return None
        for path, digest in files.items():
            if not isinstance(digest, str) or self._current(path) != digest:
                return None
        if not self._same_modules(modules):
            return None
        # Its age says when it was last used, for prune().
        with contextlib.suppress(OSError):
            os.utime(self._entry_path(key))
        return payload

    def prune(self, days: float = 30) -> None:
        """Delete the entries no build used for ``days`` (pages since edited or deleted)."""
        limit = time.time() - days * 86400
        with contextlib.suppress(OSError):
            for entry in self.folder.iterdir():
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < limit:
                        entry.unlink()

    @staticmethod
    def _same_modules(modules: dict[str, str]) -> bool:
        """Each recorded top-level module would still be imported from the same file
        (no module added earlier on sys.path shadows it)."""
        for name, path in modules.items():
            if "." in name:
                continue
            try:
                spec = _find_spec(name)
            except (ImportError, ValueError):
                return False
            origin = spec.origin if spec is not None else None
            if origin is None or os.path.realpath(origin) != os.path.realpath(path):
                return False
        return True

    def put(self, key: str, recorder: Recorder, payload: Any) -> bool:
        """Store ``payload`` with what ``recorder`` saw; False (nothing stored) when the
        sources changed while it ran."""
        if not recorder.trustworthy or not recorder.files:
            return False
        # Read again now, not from this build's memo: a file edited since the run (while
        # a notebook ran, say) must not be stored as the one that produced the payload.
        if any(file_digest(path) != digest for path, digest in recorder.files.items()):
            return False
        entry = {"files": recorder.files, "modules": recorder.modules, "payload": payload}
        write_json(self._entry_path(key), entry)
        return True


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` whole, then rename it into place, so that a
    reader (another build, a build that was stopped) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def code_version(*modules: ModuleType) -> str:
    """A digest of the modules' source files and of Python's version. Call it when they
    have just been imported: a file edited later (under ``mkdocs serve``) is not the code
    that runs, and must not name its answers."""
    parts = [sys.version.encode()]
    for module in modules:
        parts.append(Path(module.__file__ or "").read_bytes())
    return _digest(b"\0".join(parts))


class TextStore:
    """The answers of a pure function of text, kept between builds.

    They are kept in one JSON file in ``folder`` named by ``name`` and ``version`` (see
    ``code_version``): other code reads another file, never an answer it did not give.
    A save keeps the answers asked for since the last save and no others: a build asks
    for each of its pages, so the file holds one build's pages, not every version of them.
    Without a ``folder`` (the cache off) every answer is computed.
    """

    def __init__(self, folder: Path | None, name: str, version: str) -> None:
        self._path = None if folder is None else folder / f"{name}-{version}.json"
        self._known = self._read()
        self._asked: dict[str, str] = {}

    def _read(self) -> dict[str, str]:
        """The answers in the file; none when it is missing or does not read as answers
        (a damaged file is replaced on the next save)."""
        if self._path is None:
            return {}
        try:
            known = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(known, dict) or not all(isinstance(v, str) for v in known.values()):
            return {}
        return known

    def get(self, text: str, compute: Callable[[str], str]) -> str:
        """``compute(text)``, from the file when it holds the answer."""
        key = _digest(text.encode("utf-8"))
        answer = self._known.get(key)
        if answer is None:
            answer = compute(text)
        self._asked[key] = answer
        return answer

    def save(self) -> None:
        """Write the answers asked for since the last save, if they are not the file's."""
        if self._path is None or not self._asked or self._asked == self._known:
            self._asked = {}
            return
        write_json(self._path, self._asked)
        self._known, self._asked = self._asked, {}
