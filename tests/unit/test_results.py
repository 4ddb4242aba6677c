import json

import numpy as np
import pytest

from overparam.book.checks import (
    as_conditions,
    at_least,
    at_most,
    band,
    decide,
    exceeds,
    holds,
    within,
)
from overparam.book.results import KINDS, Results, atomic_write_text, load_results, to_jsonable


def test_round_trip_and_strict_json(tmp_path):
    r = Results("demo", meta={"profile": "quick"}, config={"n": np.int64(5)})
    r.check("a", at_most(np.float64(0.5), 1.0), title="t", predicted=np.array([1.0, np.inf]), reason="because")
    r.check("b", within(float("nan"), 1.0, 0.5), title="t", kind="bound")
    path = r.save(tmp_path / "results.json")
    back = load_results(path)
    assert back["checks"]["a"] == {"title": "t", "kind": "claim", "source": None, "measured": 0.5,
                                   "predicted": [1.0, None], "verdict": "pass",
                                   "conditions": {"value": {"rule": "at_most", "value": 0.5, "bound": 1.0}},
                                   "reason": "because: 0.5 ≤ 1", "post_hoc": None}
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


@pytest.mark.parametrize("make,match", [
    (lambda: within(1.0, 1.0, -0.1), "non-negative"),
    (lambda: within(1.0, float("inf"), 0.1), "target"),
    (lambda: band(1.0, float("-inf"), 2.0), "lo"),
    (lambda: band(1.0, 0.0, float("nan")), "hi"),
    (lambda: at_most(1.0, float("inf")), "bound"),
    (lambda: at_least(1.0, None), "bound"),
])
def test_tolerances_must_be_finite(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_within_is_symmetric_and_inclusive():
    assert within(0.75, 0.5, 0.25).holds() and within(0.25, 0.5, 0.25).holds()
    assert within(3.0, 3.0, 0.0).holds() and not within(3.0 + 1e-12, 3.0, 0.0).holds()
    assert band(1.0, 1.0, 1.0).holds()


def test_scalars_of_numpy_and_torch_are_read():
    import torch

    assert at_most(torch.tensor(0.5), 1.0).as_dict()["value"] == 0.5
    assert within(np.float32(0.25), np.float64(0.25), np.int64(0)).holds()
    assert at_least(torch.tensor(float("nan")), 0.0).value is None


def test_unknown_rule_in_json_is_an_error():
    with pytest.raises(ValueError, match="unknown rule"):
        holds({"rule": "near", "value": 1.0})
    assert holds({"rule": "at_most", "value": None, "bound": 1.0}) is False


@pytest.mark.parametrize("cond,words,predicted", [
    (within(-0.473, -0.5, 0.1), "-0.473 within ±0.1 of -0.5", -0.5),
    (band(1.5, 1.0, 2.5), "1.5 in [1, 2.5]", [1.0, 2.5]),
    (at_most(0.5, 1.0), "0.5 ≤ 1", "≤ 1"),
    (at_least(2.0, 1.5), "2 ≥ 1.5", "≥ 1.5"),
    (at_least(float("nan"), 0.0), "not finite ≥ 0", "≥ 0"),
])
def test_conditions_in_words_and_what_they_predict(cond, words, predicted):
    assert cond.describe() == words
    assert cond.predicted() == predicted


def test_an_interval_is_recorded_but_does_not_decide():
    c = within(-0.47, -0.5, 0.1, interval=(np.float64(-0.7), float("inf")))
    assert c.holds()  # the interval reaches outside the tolerance; only the value decides
    assert c.as_dict()["interval"] == [-0.7, None]
    assert c.describe() == "-0.47 within ±0.1 of -0.5 (95% CI [-0.7, inf])"
    assert "interval" not in within(-0.47, -0.5, 0.1).as_dict()


def test_default_measured_predicted_and_reason_come_from_the_first_condition():
    r = Results("demo")
    e = r.check("a", {"slope": band(1.5, 1.0, 2.0), "fit": at_least(0.9, 0.8)}, title="t", kind="remark",
                source="Thm 1", r2=np.float64(0.95), widths=np.array([1, 2]))
    assert e["measured"] == 1.5 and e["predicted"] == [1.0, 2.0] and e["source"] == "Thm 1"
    assert e["reason"] == "slope: 1.5 in [1, 2]; fit: 0.9 ≥ 0.8" and e["verdict"] == "pass"
    assert e["r2"] == 0.95 and e["widths"] == [1, 2] and e["kind"] == "remark"
    e = r.check("b", at_most(3.0, 1.0), title="t", measured="3 of 4", predicted="none")
    assert e["measured"] == "3 of 4" and e["predicted"] == "none" and e["verdict"] == "fail"


def test_every_kind_is_accepted():
    r = Results("demo")
    for kind in KINDS:
        assert r.check(kind, at_least(1, 0), title="t", kind=kind)["kind"] == kind


@pytest.mark.parametrize("bad", [{}, {"a": True}, [at_most(1, 2)], 1.0, None])
def test_anything_but_conditions_is_refused(bad):
    with pytest.raises(TypeError, match="Condition"):
        as_conditions(bad)


def test_a_single_condition_is_named_value():
    c = at_most(1, 2)
    assert as_conditions(c) == {"value": c}
    assert list(as_conditions({"b": c, "a": c})) == ["b", "a"]  # order kept


def test_to_jsonable_gives_strict_json():
    import torch

    value = {1: np.array([1.0, np.nan]), "t": torch.tensor([2.0, float("inf")]), "b": np.bool_(True),
             "i": np.int32(3), "tup": (np.float32(0.5), float("-inf")), "s": "x"}
    out = to_jsonable(value)
    assert out == {"1": [1.0, None], "t": [2.0, None], "b": True, "i": 3, "tup": [0.5, None], "s": "x"}
    json.dumps(out, allow_nan=False)


def test_record_layout_and_meta_holds_the_chapter(tmp_path):
    r = Results("demo", meta={"seed": 0}, config={"n": 3})
    r.figures.append("figures/a.png")
    r.values["x"] = np.float64(float("nan"))
    back = load_results(r.save(tmp_path / "r.json"))
    assert list(back) == ["meta", "config", "checks", "figures", "tables", "values"]
    assert back["meta"] == {"chapter": "demo", "seed": 0} and back["values"] == {"x": None}


@pytest.mark.parametrize("interval,outcome", [((0.01, 0.05), "pass"), ((-0.05, -0.01), "fail"),
                                              ((-0.01, 0.05), "inconclusive"), ((0.0, 0.05), "inconclusive")])
def test_exceeds_decides_only_beyond_its_uncertainty(interval, outcome):
    cond = exceeds(0.02, 0.0, interval=interval)
    assert cond.decide() == outcome and decide(json.loads(json.dumps(cond.as_dict()))) == outcome
    assert cond.holds() is (outcome == "pass")


def test_a_check_is_inconclusive_only_when_nothing_fails():
    r = Results("demo")
    undecided = exceeds(0.02, 0.0, interval=(-0.01, 0.05))
    assert r.check("a", {"margin": undecided, "ok": at_most(1, 2)}, title="t")["verdict"] == "inconclusive"
    assert r.check("b", {"margin": undecided, "bad": at_most(3, 2)}, title="t")["verdict"] == "fail"
    e = r.check("c", exceeds(0.02, 0.0, interval=(0.01, 0.05)), title="t", post_hoc="band widened after the run")
    assert e["verdict"] == "pass" and e["post_hoc"] == "band widened after the run"
    with pytest.raises(ValueError, match="finite interval"):
        exceeds(0.02, 0.0, interval=(0.05, 0.01))
