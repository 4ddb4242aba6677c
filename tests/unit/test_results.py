import json

import numpy as np
import pytest

from overparam.book.checks import at_least, at_most, band, holds, within
from overparam.book.results import Results, atomic_write_text, load_results


def test_round_trip_and_strict_json(tmp_path):
    r = Results("demo", meta={"profile": "quick"}, config={"n": np.int64(5)})
    r.check("a", at_most(np.float64(0.5), 1.0), title="t", predicted=np.array([1.0, np.inf]), reason="because")
    r.check("b", within(float("nan"), 1.0, 0.5), title="t", kind="bound")
    path = r.save(tmp_path / "results.json")
    back = load_results(path)
    assert back["checks"]["a"] == {"title": "t", "kind": "claim", "source": None, "measured": 0.5,
                                   "predicted": [1.0, None], "verdict": "pass",
                                   "conditions": {"value": {"rule": "at_most", "value": 0.5, "bound": 1.0}},
                                   "reason": "because: 0.5 ≤ 1"}
    assert back["checks"]["b"]["verdict"] == "fail" and back["checks"]["b"]["measured"] is None
    assert back["config"]["n"] == 5
    json.loads(path.read_text())  # strict JSON: no NaN literals


def test_duplicate_check_is_an_error():
    r = Results("demo")
    r.check("a", at_least(1, 0), title="t")
    with pytest.raises(KeyError):
        r.check("a", at_least(1, 0), title="t")


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


@pytest.mark.parametrize("cond,expected", [
    (within(-0.47, -0.5, 0.1), True), (within(-0.35, -0.5, 0.1), False), (within(-0.6, -0.5, 0.1), True),
    (band(1.2, 1.0, 2.5), True), (band(2.6, 1.0, 2.5), False), (at_most(1.0, 1.0), True),
    (at_most(1.0 + 1e-12, 1.0), False), (at_least(0.0, 0.0), True), (at_least(-1e-300, 0.0), False),
    (at_most(float("inf"), 1.0), False), (at_least(float("nan"), -1e9), False),
])
def test_conditions_decide_from_their_json_form(cond, expected):
    assert cond.holds() is expected
    assert holds(json.loads(json.dumps(cond.as_dict()))) is expected


def test_checks_need_conditions_and_known_kinds():
    r = Results("demo")
    with pytest.raises(TypeError, match="Condition"):
        r.check("a", True, title="t")
    with pytest.raises(ValueError, match="kind"):
        r.check("a", at_least(1, 0), title="t", kind="guess")
    with pytest.raises(ValueError, match="tolerance"):
        within(1.0, 1.0, float("nan"))
    with pytest.raises(ValueError, match="empty band"):
        band(1.0, 2.0, 1.0)


def test_named_conditions_all_must_hold():
    r = Results("demo")
    e = r.check("a", {"rate": at_most(0.9, 0.95), "envelope": at_most(1.2, 1.0)}, title="t")
    assert e["verdict"] == "fail" and set(e["conditions"]) == {"rate", "envelope"}
    assert "envelope: 1.2 ≤ 1" in e["reason"]
