"""People vs model: a role nothing reached is not blamed for what it never did, an
acknowledgement is set only against the runs in which something reached the role, and
a share is never rounded to 100% or 0% unless it is exactly that."""

from __future__ import annotations

import json

import pytest

from sim.analysis.review import CACHE_NAME, Comparison, compare, load_review
from sim.cli import main
from sim.engine import Action, Engine
from sim.runs.batch import replication_seed
from sim.runs.session import DrillSession, Journal

RUNS = 3


def _lines(text: str) -> list[str]:
    """The lines of the text report's "Human play against the model"."""
    part = text.split("Human play against the model\n", 1)[1]
    return [line.strip() for line in part.split("\n\n", 1)[0].splitlines()]


@pytest.fixture
def stopped_before_word_reached_cert_b(scenario_data, load, tmp_path):
    """Both CERTs played by people, the drill stopped at T+02:05: CERT-SG (a person) has
    told nobody, so nothing about the incident reached CERT-TH. In the model's runs
    CERT-SG's notification reaches CERT-TH at T+01:50 and is acknowledged at T+02:00."""
    path = tmp_path / "stopped.journal.sqlite"
    session = DrillSession.start(load(scenario_data), human=["cert-a", "cert-b"],
                                 journal_path=path)
    session.advance_to(125)
    session.close()
    return path


