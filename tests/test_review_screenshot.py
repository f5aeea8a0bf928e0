"""`drill review`'s screenshots hold the drill as its console's do: written owner-only."""

from __future__ import annotations

import os
import stat

import pytest

pytest.importorskip("textual")

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.review import build_review
from sim.engine import Engine
from tui.review import ReviewApp


async def test_a_screenshot_of_the_review_is_written_owner_only(tmp_path, monkeypatch):
    scenario = load_scenario(resolve_scenario_arg("tutorial")).scenario
    review = build_review(scenario, Engine(scenario, seed=0).run(), {}, runs=0, seed=0)
    monkeypatch.setattr("tui.plain.user_downloads_path", lambda: tmp_path / "downloads")
    old = os.umask(0o022)
    try:
        app = ReviewApp(review)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            saved = app.deliver_screenshot()
    finally:
        os.umask(old)
    assert saved is not None and saved.startswith(str(tmp_path / "downloads"))
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "downloads").st_mode) == 0o700
    with open(saved, encoding="utf-8") as shot:
        assert "<svg" in shot.read()
