"""Fixtures of the browser tests: one Chromium per session, the built site served locally.

Where /usr/bin/chromium is missing the tests skip with a how-to (fail in CI), like every
optional peer (see tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sitekit

from tests.conftest import missing_peer  # type: ignore[import-not-found]  # (not a package)


@pytest.fixture(scope="session")
def site(built_site: Path) -> Iterator[sitekit.Site]:
    with sitekit.serve(built_site) as base_url:
        yield sitekit.Site(built_site, base_url, sitekit.page_paths(built_site))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not sitekit.CHROMIUM.exists():
        missing_peer(f"Chromium ({sitekit.CHROMIUM})", sitekit.CHROMIUM_HOW_TO)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = sitekit.launch(playwright)
        yield browser
        browser.close()
