"""The page benchmark (benchmarks/pages.py): the multiplier Lighthouse's
calibration gives a host of a given benchmark index, and what it reads from a report."""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import pages


@pytest.mark.parametrize(("index", "multiplier"), pages.CALIBRATION)
def test_the_calibration_points_give_their_multipliers(index: float, multiplier: float) -> None:
    assert pages.calibrated_multiplier(index) == pytest.approx(multiplier)


def test_between_points_the_multiplier_is_linear() -> None:
    # Halfway from 800 (2x) to 1300 (3x), and this machine's median index (stop 22).
    assert pages.calibrated_multiplier(1050) == pytest.approx(2.5)
    assert pages.calibrated_multiplier(1177) == pytest.approx(2.754)


def test_beyond_the_last_point_the_last_segment_goes_on() -> None:
    # One more x per 233 of index, as from 1300 (3x) to 1533 (4x).
    assert pages.calibrated_multiplier(1766) == pytest.approx(5.0)
    assert pages.calibrated_multiplier(2000) == pytest.approx(6.004, abs=1e-3)


def test_the_multiplier_rises_with_the_index_without_jumps() -> None:
    indices = [150 + 0.5 * k for k in range(4000)]
    values = [pages.calibrated_multiplier(x) for x in indices]
    steps = [b - a for a, b in itertools.pairwise(values)]
    assert all(0 < step < 0.003 for step in steps)


@pytest.mark.parametrize("index", [149.9, 0.0, -1.0, math.nan, math.inf])
def test_an_index_the_calibration_does_not_cover_is_refused(index: float) -> None:
    with pytest.raises(ValueError, match=r"benchmark_index: expected a finite number >= 150"):
        pages.calibrated_multiplier(index)


def test_the_host_s_multiplier_is_that_of_the_median_index_of_all_runs() -> None:
    # One outlying run (1766, 5x on its own) moves the median, not the multiplier's scale.
    indices = [1050.0, 1300.0, 1766.0, 800.0, 1050.0]
    assert pages.host_multiplier(indices) == pytest.approx(2.5)
    assert pages.host_multiplier([1300.0, 1533.0]) == pytest.approx(3.5)


def test_a_host_multiplier_without_runs_is_refused() -> None:
    with pytest.raises(ValueError, match=r"indices: expected at least one benchmark index"):
        pages.host_multiplier([])


def report(bootup: list[dict[str, object]]) -> dict[str, object]:
    """A Lighthouse JSON report cut down to what scores_of reads."""
    categories = {name: {"score": 0.9} for name in pages.CATEGORIES}
    audits: dict[str, object] = {audit: {"numericValue": 1.0} for audit in pages.METRICS.values()}
    audits["bootup-time"] = {"details": {"items": bootup}}
    return {"categories": categories, "audits": audits}


BUNDLE = "https://127.0.0.1:9/assets/javascripts/bundle.a5f9d56c.min.js"


def test_the_theme_time_is_the_bundle_s_and_no_other_script_s() -> None:
    items = [
        {"url": "https://127.0.0.1:9/notation/", "total": 1690.0},
        {"url": BUNDLE, "total": 645.0},
        {"url": "https://127.0.0.1:9/javascripts/palette.js", "total": 78.0},
        {"url": "Unattributable", "total": 842.0},
    ]
    assert pages.scores_of(report(items))[pages.THEME] == 645.0


def test_a_theme_time_lighthouse_leaves_out_is_shown_as_below_its_threshold() -> None:
    scores = pages.scores_of(report([{"url": "https://127.0.0.1:9/", "total": 300.0}]))
    assert scores[pages.THEME] == 0.0
    row = pages.Row(page="home", text_page=True, scores=scores)
    assert pages.metrics_table([row]).splitlines()[-1].endswith("| < 50 ms |")
    row.scores = scores | {pages.THEME: 645.0}
    assert pages.metrics_table([row]).splitlines()[-1].endswith("| 645 ms |")


def test_two_theme_scripts_are_refused() -> None:
    with pytest.raises(RuntimeError, match="one theme script, found 2"):
        pages.scores_of(report([{"url": BUNDLE, "total": 60.0}, {"url": BUNDLE, "total": 70.0}]))
