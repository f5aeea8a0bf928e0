"""Handouts show control characters, terminal escape sequences and bidirectional
overrides from a scenario as visible escapes, as `drill explain`, the command line and
the after-action report do: a printed packet shows exactly what the file holds."""

from __future__ import annotations

import re
from html import unescape

from conftest import write

from sim.cli import main

ESC = "\x1b[31m"
RLO = "\u202e"
#: what no handout may hold raw: C0 controls but tab and newline, DEL, C1 controls, the
#: invisible direction marks, line and paragraph separators, bidi embeddings, overrides
#: and isolates
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                 "\u202a-\u202e\u2066-\u2069]")


def hostile(text: str) -> str:
    return f"{text} {ESC}red{RLO}txt.exe\x07\x9b\u2066"


def handouts(tmp_path, scenario_data) -> dict[str, str]:
    d = scenario_data
    d["drill"]["title"] = hostile("Title")
    d["drill"]["description"] = hostile("Description")
    d["drill"]["objectives"] = [{"id": "O1", "text": hostile("Objective")}]
    d["actors"]["cert-a"]["name"] = hostile("CERT-A")
    d["actors"]["cert-a"]["contacts"]["email"]["address"] = hostile("cert@a")
    d["actors"]["cert-a"]["contacts"]["email"]["note"] = hostile("Note")
    d["channels"]["email"]["name"] = hostile("E-mail")
    inj = d["injects"][0]
    inj.update(title=hostile("Inject"), text=hostile("Body"),
               expected_actions=[hostile("Act")], controller=hostile("Controller"),
               notes=hostile("Notes"), artefacts=[hostile("file")], objective="O1")
    d["expectations"] = [{"id": "E1", "description": hostile("Expected"),
                          "actors": ["cert-a"], "action": "notify", "target": "cert-b",
                          "incident": "x", "within": "4h"}]
    path = write(tmp_path, d)
    out = tmp_path / "out"
    assert main(["handout", str(path), "--all", "-o", str(out)]) == 0
    return {name: (out / name).read_text(encoding="utf-8")
            for name in ("role-cert-a.html", "controller.html", "cards.html")}


def test_handouts_show_control_characters_as_escapes(tmp_path, scenario_data):
    pages = handouts(tmp_path, scenario_data)
    for name, page in pages.items():
        text = unescape(page)
        assert RAW.findall(text) == [], name
        # each is shown instead, as \xNN or \uNNNN
        for shown in ("\\x1b[31mred", "\\u202etxt.exe", "\\x07", "\\x9b", "\\u2066"):
            assert shown in text, (name, shown)
        assert "Title \\x1b[31mred" in text
        assert "CERT-A \\x1b" in text and "Inject \\x1b" in text and "Body \\x1b" in text
        assert "E-mail \\x1b" in text
    controller = unescape(pages["controller.html"])
    for field in ("Description", "Objective", "Act", "Controller", "Notes", "file",
                  "Expected", "cert@a", "Note"):
        assert f"{field} \\x1b[31mred\\u202etxt.exe" in controller, field


def test_handouts_still_escape_markup(tmp_path, scenario_data):
    scenario_data["actors"]["cert-b"]["name"] = "<script>alert(1)</script> & co"
    pages = handouts(tmp_path, scenario_data)
    for page in pages.values():
        assert "<script>" not in page
    # the directory of points of contact names every team
    for name in ("role-cert-a.html", "controller.html"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in pages[name]
