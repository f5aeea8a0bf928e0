"""Every in-page link of the scenario format reference lands on one of its headings."""

from __future__ import annotations

import re
from pathlib import Path

from scenarios.schema import ORDER, json_schema

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _slug(heading: str) -> str:
    # GitHub's anchors: lower case, punctuation dropped, spaces become hyphens
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_every_anchor_link_in_the_format_reference_resolves():
    text = (DOCS / "scenario-format.md").read_text(encoding="utf-8")
    headings = {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}
    links = set(re.findall(r"\]\(#([^)\s]+)\)", text))
    assert links, "the reference links to its sections"
    assert sorted(links - headings) == []


def test_every_schema_definition_has_a_section():
    assert sorted(set(json_schema()["definitions"]) - set(ORDER)) == []
    assert len(ORDER) == len(set(ORDER))
