import json

import pandas as pd
import pytest

from overparam import Chapter
from overparam.book.checks import within

SIZES = {"n": {"quick": 3, "paper": 1000}}


def make(tmp_path, **kw):
    args = {"profile": "quick", "device": "cpu", "seed": 0, "out_dir": tmp_path, "sizes": SIZES, **kw}
    return Chapter("demo", **args)


@pytest.mark.parametrize("kw,msg", [({"profile": "fast"}, "valid profiles: quick, paper"),
                                    ({"device": "tpu"}, "valid devices"),
                                    ({"seed": -1}, "seed"),
                                    ({"sizes": {"n": {"quick": 1}}}, "missing profiles")])
def test_bad_parameters_fail_at_once(tmp_path, kw, msg):
    with pytest.raises(ValueError, match=msg):
        make(tmp_path, **kw)


def test_sizes_outputs_and_results(tmp_path):
    import matplotlib.pyplot as plt

    ch = make(tmp_path)
    assert ch.sizes.n == 3
    assert list(ch.sizes_table().columns) == ["quick", "paper"]
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 2])
    ch.figure(fig, "line", data={"x": [0, 1], "y": [1, 2]})
    ch.table(pd.DataFrame({"a": [1.0]}), "tab")
    assert ch.check("c", within(1.0, 1.0, 0.1), title="t", reason="r") is None  # nothing echoed on the page
    ch.glue("value", 2.5)
    ch.finish()
    res = json.loads((tmp_path / "results.json").read_text())
    for ext in ("png", "svg", "csv"):
        assert (tmp_path / "figures" / f"line.{ext}").stat().st_size > 0
    assert (tmp_path / "tables" / "tab.md").exists()
    assert res["figures"] == ["figures/line.png"] and res["values"]["value"] == 2.5
    assert res["meta"]["profile"] == "quick" and res["config"] == {"n": 3}
    assert ch.summary_table().loc["c", "verdict"] == "pass"


def test_figure_without_data_is_refused(tmp_path):
    import matplotlib.pyplot as plt

    with pytest.raises(ValueError, match="CSV"):
        make(tmp_path).figure(plt.figure(), "nodata", data=None)


def test_named_streams_are_independent_and_reproducible(tmp_path):
    a, b = make(tmp_path), make(tmp_path, seed=1)
    assert a.rng("figure2").random() == make(tmp_path).rng("figure2").random()
    draws = {a.rng(name).integers(2**62) for name in ("figure2", "figure3", "figure2x", "a")}
    assert len(draws) == 4
    assert a.seed_for("figure2") != b.seed_for("figure2")
    # parts are separated: ("ab",) and ("a", "b") are different streams, and so are 1 and "1"
    assert a.seed_for("ab") != a.seed_for("a", "b") and a.seed_for(1) != a.seed_for("1")
    assert a.generator("w", 3).initial_seed() == a.seed_for("w", 3)
    with pytest.raises(ValueError, match="name the random stream"):
        a.rng()


def test_results_hold_no_wall_time_outside_meta(tmp_path):
    ch = make(tmp_path)
    ch.check("c", within(0.5, 0.5, 0.0), title="t")
    ch.finish()
    res = json.loads((tmp_path / "results.json").read_text())
    assert "wall_time_s" in res["meta"]
    assert "wall" not in json.dumps({k: v for k, v in res.items() if k != "meta"})
