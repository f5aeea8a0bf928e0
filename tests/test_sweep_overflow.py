"""A number too large for a float in a sweep's START:STOP:STEP is refused like any
other that is not finite: one line, exit 2, never an internal error."""

from __future__ import annotations

import pytest

from sim.cli import EXIT_INVALID, main
from sim.runs.batch import BatchError, parse_sweep

BIG = "1" + "0" * 309  # 10**309: an int Python holds, a float cannot


@pytest.mark.parametrize("spec", [f"0:{BIG}:1", f"-{BIG}:0:1", f"0:1:{BIG}",
                                  f"{BIG}:{BIG}:{BIG}"],
                         ids=["stop", "start", "step", "all"])
def test_a_huge_integer_is_not_a_finite_number(spec):
    with pytest.raises(BatchError, match=r"start:stop:step must be finite numbers with step > 0"):
        parse_sweep(f"channels.email.loss={spec}")


def test_a_span_too_large_for_a_float_asks_for_a_larger_step():
    # each end fits in a float, the distance between them does not
    big = "1" + "0" * 308
    with pytest.raises(BatchError, match=r"gives more than 1,000 values; use a larger step"):
        parse_sweep(f"channels.email.loss=-{big}:{big}:1")


def test_the_command_says_so_in_one_line_and_exits_2(tmp_path, capsys):
    out = tmp_path / "o"
    code = main(["batch", "tutorial", "-n", "2", "--jobs", "1", "--out", str(out),
                 "--sweep", f"channels.email.loss=0:{BIG}:1"])
    err = capsys.readouterr().err
    assert code == EXIT_INVALID
    assert err.strip().splitlines() == [
        "drill batch: sweep 'channels.email.loss': start:stop:step must be finite numbers "
        "with step > 0"]
    assert "internal error" not in err and not out.exists()


def test_ordinary_ranges_are_unchanged():
    assert [v.name for v in parse_sweep("channels.email.loss=0:0.3:0.1")] == [
        "loss=0", "loss=0.1", "loss=0.2", "loss=0.3"]
    big = 10 ** 20
    assert [v.changes[0][1] for v in parse_sweep(f"drill.x=0:{big}:{big // 2}")] == [
        0, big // 2, big]
