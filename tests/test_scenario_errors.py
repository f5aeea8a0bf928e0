"""Broken scenario files: each problem is reported at the right line, column and field."""

from __future__ import annotations

import textwrap

import pytest

from scenarios import ScenarioError, load_scenario
from scenarios.yamlsrc import read_yaml_text

GOOD = textwrap.dedent(
    """\
    drill:
      id: t
      title: Tiny
      start: "2026-08-19T09:00:00+08:00"
      duration: 8h
    actors:
      ctl:
        name: Control
        kind: exercise_control
        timezone: Asia/Singapore
        staffing: 24/7
        contacts:
          email: {address: c@x.example}
      cert:
        name: CERT
        kind: national_cert
        country: SG
        timezone: Asia/Singapore
        contacts:
          email: {address: cert@x.example}
        policy:
          ack_delay: {dist: lognormal, median: 10m, p90: 1h}
    channels:
      email:
        kind: email
        latency: 5m
    injects:
      - id: "1"
        at: T+01:00
        sender: ctl
        to: [cert]
        via: email
        incident: {id: x, type: phishing, affected: [SG]}
    expectations:
      - id: E1
        actors: [cert]
        action: acknowledge
        incident: x
        within: 1h
    """
)


def problems(tmp_path, text: str) -> list[tuple[int, int, str, str]]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    out = []
    for p in info.value.problems:
        assert str(p).startswith(f"{p.mark.file}:{p.mark.line}:{p.mark.col}: ")
        out.append((p.mark.line, p.mark.col, p.path, p.message))
    return out


