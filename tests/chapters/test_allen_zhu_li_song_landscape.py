"""Allen-Zhu, Li & Song (2019), the landscape section (Figures 1-7): its checks asserted from results.json.

The section's one check (``landscape_*``) is re-decided from the numbers recorded with it against the rule
fixed before the run (the claims map, §3): the smallest crossover radius r*/u over every panel must be at least
10 (one SGD step u = eta_t ||g||), and every panel must have a converged negative Oja estimate, else the check
is inconclusive. The recorded numbers are also checked against the read-out table they came from, so that the
verdict cannot drift from the data drawn in the figure.
"""

import math

import pandas as pd
import pytest

from .common import decide

NAME = "allen_zhu_li_song"
EXPECTED = {"landscape_gradient_suffices": "inconclusive"}
RULE = 10.0


@pytest.fixture(scope="module")
def az(chapter):
    return chapter(NAME)


def _table(az, name):
    (path,) = [t for t in az.results["tables"] if t.rsplit("/", 1)[-1] == f"{name}.csv"]
    return pd.read_csv(az.dir / path)


def test_landscape_checks_have_their_fixed_rules_and_verdicts(az):
    keys = {k for k in az.checks if k.startswith("landscape_")}
    assert keys == set(EXPECTED)
    for key, want in EXPECTED.items():
        c = az.checks[key]
        assert c["kind"] == "remark" and "l.218" in c["source"] and "second-order" in c["source"]
        cross, oja = c["conditions"]["r*/u at the worst panel"], c["conditions"]["panels with a converged negative λ̂min"]
        assert cross["rule"] == "at_least" and math.isclose(cross["bound"], RULE)
        n_valid, n_panels = oja["interval"]
        assert oja["rule"] == "exceeds" and math.isclose(oja["bound"], n_panels - 0.5)
        assert oja["value"] == n_valid and n_panels == 12
        outcomes = [decide(cross), decide(oja)]
        decided = "fail" if "fail" in outcomes else "inconclusive" if "inconclusive" in outcomes else "pass"
        assert c["verdict"] == decided == want, c["reason"]


def test_recorded_numbers_are_the_read_out_tables(az):
    c = az.checks["landscape_gradient_suffices"]["conditions"]
    frame = _table(az, "landscape_readout")
    assert len(frame) == 12 and set(frame.dataset) == {"mnist", "mnist_noisy"}
    assert c["r*/u at the worst panel"]["value"] == pytest.approx(frame.r_star_over_u.min(), rel=1e-9)
    assert c["panels with a converged negative λ̂min"]["value"] == int(frame.oja_valid.sum())
    # the crossover radius is one of the read-out's radii range, and u is one SGD step at the epoch's rate
    radii = az.results["config"]["landscape_radii"]
    assert frame.r_star_over_u.between(radii[0], radii[-1]).all()
    assert frame.u.to_numpy() == pytest.approx((frame.lr * frame.grad_norm).to_numpy(), rel=1e-9)
    assert frame.groupby("dataset").epoch.apply(list).tolist() == [[1, 4, 9, 12, 13, 16]] * 2
    runs = _table(az, "landscape_runs")
    assert runs.n_panels.tolist() == [6, 6] and runs.min_ratio.min() == pytest.approx(frame.r_star_over_u.min())


def test_landscape_figure_and_parameters_are_on_the_page(az):
    assert "figures/landscape_panels.png" in az.results["figures"]
    drawn = pd.read_csv(az.dir / "figures" / "landscape_panels.csv")
    grid = az.results["config"]["landscape_grid"]
    assert (drawn.kind == "grid").sum() == 12 * grid * grid
    params = _table(az, "landscape_parameters")
    assert {"quick", "paper"} <= set(params.columns) and len(params) == sum(
        k.startswith("landscape_") for k in az.results["config"])
    values = az.results["values"]
    assert values["landscape_n_panels"] == 12 and values["landscape_oja_scale"] > 1
