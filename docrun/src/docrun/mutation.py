"""The mutation score of the site's examples, in the words of the home page.

`make mutate` writes the score to ``mutation/score.json``; a page prints it with

    from docrun.mutation import score_sentence
    print(score_sentence("mutation/score.json"))

so the figure on the page is the one of the last run, never typed by hand.
"""

from __future__ import annotations

import json
from pathlib import Path


def score_sentence(path: str | Path) -> str:
    """One sentence: what share of the mutants of the public functions the examples catch."""
    score = json.loads(Path(path).read_text(encoding="utf-8"))
    public = score["public functions"]
    judged = public["total"] - public["equivalent"] - public["not run"]
    caught = public["killed"] + public["timeout"]
    # A run cut short says so, rather than passing a part off as the whole.
    reached = (
        f", among the {public['total'] - public['not run']} of {public['total']} that the "
        f"last run reached"
        if public["not run"]
        else ""
    )
    return (
        f"To measure how tightly the examples pin the library down, `make mutate` makes "
        f"small changes to its public functions (a `<` for a `<=`, a sign flipped, a "
        f"constant moved) and runs every example against each: of the {judged} changes "
        f"that alter what a function computes{reached}, the pages catch {caught}, "
        f"**{public['score']}%** ({score['run']['date']})."
    )