def test_the_good_file_loads(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(GOOD, encoding="utf-8")
    sc = load_scenario(path).scenario
    assert sc.actors["cert"].policy.ack_delay.median == 10
    assert sc.drill.duration == 480


CASES = [
    # (replace this, with this, line, col, path, words in the message)
    ("  title: Tiny\n", "  title: Tiny\n  titel: Typo\n", 4, 3, "drill.titel",
     "unknown field 'titel'; did you mean 'title'?"),
    ("    timezone: Asia/Singapore\n    contacts:\n      email: {address: cert",
     "    timezone: Asia/Singapur\n    contacts:\n      email: {address: cert",
     18, 15, "actors.cert.timezone", "not an IANA time zone"),
    ("kind: national_cert", "kind: national_certs", 16, 11, "actors.cert.kind",
     "must be one of"),
    ("median: 10m, p90: 1h", "median: 10m", 22, 18, "actors.cert.policy.ack_delay",
     "needs both median and p90"),
    ("median: 10m, p90: 1h", "median: 1h, p90: 10m", 22, 18, "actors.cert.policy.ack_delay",
     "p90 must be longer than the median"),
    ("{dist: lognormal,", "{dist: lognormale,", 22, 18, "actors.cert.policy.ack_delay",
     "a distribution needs 'dist'"),
    ("    within: 1h\n", "    within: 60\n", 39, 13, "expectations[0].within",
     "needs a unit"),
    ("  latency: 5m", "  latency: 5 minutes", 26, 14, "channels.email.latency",
     "is not a duration"),
    ("    at: T+01:00", "    at: T+1:99", 29, 9, "injects[0].at", "is not a drill time"),
    ("    to: [cert]", "    to: [cret]", 31, 10, "injects[0].to[0]",
     "unknown actor 'cret'; did you mean 'cert'?"),
    ("    sender: ctl", "    sender: control", 30, 13, "injects[0].sender",
     "unknown actor 'control'"),
    ("    incident: x\n", "    incident: y\n", 38, 15, "expectations[0].incident",
     "no inject opens incident 'y'"),
    ("    via: email", "    via: phone", 32, 10, "injects[0].via", "unknown channel 'phone'"),
    ("    actors: [cert]", "    actors: [cert]\n    contingency: C9", 37, 18,
     "expectations[0].contingency", "no inject 'C9'"),
    ("  start: \"2026-08-19T09:00:00+08:00\"", "  start: 2026-08-19T09:00:00", 4, 10,
     "drill.start", "has no UTC offset"),
    # a bare number would otherwise be read as seconds since 1970 and validate
    ("  start: \"2026-08-19T09:00:00+08:00\"", "  start: 2026", 4, 10,
     "drill.start", "2026 is not a date-time; write '2026-09-09T09:00:00+08:00'"),
    ("  start: \"2026-08-19T09:00:00+08:00\"", "  start: 1787101200", 4, 10,
     "drill.start", "is not a date-time"),
    ("    country: SG", "    country: Singapore", 17, 14, "actors.cert.country",
     "not a two-letter country code"),
]


@pytest.mark.parametrize(("old", "new", "line", "col", "path", "words"), CASES)
def test_reported_at_line_column_and_field(tmp_path, old, new, line, col, path, words):
    assert old in GOOD
    found = problems(tmp_path, GOOD.replace(old, new, 1))
    assert any(
        (ln, c, p) == (line, col, path) and words in msg for ln, c, p, msg in found
    ), found


def test_no_contact_on_the_inject_channel(tmp_path):
    text = GOOD.replace(
        "      email: {address: cert@x.example}", "      phone: {address: '+65'}"
    ).replace("  email:\n    kind: email\n    latency: 5m\n",
              "  email:\n    kind: email\n    latency: 5m\n  phone:\n    kind: phone\n    latency: 1m\n")
    found = problems(tmp_path, text)
    assert any(
        p == "injects[0].to[0]" and "no point of contact on channel 'email'" in m
        for _, _, p, m in found
    ), found


def test_every_problem_is_reported_in_one_go(tmp_path):
    text = (
        GOOD.replace("  title: Tiny\n", "  title: Tiny\n  titel: x\n")
        .replace("kind: national_cert", "kind: cert")
        .replace("    to: [cert]", "    to: [nobody]")
    )
    found = problems(tmp_path, text)
    assert {p for _, _, p, _ in found} >= {"drill.titel", "actors.cert.kind", "injects[0].to[0]"}
    lines = [ln for ln, *_ in found]
    assert lines == sorted(lines)


def test_missing_required_field_points_at_its_parent(tmp_path):
    found = problems(tmp_path, GOOD.replace("    kind: email\n", ""))
    assert (25, 5, "channels.email.kind", "required field is missing") in found


def test_duplicate_key(tmp_path):
    found = problems(tmp_path, GOOD.replace("  title: Tiny\n", "  title: Tiny\n  title: Again\n"))
    assert found == [(4, 3, "drill.title", "duplicate key 'title' (first given at line 3)")]


def test_invalid_yaml_syntax(tmp_path):
    found = problems(tmp_path, GOOD.replace("    to: [cert]", "    to: [cert"))
    assert len(found) == 1 and found[0][3].startswith("invalid YAML")


def test_yaml11_traps_keep_their_meaning():
    data = read_yaml_text(
        "a: 9:30\nb: NO\nc: 010\nd: 2026-08-19\ne: yes\nf: on\ng: true\nh: 1_000\n", "t"
    ).data
    assert data == {
        "a": "9:30", "b": "NO", "c": 10, "d": "2026-08-19", "e": "yes", "f": "on",
        "g": True, "h": "1_000",
    }


def test_norway_stays_norway(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(GOOD.replace("country: SG", "country: NO"), encoding="utf-8")
    assert load_scenario(path).scenario.actors["cert"].country == "NO"


def test_unquoted_clock_time_is_not_a_number(tmp_path):
    found = problems(tmp_path, GOOD.replace("    at: T+01:00", "    at: 1:30"))
    assert any(p == "injects[0].at" and "'1:30'" in m for _, _, p, m in found), found


def test_alias_bomb_is_refused(tmp_path):
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        bomb += f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 10) + "]\n"
    found = problems(tmp_path, bomb)
    assert len(found) == 1 and "aliases that multiply" in found[0][3]


def test_object_construction_tags_are_refused(tmp_path):
    found = problems(tmp_path, "drill: !!python/object/apply:os.system ['echo hi']\n")
    assert found[0][:2] == (1, 8) and "not allowed" in found[0][3]


def test_absurd_size_is_refused(tmp_path):
    found = problems(tmp_path, "# " + "x" * 3_000_000 + "\n")
    assert "is refused" in found[0][3]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "file is empty"),
        (b"- a\n- b\n", "not a list"),
        (b"drill: \xff\xfe\n", "not UTF-8"),
    ],
)
def test_unreadable_files(tmp_path, content, words):
    path = tmp_path / "s.yaml"
    path.write_bytes(content)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert words in str(info.value)


def test_missing_include_names_the_line(tmp_path):
    found = problems(tmp_path, "include: [asean/actor]\n" + GOOD)
    assert found == [
        (1, 11, "include[0]", "cannot find 'asean/actor'; did you mean 'asean/actors'?")
    ]


def test_include_cycle(tmp_path):
    (tmp_path / "a.yaml").write_text("include: [b.yaml]\nactors: {}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("include: [a.yaml]\nactors: {}\n", encoding="utf-8")
    found = problems(tmp_path, "include: [a.yaml]\n" + GOOD)
    assert any("include cycle" in m for *_, m in found), found
