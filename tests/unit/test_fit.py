import numpy as np
import pytest

from overparam.measure.fit import linear_rate, loglog_slope, steps_to_reach


def test_exact_power_law():
    x = np.array([1, 2, 4, 8, 16.0])
    fit = loglog_slope(x, 3 * x**-0.5)
    assert fit.slope == pytest.approx(-0.5) and fit.lo == pytest.approx(-0.5) and fit.hi == pytest.approx(-0.5)


def test_interval_covers_truth_on_noisy_data():
    rng = np.random.default_rng(0)
    x = np.geomspace(10, 1e4, 12)
    covered = 0
    for _ in range(200):
        y = x**-0.5 * np.exp(0.1 * rng.standard_normal(x.size))
        covered += loglog_slope(x, y).contains(-0.5)
    assert 0.88 <= covered / 200 <= 0.99  # nominal 95%


def test_linear_rate_of_geometric_sequence():
    losses = 5.0 * 0.97 ** np.arange(200)
    fit = linear_rate(losses)
    assert fit.rate == pytest.approx(0.97, rel=1e-10)
    assert steps_to_reach(losses, 0.5) == int(np.ceil(np.log(0.5) / np.log(0.97)))
    assert steps_to_reach(losses, 1e-30) is None


def test_bad_input():
    with pytest.raises(ValueError):
        loglog_slope([1, 2], [1, 2])
    with pytest.raises(ValueError, match="positive"):
        loglog_slope([1, 2, 3], [1, -2, 3])


def test_mean_interval_is_the_student_t_interval():
    from scipy import stats

    from overparam.measure.fit import mean_interval

    v = np.array([0.3, -0.1, 0.5, 0.2, 0.4, np.nan])
    mean, lo, hi = mean_interval(v, level=0.9)
    finite = v[np.isfinite(v)]
    ref = stats.t.interval(0.9, df=finite.size - 1, loc=finite.mean(), scale=stats.sem(finite))
    assert mean == pytest.approx(finite.mean())
    assert (lo, hi) == pytest.approx(ref)
    assert mean_interval([1.0])[1:] == (-np.inf, np.inf)


def test_exponent_over_seeds_recovers_a_power_law_and_covers_it_with_noise():
    from overparam.measure.fit import exponent_over_seeds

    x = np.array([64.0, 128, 256, 512, 1024])
    exact = exponent_over_seeds(x, np.tile(3.0 * x ** -0.5, (6, 1)))
    assert exact.slope == pytest.approx(-0.5) and exact.interval == pytest.approx((-0.5, -0.5))
    rng = np.random.default_rng(0)
    noisy = 3.0 * x ** -0.5 * np.exp(rng.normal(0, 0.1, size=(20, x.size)))
    fit = exponent_over_seeds(x, noisy, seed=1)
    assert fit.lo < -0.5 < fit.hi and fit.n_seeds == 20
