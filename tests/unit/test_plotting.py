import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from overparam import plotting  # noqa: E402
from overparam.measure.fit import loglog_slope  # noqa: E402


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
