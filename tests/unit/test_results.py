import json

import numpy as np
import pytest

from overparam.book.results import Results, atomic_write_text, load_results


def test_round_trip_and_strict_json(tmp_path):
    r = Results("demo", meta={"profile": "quick"}, config={"n": np.int64(5)})
    r.check("a", title="t", measured=np.float64(0.5), predicted=np.array([1.0, np.inf]),
            passed=np.bool_(True), reason="because")
    r.check("b", title="t", measured=float("nan"), predicted=1, passed=False, reason="no")
    path = r.save(tmp_path / "results.json")
    back = load_results(path)
    assert back["checks"]["a"] == {"title": "t", "measured": 0.5, "predicted": [1.0, None],
                                   "verdict": "pass", "reason": "because"}
    assert back["checks"]["b"]["verdict"] == "fail" and back["checks"]["b"]["measured"] is None
    assert back["config"]["n"] == 5
    json.loads(path.read_text())  # strict JSON: no NaN literals


def test_duplicate_check_is_an_error():
    r = Results("demo")
    r.check("a", title="t", measured=1, predicted=1, passed=True, reason="")
    with pytest.raises(KeyError):
        r.check("a", title="t", measured=1, predicted=1, passed=True, reason="")


def test_atomic_write_never_leaves_half_a_file(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write_text(target, "good")

    class Boom:
        def __str__(self):
            raise RuntimeError("interrupted")

    with pytest.raises(TypeError):
        atomic_write_text(target, Boom())  # fails while writing
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary left behind
