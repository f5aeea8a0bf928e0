"""docs/assumptions.md: generated from the library, current, and a source for everything."""

from __future__ import annotations

from pathlib import Path

from scenarios.model import LogNormal, Uniform
from sim.authoring.assumptions import (
    PUBLISHED_LIFETIME,
    describe_distribution,
    library,
    lifetime_check,
    render,
)

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_committed_page_is_current():
    assert (DOCS / "assumptions.md").read_text(encoding="utf-8") == render(), (
        "run: python -m sim.authoring.assumptions"
    )


def test_every_library_organisation_and_channel_is_on_the_page():
    text = render()
    sc = library()
    for aid, actor in sc.actors.items():
        assert f"| `{aid}` | {actor.name} |" in text
    for cid in sc.channels:
        assert f"| `{cid}` |" in text


def test_distributions_read_as_people_write_them():
    assert describe_distribution(LogNormal(dist="lognormal", median="1h", p90="6h")) == (
        "lognormal, median 1h, p90 6h")
    assert describe_distribution(Uniform(dist="uniform", low="1m", high="10m")) == "uniform 1m-10m"


def test_the_lifetime_check_is_reported_for_reports_over_the_whole_week():
    # handling times are worked time; a site's lifetime also counts the notification
    # chain and the nights: a site reported on a weekday morning comes down near the
    # published median, one reported at any hour of the week later, and every site
    # within the month
    check = lifetime_check(runs=100)
    assert check["taken_down"] == 100
    assert check["office_median_h"] <= PUBLISHED_LIFETIME["median_h"] * 2
    assert check["median_h"] > check["office_median_h"]
    assert check["mean_h"] >= check["median_h"]


def test_no_library_entry_lacks_a_source():
    from sim.authoring.assumptions import missing_sources, sourced_entries

    entries = dict(sourced_entries(library()))
    assert len(entries) > 70  # actors, channels, memberships, frameworks, rules, defaults
    assert missing_sources() == []
    assert "**missing**" not in render()
