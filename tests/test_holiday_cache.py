"""Public holidays kept on disk give what the holidays package gives, and spare its import."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import cert

from scenarios.model import holiday_calendar
from sim.engine import Engine, calendars, clock
from sim.engine.calendars import (
    cache_dir,
    cache_file,
    forget_store,
    package_version,
    public_calendar,
    recipe,
)

ROOT = Path(__file__).resolve().parent.parent
CALENDARS = [("MY", None), ("MY", "14"), ("MY", "03"), ("SG", None), ("ID", None),
             ("TH", None), ("AU", "NSW"), ("JP", None)]
YEARS = (2025, 2026)


@pytest.fixture(autouse=True)
def _fresh_store():
    forget_store()  # each test reads the cache of its own $ACID_DRILL_HOME
    yield
    forget_store()


def _days(years=YEARS):
    day = date(years[0], 1, 1)
    while day.year <= years[-1]:
        yield day
        day += timedelta(days=1)


def _cache_file() -> Path:
    path = cache_file()
    assert path is not None
    return path


def _plant(calendars_: object, *, checksum: str | None = None, path: Path | None = None,
           **doc: object) -> Path:
    """Write a cache file by hand, with a right checksum unless one is given."""
    path = path or _cache_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    body = {"format": 2, "calendars": calendars_,
            "sha256": checksum or calendars._checksum(calendars_), **doc}
    path.write_text(json.dumps(body), encoding="utf-8")
    path.chmod(0o600)
    return path


#: Malaysia 2025 as the cache would hold it, with Labour Day moved to the 2nd of May
FORGED = {"MY|": {"2025": [["2025-05-02", "Labor Day"]]}}


def _answers(country, subdivision, years=YEARS):
    cal = public_calendar(country, subdivision)
    return {d: cal.get(d) for d in _days(years)}


def _package(country, subdivision, years=YEARS):
    cal = holiday_calendar(country, subdivision)
    return {d: cal.get(d) for d in _days(years)}


def test_the_version_is_read_without_importing_the_package():
    import holidays

    assert package_version() == holidays.__version__


@pytest.mark.parametrize(("country", "subdivision"), CALENDARS)
def test_computed_then_cached_answers_are_the_packages_day_by_day(country, subdivision):
    expected = _package(country, subdivision)
    assert any(expected.values())  # the years do hold holidays
    assert _answers(country, subdivision) == expected  # computed, and written
    assert _cache_file().exists()
    forget_store()
    assert _answers(country, subdivision) == expected  # read back from the file


def test_the_cache_file_is_private_and_named_after_the_package_and_the_recipe(tmp_path,
                                                                              monkeypatch):
    monkeypatch.setenv("ACID_DRILL_HOME", str(tmp_path / "home"))
    public_calendar("MY", None).get(date(2025, 3, 31))
    path = tmp_path / "home" / "cache" / f"holidays-{package_version()}-{recipe()}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert ["2025-03-31", "Eid al-Fitr"] in doc["calendars"]["MY|"]["2025"]


def test_the_recipe_follows_how_the_package_is_asked(monkeypatch):
    from scenarios import model

    before = recipe()
    assert recipe() == before  # the same code, the same file

    def in_malay(country, subdivision):
        import holidays

        return holidays.country_holidays(country, subdiv=subdivision, language="ms_MY")

    monkeypatch.setattr(model, "holiday_calendar", in_malay)
    assert recipe() != before  # names in another language are kept apart


def test_the_recipe_ignores_where_the_code_is():
    # the same code at another line or in another checkout shares the cache
    code = calendars._model.holiday_calendar.__code__
    moved = code.replace(co_firstlineno=code.co_firstlineno + 40, co_filename="/elsewhere.py")
    assert calendars._code_text(moved) == calendars._code_text(code)


def test_a_cached_year_is_not_computed_again(monkeypatch):
    public_calendar("SG", None).get(date(2025, 8, 9))
    forget_store()

    def no_package(*args):
        raise AssertionError("the package was asked again")

    monkeypatch.setattr(calendars, "holiday_calendar", no_package)
    assert public_calendar("SG", None).get(date(2025, 8, 9)) == "National Day"
    with pytest.raises(AssertionError):  # a year not cached does go to the package
        public_calendar("SG", None).get(date(2027, 8, 9))


@pytest.mark.parametrize("content", [
    b"not json",
    b"[1, 2]",
    b'{"format": 99, "calendars": {}}',
    b'{"format": 2, "calendars": []}',
    b'{"format": 2, "calendars": {"MY|": {"2025": [["2025-05-02", "Labour Day"]]}}}',
    b'{"format": 2, "calendars": {"MY|": {"2025": [["2025-05-02", "Labour Day"]]}},'
    b' "sha256": "0000"}',
])
def test_a_damaged_cache_is_ignored_and_rewritten(content):
    path = _cache_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    assert _answers("MY", None) == _package("MY", None)
    forget_store()
    assert calendars._store().lookup("MY|", 2025) is not None  # rewritten whole


@pytest.mark.parametrize("year", [
    "x",
    ["2025"],
    [["31 March 2025", "Eid al-Fitr"]],
    [["20250331", "Eid al-Fitr"]],  # a date, but not as the cache writes it
    [["2026-03-31", "Eid al-Fitr"]],  # a day of another year
    [["2025-03-31", "Eid al-Fitr"], ["2025-03-31", "Eid al-Fitr"]],
    [["2025-03-31", ""]],
    [["2025-03-31", "x" * 5000]],
    [["2025-03-31", 1]],
    [[1, 2, 3]],
    [["2025-03-31", "Eid al-Fitr", "extra"]],
    [["2025-03-31", "Eid al-Fitr"], "2025-05-01"],
])
def test_a_year_not_exactly_as_written_is_computed_again(year):
    # with a right checksum: each entry is still checked, and one bad entry spoils the year
    _plant({"MY|": {"2025": year}})
    assert calendars._store().lookup("MY|", 2025) is None
    assert _answers("MY", None) == _package("MY", None)


def test_a_well_formed_cache_is_what_is_read(monkeypatch):
    # the file below is read as the user's own: the checks of the next tests are what
    # keep a forged one out
    _plant(FORGED)
    assert public_calendar("MY", None).get(date(2025, 5, 2)) == "Labor Day"


@pytest.mark.parametrize("spoil", ["group-writable", "world-writable", "folder-writable",
                                   "symlink", "other-owner"])
def test_a_cache_file_someone_else_could_have_written_is_ignored(spoil, tmp_path):
    path = _cache_file()
    if spoil == "symlink":
        target = _plant(FORGED, path=tmp_path / "elsewhere.json")
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.symlink_to(target)
    else:
        _plant(FORGED)
    if spoil == "group-writable":
        path.chmod(0o620)
    elif spoil == "world-writable":
        path.chmod(0o602)
    elif spoil == "folder-writable":
        path.parent.chmod(0o777)
    elif spoil == "other-owner":
        if os.geteuid() != 0:
            pytest.skip("giving a file to another user needs root")
        os.chown(path, 4242, 4242)
    cal = public_calendar("MY", None)
    assert cal.get(date(2025, 5, 2)) is None  # the forged holiday is not taken
    labour_day = _package("MY", None)[date(2025, 5, 1)]
    assert labour_day and cal.get(date(2025, 5, 1)) == labour_day  # the package's answer is


def test_the_cache_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("ACID_DRILL_NO_CACHE", "1")
    assert _answers("MY", None) == _package("MY", None)
    assert not cache_dir().exists()


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    (tmp_path / "home").write_text("a file where the folder would go")
    monkeypatch.setenv("ACID_DRILL_HOME", str(tmp_path / "home"))
    assert _answers("MY", None) == _package("MY", None)


def test_a_read_only_cache_folder_is_no_error(monkeypatch):
    path = _cache_file()
    path.parent.mkdir(mode=0o700, parents=True)
    def refused(*args):
        raise PermissionError(13, "Read-only file system")

    import sim.safe.files

    monkeypatch.setattr(sim.safe.files, "write_private", refused)
    assert _answers("MY", None) == _package("MY", None)
    assert not path.exists()


def test_no_home_at_all_is_no_error(monkeypatch):
    for name in ("ACID_DRILL_HOME", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache_dir() is None and cache_file() is None
    assert _answers("MY", None) == _package("MY", None)


def test_a_year_the_package_cannot_compute_stays_with_the_package(monkeypatch):
    class Partial(dict):
        """Like the package: the year is marked filled in before it fails half-way."""

        def __init__(self):
            super().__init__()
            self.years: set[int] = set()

        def get(self, day, default=None):
            if day.year not in self.years:
                self.years.add(day.year)
                self[date(day.year, 1, 1)] = "New Year's Day"
                raise ValueError("no table for this year")
            return super().get(day, default)

    monkeypatch.setattr(calendars, "holiday_calendar", lambda c, s: Partial())
    cal = public_calendar("XX", None)
    with pytest.raises(ValueError, match="no table"):
        cal.get(date(2030, 5, 5))
    assert cal.get(date(2030, 1, 1)) == "New Year's Day"  # what the package now says
    assert calendars._store().lookup("XX|", 2030) is None  # and nothing cached


def _my_holiday_drill(scenario_data, load):
    scenario_data["drill"].update(start="2025-03-31T10:00:00+08:00", duration="4d",
                                  public_holidays=True)
    scenario_data["actors"]["cert-a"] = cert("MY", "Asia/Kuala_Lumpur")
    return load(scenario_data)


def _fresh_run(loaded) -> list:
    # working periods are kept per process (sim.engine.clock); drop them so that the
    # drill looks its holidays up again
    clock._SHIFTS.clear()
    clock._SCENARIO_SHIFTS.clear()
    return Engine(loaded, seed=3).run()


def test_a_drill_gives_the_same_events_from_the_cache(scenario_data, load, monkeypatch):
    loaded = _my_holiday_drill(scenario_data, load)
    computed = [e.to_json() for e in _fresh_run(loaded)]
    assert json.loads(_cache_file().read_text(encoding="utf-8"))["calendars"]["MY|"]["2025"]
    forget_store()

    def no_package(*args):
        raise AssertionError("the package was asked again")

    monkeypatch.setattr(calendars, "holiday_calendar", no_package)
    cached = _fresh_run(loaded)
    assert [e.to_json() for e in cached] == computed
    # and the holiday did hold the team up: its acknowledgement waits for Wednesday
    [ack] = [e for e in cached if e.type == "acknowledged" and e.actor == "cert-a"]
    assert ack.time >= 47 * 60


def test_a_second_run_does_not_import_the_holidays_package(tmp_path):
    code = ("import sys\n"
            "from sim.cli import main\n"
            "main(['run', '--json'])\n"
            "sys.stderr.write('holidays' in sys.modules and 'imported' or 'spared')\n")
    env = {**os.environ, "ACID_DRILL_HOME": str(tmp_path / "home")}
    env.pop("ACID_DRILL_NO_CACHE", None)
    first, second = (subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                                    capture_output=True, text=True, check=True)
                     for _ in range(2))
    assert first.stderr.endswith("imported")  # the default drill keeps public holidays
    assert second.stderr.endswith("spared")
    assert second.stdout == first.stdout
