import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from overparam import plotting
from overparam.measure.fit import loglog_slope
from overparam.measure.phase import fit_phase_boundary, success_grid


def test_mean_std_curves_draws_group_means_and_stds():
    rng = np.random.default_rng(0)
    df = pd.DataFrame([{"alpha": a, "seed": s, "step": t, "err": rng.random()}
                       for a in (-1.0, 0.0) for s in range(3) for t in range(4)])
    fig, ax = plt.subplots()
    drawn = plotting.mean_std_curves(ax, df, "err")
    g = df[df.alpha == -1.0].groupby("step")["err"]
    assert np.allclose(drawn["alpha=-1 mean"], g.mean()) and np.allclose(drawn["alpha=-1 std"], g.std())
    assert len(ax.lines) == 2
    plt.close(fig)


def test_power_law_returns_what_it_draws(tmp_path):
    x = np.array([64, 128, 256, 512.0])
    y = 3 * x**-0.5
    fig, ax = plt.subplots()
    drawn = plotting.power_law(ax, x, y, loglog_slope(x, y), ref_slope=-0.5)
    assert np.allclose(drawn["fit_y"], y) and np.allclose(drawn["reference_y"], y)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["$2^{6}$", "$2^{7}$", "$2^{8}$", "$2^{9}$"]
    paths = plotting.save_figure(fig, "law", tmp_path, data=drawn)
    assert pd.read_csv(paths["csv"]).shape == (4, 4)
    plt.close(fig)


def _phase_grid():
    """Success of networks on a (k, d) grid whose boundary is kd = 1.5 n, with one cell not run."""
    n, rng = 40, np.random.default_rng(0)
    ks, ds = [2, 4, 8, 16, 32], [2, 4, 8, 16]
    k, d = np.repeat(np.array(np.meshgrid(ks, ds, indexing="ij")).reshape(2, -1), 20, axis=1)  # 20 nets a cell
    p = 1 / (1 + np.exp(-4 * (np.log(k * d / n) - np.log(1.5))))
    success = rng.random(k.size) < p
    keep = ~((k == 32) & (d == 16))  # a cell that was not run: NaN in the grid
    grid = success_grid(k[keep], d[keep], success[keep], ks=ks, ds=ds)
    return n, grid, fit_phase_boundary(k[keep], d[keep], n, success[keep], n_boot=20, seed=1)


def test_phase_diagram_draws_the_grid_with_its_missing_cells():
    n, grid, fit = _phase_grid()
    assert grid.isna().sum().sum() == 1
    fig, ax = plt.subplots()
    drawn = plotting.phase_diagram(ax, grid, n, fit=fit, extra_c=[2.0], title="phases")
    # long form: one row per (k, d) cell, the value it drew, NaN where no network ran
    assert list(drawn.columns) == ["k", "d", "value"] and len(drawn) == grid.size
    for row in drawn.itertuples():
        want = grid.loc[int(row.k), int(row.d)]
        assert (np.isnan(want) and np.isnan(row.value)) or want == row.value
    mesh = ax.collections[0]
    values = mesh.get_array()
    assert values.size == grid.size and int(np.ma.getmaskarray(values).sum()) == 1  # the NaN cell is blank
    assert ax.get_title() == "phases" and len(fig.axes) == 2  # the diagram and its colour bar
    plt.close(fig)


def test_phase_diagram_draws_the_hyperbola_and_the_fitted_boundary():
    n, grid, fit = _phase_grid()
    assert np.isfinite(fit.c) and 0.5 < fit.c < 4  # the synthetic boundary is kd = 1.5 n
    fig, ax = plt.subplots()
    plotting.phase_diagram(ax, grid, n, fit=fit, extra_c=[2.0], colorbar=False)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert set(lines) == {"$kd = n$", f"fit: $kd = {fit.c:.2f}\\,n$", "$kd = 2\\,n$"}
    for label, c in (("$kd = n$", 1.0), (f"fit: $kd = {fit.c:.2f}\\,n$", fit.c), ("$kd = 2\\,n$", 2.0)):
        x, y = lines[label].get_data()
        assert np.allclose(np.asarray(x) * np.asarray(y), c * n)  # a hyperbola kd = c n
    assert len(fig.axes) == 1
    plt.close(fig)

    unfit = dataclasses.replace(fit, c=float("nan"))  # no boundary inside the grid: none drawn
    fig, ax = plt.subplots()
    plotting.phase_diagram(ax, grid, n, fit=unfit, colorbar=False)
    assert [ln.get_label() for ln in ax.get_lines()] == ["$kd = n$"]
    plt.close(fig)
