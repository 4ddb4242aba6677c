import json

import pandas as pd
import pytest

from overparam import Chapter

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
    ch.check("c", title="t", measured=1.0, predicted=1.0, passed=True, reason="r")
    ch.glue("value", 2.5)
    res = json.loads(ch.finish().read_text())
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
