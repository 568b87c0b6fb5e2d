"""`make mutate`'s committed results: the list of equivalent mutants and the score.

The mutation run itself is too long for `make test` (see the README); these tests keep
what it committed honest: every mutant listed as equivalent is still one that mutmut
makes of the current code, and the README's table and the home page's sentence say what
mutation/score.json says.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import tomllib
from docrun.mutation import score_sentence

import mlmath
from mutation import report
from mutation.mutants import ROOT, generate, mutants_of

ENTRIES = report.equivalents()


def test_every_listed_equivalent_has_its_fields_and_a_one_line_reason() -> None:
    raw = tomllib.loads(report.EQUIVALENT.read_text(encoding="utf-8"))
    assert set(raw) <= {"mutant"}
    for entry in ENTRIES:
        assert set(entry) == {"function", "before", "after", "reason"}, entry
        assert entry["reason"].strip(), entry
        assert "\n" not in entry["reason"], entry
        assert entry["before"] != entry["after"], entry


@pytest.fixture(scope="module")
def mutants_by_module(pytestconfig: pytest.Config) -> dict[str, list[object]]:
    """mutmut's mutants of each module that has a listed equivalent, generated afresh."""
    modules = {entry["function"].rsplit(".", 1)[0] for entry in ENTRIES}
    # mutmut reads [tool.mutmut] of pyproject.toml from the working directory.
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        return {
            module: list(generate(ROOT / (module.replace(".", "/") + ".py")))
            for module in sorted(modules)
            if "." in module
        }


@pytest.mark.parametrize(
    "entry", ENTRIES, ids=[f"{e['function']}: {e['after']}" for e in ENTRIES] or None
)
def test_listed_equivalent_is_still_a_mutant_of_the_code(
    entry: dict[str, str], mutants_by_module: dict[str, list[report.Mutant]]
) -> None:
    module = entry["function"].rsplit(".", 1)[0]
    candidates = [m for m in mutants_by_module.get(module, []) if report.matches(entry, m)]
    assert candidates, (
        f"mutmut no longer makes this mutant of {entry['function']}: {entry['before']!r} -> "
        f"{entry['after']!r}; the code changed, so remove the entry (and rerun make mutate)"
    )


def test_the_mutant_reader_finds_a_known_edit(monkeypatch: pytest.MonkeyPatch) -> None:
    # The reader of mutmut's output is itself checked on a module small enough to see
    # every mutant in (mlmath's own code changes too often to name one of its lines).
    from mutmut.configuration import reset_config
    from mutmut.mutation.file_mutation import mutate_file_contents

    monkeypatch.chdir(ROOT)
    reset_config()
    code = 'def clip(x):\n    """Doc."""\n    y = x\n    return y if y >= 0.0 else 0.0\n'
    mutants = mutants_of("mlmath.clip", mutate_file_contents("mlmath/clip.py", code).code, code)
    before = "return y if y >= 0.0 else 0.0"
    found = [m for m in mutants if m.after == "return y if y > 0.0 else 0.0"]
    assert [(m.function, m.before, m.line) for m in found] == [("clip", before, 4)]
    assert found[0].key.startswith("mlmath.clip.x_clip__mutmut_")


@pytest.fixture(scope="module")
def score() -> dict[str, Any]:
    """mutation/score.json, as the last `make mutate` committed it."""
    data: dict[str, Any] = json.loads(report.SCORE.read_text(encoding="utf-8"))
    return data


def test_readme_shows_the_committed_score(score: dict[str, Any]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert report.readme_section(score) in readme, "run `make mutate` (or mutation/report.py)"


def test_score_covers_every_public_function(score: dict[str, Any]) -> None:
    public = {
        name
        for name in mlmath.__all__
        if callable(getattr(mlmath, name)) and not isinstance(getattr(mlmath, name), type)
    }
    assert set(score["functions"]) == public


def test_home_page_states_the_score_from_the_file(score: dict[str, Any]) -> None:
    page = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert 'score_sentence("mutation/score.json")' in page
    sentence = score_sentence(report.SCORE)
    assert f"**{score['public functions']['score']}%**" in sentence
