"""Shared builders: small hand-computable scenarios written to temporary files."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from scenarios import load_scenario, yamlsrc

# A Wednesday, 09:00 Singapore time.
START = "2026-08-19T09:00:00+08:00"

CONST_POLICY = {
    "ack_delay": "10m",
    "analysis_time": "30m",
    "drafting_time": "5m",
    "followup_after": "1h",
}


def cert(country: str, tz: str, **extra: Any) -> dict[str, Any]:
    a = {
        "name": f"CERT-{country}",
        "kind": "national_cert",
        "country": country,
        "timezone": tz,
        "working_hours": "09:00-17:00",
        "contacts": {"email": {"address": f"cert@{country.lower()}.example"},
                     "phone": {"address": f"+{country}-1"}},
        "policy": dict(CONST_POLICY),
    }
    a.update(extra)
    return a


def police(country: str = "SG", tz: str = "Asia/Singapore") -> dict[str, Any]:
    """A national police force: with one, a drill has the police referral and the
    preservation request among its law-enforcement stages."""
    return {"name": f"Police {country}", "kind": "national_police", "country": country,
            "timezone": tz, "contacts": {"email": {"address": f"police@{country.lower()}"}}}


def police_referral(data: dict[str, Any]) -> dict[str, Any]:
    """The hand-computed drill with the Singapore police: cert-a refers the suspected
    crime to them by e-mail at T+01:55 (115); e-mail takes 5 minutes."""
    data["actors"]["police-sg"] = police()
    data["injects"][0]["incident"]["crime_suspected"] = True
    data["frameworks"]["fw"]["rules"]["refer"] = {
        "by": ["national_cert"], "on": ["inject"],
        "when": {"crime_suspected": True, "actor_affected": True},
        "action": "refer_police", "to": ["national_police"], "channel": "email",
        "deadline": "4h", "tlp": "GREEN"}
    return data


def stale_police_email(data: dict[str, Any]) -> dict[str, Any]:
    """The police's e-mail address of :func:`police_referral` is out of date."""
    data["actors"]["police-sg"]["contacts"]["email"]["stale"] = True
    return data


def base_scenario() -> dict[str, Any]:
    """Two CERTs (Singapore, Bangkok), a regional council and exercise control.

    Every delay is constant, so every time can be worked out by hand.
    """
    return {
        "drill": {"id": "hand", "title": "Hand-computable drill", "start": START,
                  "duration": "2d"},
        "groups": {"asean": ["SG", "TH"]},
        "actors": {
            "ctl": {"name": "HiCON", "kind": "exercise_control", "timezone": "Asia/Singapore",
                    "staffing": "24/7", "contacts": {"email": {"address": "hicon@x.example"}}},
            "cert-a": cert("SG", "Asia/Singapore"),
            "cert-b": cert("TH", "Asia/Bangkok"),
            "council": {
                "name": "Council", "kind": "regional_council", "timezone": "Asia/Singapore",
                "working_hours": "09:00-17:00",
                "contacts": {"email": {"address": "council@x.example"}},
                "policy": dict(CONST_POLICY),
            },
        },
        "channels": {
            "email": {"kind": "email", "latency": "5m", "loss": 0.0},
            "phone": {"kind": "phone", "latency": "1m", "needs_receiver_on_duty": True},
        },
        "frameworks": {
            "fw": {
                "title": "Test framework",
                "rules": {
                    "notify": {"by": ["national_cert"], "on": ["inject"], "action": "notify",
                               "to": ["affected_certs"], "channel": "email",
                               "fallback": ["phone"], "deadline": "4h", "tlp": "GREEN"},
                    "escalate": {"by": ["national_cert"], "on": ["inject"],
                                 "when": {"min_affected": 2, "affected_group": "asean"},
                                 "action": "escalate", "to": ["regional_council"],
                                 "channel": "email", "deadline": "4h", "tlp": "GREEN"},
                },
            }
        },
        "injects": [
            {"id": "1", "at": "T+01:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
             "tlp": "GREEN", "title": "Report",
             "incident": {"id": "x", "type": "botnet", "affected": ["SG", "TH"]}},
        ],
        "expectations": [],
    }


def write(tmp_path: Path, data: dict[str, Any], name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def scenario_data() -> dict[str, Any]:
    return copy.deepcopy(base_scenario())


@pytest.fixture
def load(tmp_path):
    def _load(data: dict[str, Any]):
        return load_scenario(write(tmp_path, data))

    return _load


def events_of(log, type_, actor=None):
    return [e for e in log if e.type == type_ and (actor is None or e.actor == actor)]


@pytest.fixture(autouse=True)
def _private_drill_home(tmp_path_factory, monkeypatch):
    """Journals a test does not place itself go to a temporary folder, never the user's."""
    monkeypatch.setenv("ACID_DRILL_HOME", str(tmp_path_factory.mktemp("drill-home")))


@pytest.fixture(params=["C", "pure"])
def parser(request, monkeypatch):
    """Each test that asks for it runs with libyaml's C parser and with the pure-Python
    one (the C run is skipped where PyYAML was built without libyaml)."""
    if request.param == "C" and not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml")
    monkeypatch.setattr(yamlsrc, "_PARSER",
                        yaml.CSafeLoader if request.param == "C" else yaml.SafeLoader)
    return request.param


def one_error_line(capsys) -> str:
    """The one line a command wrote to standard error, with no traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def sql(path: Path, *statements: str) -> None:
    """Run ``statements`` on the SQLite file ``path`` (a journal edited by hand)."""
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()
