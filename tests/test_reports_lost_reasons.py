"""The run report's slowest hops say why an earlier attempt was lost in words ("stale
contact"), as its list of lost messages does, not as a raw code ("stale_contact").

The hand-computed drill with CERT-TH's e-mail address out of date: CERT-SG's
notification is lost, and chased by phone an hour later.
"""

from __future__ import annotations

from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.engine import Engine


def test_a_lost_attempt_is_said_in_words(scenario_data, load):
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    m = compute(Engine(load(scenario_data), seed=0).run())
    [hop] = [h for h in m["slowest_hops"] if h["to"] == "cert-b"]
    assert hop["lost"] == ["stale_contact"]  # the JSON keeps the code
    text = render_text(m)
    slowest = text[text.index("Slowest hops"):text.index("\nMessages:")]
    assert "lost 1h (stale contact);" in slowest
    assert "stale_contact" not in text