def test_a_role_nothing_reached_is_not_said_to_have_never_done_it(
        stopped_before_word_reached_cert_b, capsys):
    path = str(stopped_before_word_reached_cert_b)
    assert main(["report", path, "--runs", str(RUNS), "--format", "text"]) == 0
    lines = _lines(capsys.readouterr().out)
    th = [line for line in lines if "CERT-TH" in line]
    assert th and not any("never did" in line for line in th)
    assert any(line.startswith("Nothing about the incident reached CERT-TH") for line in th)
    # no faster or slower figure for it, and how many runs it reached in the model
    assert not any("faster than" in line for line in th)
    assert any(f"something reached it in {RUNS} of {RUNS} simulated runs" in line
               for line in th)
    # CERT-SG had the report and did not pass it on: that is still said
    assert any(line.startswith("CERT-SG never did: notify") for line in lines)

    assert main(["report", path, "--runs", str(RUNS), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["comparisons"]
    th_rows = [r for r in rows if r["actor"] == "cert-b"]
    assert th_rows and all(r["reached"] is False and r["faster_than"] is None
                           and r["runs_reached"] == RUNS for r in th_rows)
    assert all(r["reached"] is True for r in rows if r["actor"] == "cert-a")


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_every_report_says_nothing_reached_the_role(stopped_before_word_reached_cert_b,
                                                    capsys, fmt):
    assert main(["report", str(stopped_before_word_reached_cert_b), "--runs", str(RUNS),
                 "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "Nothing about the incident reached CERT-TH" in out
    assert "CERT-TH never did" not in out


def _cert_b(path, **kwargs) -> list[Comparison]:
    review, journal = load_review(path, runs=RUNS, **kwargs)
    journal.close()
    return [c for c in review.comparisons if c.actor == "cert-b"]


def test_a_comparison_kept_in_the_journal_keeps_what_reached_the_role(
        stopped_before_word_reached_cert_b):
    path = stopped_before_word_reached_cert_b
    first = _cert_b(path)
    assert first and all(not c.reached and c.received == RUNS for c in first)
    kept = _cert_b(path, background=True)  # from the journal: nothing left to compute
    assert kept == first
    assert all(c.sentence("CERT-TH").startswith("Nothing about the incident reached")
               for c in kept)


@pytest.mark.parametrize("older", ["key", "rows"])
def test_a_comparison_kept_before_the_role_was_checked_is_computed_again(
        stopped_before_word_reached_cert_b, older):
    """A comparison kept by an earlier version (its measure in the key, and rows that do
    not say what reached the role) is not shown: the review computes it again."""
    path = stopped_before_word_reached_cert_b
    first = _cert_b(path)
    journal = Journal.open(path)
    saved = journal.derived(CACHE_NAME)
    if older == "key":
        saved["key"]["measure"] -= 1
    else:
        for row in saved["comparisons"]:
            del row["reached"], row["received"]
    assert journal.set_derived(CACHE_NAME, saved)
    journal.close()
    review, journal = load_review(path, runs=RUNS, background=True)
    journal.close()
    assert review.pending is not None  # not taken from the journal
    assert _cert_b(path) == first


def _reached(log, actor: str, incident: str) -> bool:
    return any(e.actor == actor and e.incident == incident
               and e.type in ("inject_delivered", "message_delivered") for e in log)


def test_an_acknowledgement_is_set_only_against_runs_that_gave_the_role_something(
        scenario_data, load):
    """E-mail loses 60% of messages and CERT-SG's notification has no fallback: in many
    runs nothing reaches CERT-TH. The person acknowledges 30 minutes after it arrives,
    later than the policy's 10 minutes in every run that had something to acknowledge."""
    scenario_data["channels"]["email"]["loss"] = 0.6
    scenario_data["frameworks"]["fw"]["rules"]["notify"]["fallback"] = []
    loaded = load(scenario_data)
    runs = 12
    reached = [_reached(Engine(loaded, seed=replication_seed(0, i)).run(), "cert-b", "x")
               for i in range(runs)]
    assert 0 < sum(reached) < runs  # some runs gave CERT-TH nothing
    seed = next(s for s in range(50) if _reached(Engine(loaded, seed=s).run(), "cert-b", "x"))
    engine = Engine(loaded, seed=seed, human=["cert-b"])
    engine.run_until(2 * 24 * 60)
    arrived = next(e.time for e in engine.log if e.actor == "cert-b"
                   and e.type == "message_delivered")
    engine = Engine(loaded, seed=seed, human=["cert-b"])
    engine.run_until(arrived + 30)
    engine.act(Action("cert-b", "acknowledge", "x"))
    c = next(c for c in compare(engine.run(), loaded.scenario, runs=runs, roles=["cert-b"])
             if c.metric == "first_ack")
    assert c.human == pytest.approx(30)
    # every run that gave CERT-TH something was faster; the others are not counted
    assert c.shown_faster_than == 0.0
    assert c.model_did_it == 1.0
    said = c.sentence("CERT-TH")
    assert said.startswith("CERT-TH acknowledged faster than 0% of simulated runs")
    assert f"the {sum(reached)} of {runs} in which something about the incident reached " \
           "CERT-TH" in said


def test_an_acknowledgement_with_nothing_to_compare_gives_no_figure():
    """Something reached the person's role, but in no run of the model."""
    c = Comparison("cert-b", "x", "first_ack", 5.0, [], 4, received=0)
    assert c.shown_faster_than is None
    assert c.sentence("CERT-TH") == ("CERT-TH acknowledged; nothing about the incident "
                                     "reached it in any of 4 simulated runs")


def test_a_share_short_of_all_runs_is_never_shown_as_100_percent():
    """The person acknowledged in 0.975 minutes, one of 200 runs in 0.958."""
    c = Comparison("singcert", "phish", "first_ack", 0.975, [0.958] + [1.5] * 198, 200)
    assert c.faster_than == pytest.approx(0.995)  # 198 slower, 1 never did it, 1 faster
    said = c.sentence("SingCERT")
    assert "faster than >99% of simulated runs" in said
    assert "100%" not in said
    # the policy did it in 199 of 200 runs: not 100% either
    assert "(the policy did it in >99% of 200" in said
    # and a share that rounds to nothing is not shown as 0%
    slow = Comparison("singcert", "phish", "escalate", 90.0, [10.0] * 199 + [100.0], 200)
    assert "faster than <1% of simulated runs" in slow.sentence("SingCERT")


async def test_the_people_vs_model_tab_shows_the_same_shares(scenario_data, load):
    pytest.importorskip("textual")
    from test_tui import until
    from textual.widgets import DataTable, TabbedContent

    from sim.analysis.review import build_review
    from tui.review import ReviewApp
    from tui.screens.review import ReviewScreen

    session = DrillSession.start(load(scenario_data), human=["cert-a", "cert-b"],
                                 record=False)
    session.advance_to(125)
    review = build_review(session.scenario, list(session.engine.log))
    review.comparisons = [
        Comparison("cert-a", "x", "first_ack", 0.975, [0.958] + [1.5] * 198, 200),
        Comparison("cert-b", "x", "first_ack", None, [10.0] * 3, 3, reached=False,
                   received=3),
    ]
    app = ReviewApp(review)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.pause()
        app.screen.query_one("#review-tabs", TabbedContent).active = "tab-model"
        table = app.screen.query_one("#model", DataTable)
        await until(pilot, lambda: table.row_count == 2)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(2)]
    assert rows[0][4:6] == [">99%", ">99%"]
    assert rows[1][3] == "nothing reached it" and rows[1][4] == "—"
