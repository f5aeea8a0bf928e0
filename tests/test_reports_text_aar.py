"""The plain-text after-action report (``drill report --format text``) carries what the
other formats do: human play against the model, and the messages that never arrived."""

from __future__ import annotations

from conftest import police_referral, stale_police_email

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis import aar
from sim.analysis.review import build_review
from sim.cli import main
from sim.engine import Action, Engine
from sim.runs.session import DrillSession

RUNS = 3


def test_the_text_report_compares_human_play_with_the_model(tmp_path, capsys):
    journal = tmp_path / "p.journal.sqlite"
    session = DrillSession.start(load_scenario(resolve_scenario_arg("tutorial")),
                                 human=["singcert"], journal_path=journal)
    session.advance_to(40)
    session.act(Action("singcert", "acknowledge", "phish"))
    session.advance_to(60)
    session.act(Action("singcert", "request_takedown", "phish", targets=("mycert",),
                       tlp="AMBER"))
    session.advance_to(480)
    session.close()
    capsys.readouterr()
    assert main(["report", str(journal), "--runs", str(RUNS), "--format", "md"]) == 0
    markdown = capsys.readouterr().out
    assert main(["report", str(journal), "--runs", str(RUNS), "--format", "text"]) == 0
    text = capsys.readouterr().out
    compared = markdown[markdown.index("## Human play against the model"):
                        markdown.index("## Improvement plan")]
    sentences = [ln[2:] for ln in compared.splitlines() if ln.startswith("- ")]
    assert len(sentences) == 2  # acknowledged, and the takedown request
    section = text[text.index("\nHuman play against the model\n"):text.index("\nImprovement plan")]
    for sentence in sentences:
        # the same sentence, as plain text (the Markdown escapes nothing in these)
        assert f"\n  {sentence}" in section
    assert "faster than" in section and f"of {RUNS}" in section


def test_the_text_report_lists_the_messages_that_never_arrived(scenario_data, load):
    scenario = load(stale_police_email(police_referral(scenario_data))).scenario
    review = build_review(scenario, Engine(scenario, seed=0).run())
    [gone] = review.undelivered
    text = aar.render_text(review)
    assert "\nMessages that never arrived" in text
    section = text[text.index("\nMessages that never arrived"):text.index("\nImprovement plan")]
    assert "  Incident x\n" in section
    line = f"CERT-SG -> Police SG (refer_police): {gone.describe()}"
    assert f"\n    {line}\n" in section
    assert "lost (stale contact)" in line
    # as the Markdown report lists it
    assert f"- {aar.md(line)}" in aar.render_markdown(review)
