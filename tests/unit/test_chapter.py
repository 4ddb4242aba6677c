import json

import numpy as np
import pandas as pd
import pytest
import torch

from overparam import Chapter
from overparam.book import chapter
from overparam.book.checks import at_most, within
from overparam.book.params import PROFILES, validate_device, validate_profile
from overparam.runtime import derive_seed, generator_for, rng_for

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


def test_the_verdict_line_under_the_cell(tmp_path, monkeypatch):
    import IPython
    import IPython.display

    shown = []
    kernel_shell = type("Shell", (), {"kernel": object()})()
    monkeypatch.setattr(IPython, "get_ipython", lambda: kernel_shell)  # as under a kernel
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    ch = make(tmp_path)
    ch.check("ok", within(1.0, 1.0, 0.1), title="Theorem 2.1", reason="the rate")
    ch.check("no", {"rate": at_most(2.0, 1.0)}, title="Lemma 3")
    lines = [o.data for o in shown if isinstance(o, IPython.display.Markdown)]
    assert lines == ["✅ **PASS** — *Theorem 2.1*: the rate: 1 within ±0.1 of 1",
                     "❌ **FAIL** — *Lemma 3*: rate: 2 ≤ 1"]


def test_outside_a_kernel_the_verdict_is_plain_text(tmp_path, capsys, monkeypatch):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: object())  # a terminal shell, no kernel
    make(tmp_path).check("ok", within(1.0, 1.0, 0.1), title="Theorem 2.1", reason="the rate")
    assert capsys.readouterr().out == "PASS: Theorem 2.1: the rate: 1 within ±0.1 of 1\n"


def test_named_streams_are_the_runtime_streams(tmp_path):
    ch = make(tmp_path, seed=5)
    assert ch.seed_for("figure2", "relu") == derive_seed(5, "figure2", "relu")
    assert ch.rng("figure2").random() == rng_for(5, "figure2").random()
    assert torch.equal(torch.rand(3, generator=ch.generator("w", 1)), torch.rand(3, generator=generator_for(5, "w", 1)))


@pytest.mark.parametrize("seed", [True, 1.5, "0", None])
def test_seed_must_be_an_integer(tmp_path, seed):
    with pytest.raises(ValueError, match="seed"):
        make(tmp_path, seed=seed)


def test_glue_keeps_scalars_and_the_last_value(tmp_path):
    ch = make(tmp_path)
    assert ch.glue("x", np.float64(1.5)) is None
    ch.glue("x", torch.tensor(2.5))
    ch.glue("v", np.array([1, 2]))
    assert ch.results.values["x"] == 2.5 and isinstance(ch.results.values["x"], float)
    ch.finish()
    assert json.loads((tmp_path / "results.json").read_text())["values"] == {"x": 2.5, "v": [1, 2]}


def test_profiles_and_devices_are_checked_in_one_place():
    assert validate_profile("paper") == "paper" and validate_device("cuda:1") == "cuda:1"
    assert chapter.validate_profile is validate_profile and chapter.PROFILES == PROFILES == ("quick", "paper")
    with pytest.raises(ValueError, match="valid devices: auto, cpu, cuda"):
        validate_device("gpu")


def test_glue_all_glues_every_value_in_order(tmp_path):
    ch = make(tmp_path)
    ch.glue_all({"a": 1, "b": 2.5})
    assert list(ch.results.values.items()) == [("a", 1), ("b", 2.5)]


def test_verdict_counts_per_kind(tmp_path):
    ch = make(tmp_path)
    ch.check("a", within(1.0, 1.0, 0.1), title="t", kind="claim")
    ch.check("b", within(2.0, 1.0, 0.1), title="t", kind="claim")
    ch.check("c", at_most(0.5, 1.0), title="t", kind="beyond")
    counts = ch.verdict_counts()
    assert counts.loc["claim", "pass"] == 1 and counts.loc["claim", "fail"] == 1
    assert counts.loc["total", "total"] == 3
    assert ch.verdict_counts_text() == "beyond: 1 pass; claim: 1 pass, 1 fail"
