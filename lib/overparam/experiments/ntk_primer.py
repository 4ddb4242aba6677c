"""The primer's experiments: the four steps of Du, Zhai, Póczos & Singh (ICLR 2019), one function each.

Setting (Du et al., Section 3): ``TwoLayerNet`` f(W, x) = sum_r v_r relu(w_r^T x), w_r(0) ~ N(0, I_d)
trained, v_r = ±1/sqrt(m) fixed, inputs on the unit sphere, loss 1/2 ||u - y||^2 ("half_sum"), full-batch
gradient descent. The four steps, and ``replicate`` that runs them on another data set:

1. ``limit_spectrum``: lambda0 = lambda_min(H∞) > 0 (Theorem 3.1);
2. ``gram_concentration``: H(0) approaches H∞ like m^(-1/2) (Lemma 3.1);
3. ``gd_convergence``: the loss falls below (1 - eta lambda0 / 2)^k (Theorem 4.1);
4. ``lazy_training``: every neuron stays within R' of its start, few activations flip (Lemma 4.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..data import load_digits_binary, min_separation, sphere_points
from ..kernels import gram_min_eigenvalue, relu_ntk_infinite
from ..measure import probes
from ..measure.fit import RateFit, SlopeFit, linear_rate, loglog_slope
from ..measure.ntk import two_layer_gram
from ..nets import TwoLayerNet
from ..runtime import derive_seed, generator_for
from ..runtime.progress import progress as show_progress
from ..theory import du2019
from ..train import train

__all__ = [
    "RATE_WINDOW", "ROUNDOFF", "GDStudy", "GramStudy", "LazyStudy", "Problem", "Replication", "Spectrum",
    "digits_problem", "gd_convergence", "gram_concentration", "lazy_training", "limit_spectrum", "replicate",
    "sphere_problem", "width_requirements",
]

LOSS = "half_sum"  # Du et al.'s Phi(W) = 1/2 sum_i (f(W, x_i) - y_i)^2
ROUNDOFF = 1e3 * float(np.finfo(float).eps)  # relative floor under which an eigenvalue is round-off
RATE_WINDOW = (0.1, 1e-3)  # the sweep fits its rate where loss/loss(0) is between these (the linear phase)


# ------------------------------------------------------------------------------------------------ data
@dataclass(frozen=True, eq=False)
class Problem:
    """Inputs on the unit sphere (rows of ``X``) with labels ±1 (``y``), as float tensors on one device."""

    X: torch.Tensor
    y: torch.Tensor

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        """Input dimension."""
        return int(self.X.shape[1])


def sphere_problem(n: int, d: int, delta: float, *, rng: np.random.Generator,
                   dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu") -> Problem:
    """n points uniform on S^{d-1}, at least ``delta`` apart, with random ±1 labels (the hardest case).

    Parameters
    ----------
    n, d, delta : int, int, float
        Samples, input dimension and minimum pairwise distance (rejection sampling, ``data.sphere_points``).
    rng : numpy.random.Generator
        Draws the points, then the labels.
    dtype, device
        Of the returned tensors.

    Returns
    -------
    Problem
    """
    X = sphere_points(n, d, delta=delta, rng=rng)
    y = np.where(rng.standard_normal(n) >= 0, 1.0, -1.0)
    return Problem(torch.tensor(X, dtype=dtype, device=device), torch.tensor(y, dtype=dtype, device=device))


def digits_problem(n: int, *, seed: int, classes: tuple[int, int] = (0, 1), dtype: torch.dtype = torch.float64,
                   device: str | torch.device = "cpu") -> Problem:
    """Two classes of scikit-learn's bundled 8x8 digits, centred and put on the unit sphere (d = 64), labels ±1.

    Parameters
    ----------
    n, seed : int
        Number of images drawn (without replacement) from the two classes, and the seed of the draw.
    classes : (int, int)
        The digits; the first gets the label +1.
    dtype, device
        Of the returned tensors.

    Returns
    -------
    Problem
    """
    X, y = load_digits_binary(classes=classes, n=n, seed=seed)
    return Problem(torch.tensor(X, dtype=dtype, device=device), torch.tensor(y, dtype=dtype, device=device))


# --------------------------------------------------------------------------------------------- step 1
@dataclass(frozen=True)
class Spectrum:
    """The extreme eigenvalues of H∞ on one data set, its separation and the round-off floor (an
    eigenvalue below ``floor`` is indistinguishable from 0)."""

    lambda0: float
    lambda_max: float
    separation: float
    floor: float


def limit_spectrum(problem: Problem) -> Spectrum:
    """Theorem 3.1 of Du et al. (2019): lambda0 = lambda_min(H∞) > 0 when no two inputs are parallel.

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    Spectrum
        lambda_min and lambda_max of H∞ (float64), the minimum distance between two inputs, and the
        round-off floor ``ROUNDOFF * lambda_max`` that lambda0 must exceed to count as positive.
    """
    eigs = torch.linalg.eigvalsh(relu_ntk_infinite(problem.X)).cpu().numpy()
    lam_max = float(eigs[-1])
    return Spectrum(float(eigs[0]), lam_max, min_separation(problem.X.cpu().numpy()), ROUNDOFF * lam_max)


# --------------------------------------------------------------------------------------------- step 2
@dataclass(frozen=True, eq=False)
class GramStudy:
    """``runs``: one row per (m, repeat); ``by_width``: their means per m; ``fit``: the log-log slope of
    the mean relative Frobenius error against m."""

    runs: pd.DataFrame
    by_width: pd.DataFrame
    fit: SlopeFit


def gram_concentration(problem: Problem, widths: Sequence[int], *, repeats: int, seed: int,
                       progress: bool = True) -> GramStudy:
    """Lemma 3.1 of Du et al. (2019): H(0) concentrates around H∞, each entry an average of m bounded terms.

    Parameters
    ----------
    problem : Problem
    widths : sequence of int
        Widths m (at least three, for the slope).
    repeats, seed : int
        Networks per width, and their root seed (network (m, r) from ``generator_for(seed, m, r)``).
    progress : bool
        Show a progress bar on the pipeline's terminal.

    Returns
    -------
    GramStudy
        Per (m, repeat): ``rel_frobenius_error`` ||H(0) - H∞||_F / ||H∞||_F, ``spectral_error``
        ||H(0) - H∞||_2 and ``lambda_min`` of H(0); the fitted slope of the mean error against m (the
        lemma predicts -1/2).
    """
    X = problem.X
    H_inf = relu_ntk_infinite(X)
    norm_inf = float(torch.linalg.matrix_norm(H_inf))
    rows = []
    for m in show_progress(widths, desc="Gram vs width", enabled=progress, leave=False):
        for r in range(repeats):
            net = TwoLayerNet(problem.d, int(m), generator=generator_for(seed, int(m), r), dtype=X.dtype,
                              device=X.device)
            H = two_layer_gram(net, X)
            diff = H - H_inf
            rows.append({"m": int(m), "repeat": r,
                         "rel_frobenius_error": float(torch.linalg.matrix_norm(diff)) / norm_inf,
                         "spectral_error": float(torch.linalg.matrix_norm(diff, ord=2)),
                         "lambda_min": gram_min_eigenvalue(H)})
    runs = pd.DataFrame(rows)
    by_width = runs.drop(columns="repeat").groupby("m").mean()
    return GramStudy(runs, by_width, loglog_slope(by_width.index, by_width["rel_frobenius_error"]))


# --------------------------------------------------------------------------------------------- step 3
@dataclass(frozen=True, eq=False)
class GDStudy:
    """GD at a few widths. ``curves``: long table (m, step, loss, envelope); ``runs``: one row per m with
    the fitted rate, its interval, the steps run and ``envelope_ratio`` = max_k loss(k) / envelope(k);
    ``widest_fit`` and ``envelope_ratio`` (<= 1 where the theorem's bound holds) at the widest width."""

    eta: float
    rho_theory: float
    curves: pd.DataFrame
    runs: pd.DataFrame
    widest: int
    widest_fit: RateFit
    envelope_ratio: float


def gd_convergence(problem: Problem, widths: Sequence[int], *, eta: float, lambda0: float, steps: int,
                   seed: int, tol: float, progress: bool = True) -> GDStudy:
    """Theorem 4.1 of Du et al. (2019): ||u(k) - y||^2 <= (1 - eta lambda0 / 2)^k ||u(0) - y||^2.

    Trains one ``TwoLayerNet`` per width by full-batch GD on the loss 1/2 ||u - y||^2 until it is at
    most ``tol`` (or for ``steps`` steps) and fits its per-step factor after the first tenth of the run.

    Parameters
    ----------
    problem : Problem
    widths : sequence of int
        Widths m; the last is the one the theorem is checked at.
    eta, lambda0 : float
        Step size, and lambda_min(H∞) of the problem.
    steps, seed : int
        Most GD steps, and the root seed (network of width m from ``generator_for(seed, m)``).
    tol : float
        Absolute loss at which a run stops.
    progress : bool
        Show progress bars on the pipeline's terminal.

    Returns
    -------
    GDStudy
    """
    curves, runs = [], []
    for m in widths:
        net = TwoLayerNet(problem.d, int(m), generator=generator_for(seed, int(m)), dtype=problem.X.dtype,
                          device=problem.X.device)
        log = train(net, problem.X, problem.y, eta=eta, steps=steps, loss=LOSS, stop="absolute", tol=tol,
                    progress=progress, desc=f"GD m={m}")
        envelope = du2019.loss_bound(log.loss[0], eta, lambda0, log.steps_run)
        fit = linear_rate(log.loss, start=len(log.loss) // 10)
        ratio = np.divide(log.loss, envelope, out=np.full_like(envelope, np.inf), where=envelope > 0)
        curves.append(pd.DataFrame({"m": int(m), "step": np.arange(log.loss.size), "loss": log.loss,
                                    "envelope": envelope}))
        runs.append({"m": int(m), "steps": log.steps_run, "converged": log.converged, "rate": fit.rate,
                     "rate_lo": fit.lo, "rate_hi": fit.hi, "envelope_ratio": float(ratio.max())})
    return GDStudy(eta, du2019.rate_bound(eta, lambda0), pd.concat(curves, ignore_index=True),
                   pd.DataFrame(runs), int(widths[-1]), fit, runs[-1]["envelope_ratio"])


# --------------------------------------------------------------------------------------------- step 4
@dataclass(frozen=True, eq=False)
class LazyStudy:
    """``runs``: one row per (m, repeat) (see ``lazy_training``); ``by_width``: means per m; the log-log
    fits of the largest neuron distance and of the flipped fraction against m."""

    runs: pd.DataFrame
    by_width: pd.DataFrame
    distance_fit: SlopeFit
    flips_fit: SlopeFit

    @property
    def max_R_ratio(self) -> float:
        """The largest measured distance as a fraction of R' (<= 1 where Lemma 4.1 holds)."""
        return float(self.runs["R_ratio"].max())

    @property
    def narrowest_converged(self) -> int | None:
        """The narrowest width at which every repeat reached its tolerance (None if none did)."""
        ok = self.runs.groupby("m")["converged"].all()
        return int(ok[ok].index.min()) if ok.any() else None


def lazy_training(problem: Problem, widths: Sequence[int], *, repeats: int, seed: int, eta: float,
                  lambda0: float, steps: int, tol_fraction: float = 1e-4, progress: bool = True) -> LazyStudy:
    """Lemma 4.1 of Du et al. (2019): every neuron stays within R' = 4 sqrt(n) ||y - u(0)|| / (sqrt(m) lambda0)
    of its initialisation, so distance and flipped activations shrink like m^(-1/2). Trains by GD on the
    loss 1/2 ||u - y||^2 at every width and repeat.

    Parameters
    ----------
    problem : Problem
    widths : sequence of int
        Widths m (at least three, for the slopes).
    repeats, seed : int
        Networks per width, and their root seed (network (m, r) from ``generator_for(seed, m, r)``).
    eta, lambda0 : float
        Step size, and lambda_min(H∞) of the problem.
    steps : int
        Most GD steps per run.
    tol_fraction : float
        A run stops when its loss is at most this fraction of its initial loss.
    progress : bool
        Show a progress bar on the pipeline's terminal.

    Returns
    -------
    LazyStudy
        Per (m, repeat): ``steps``, ``converged``, ``loss0``, ``final_loss_ratio``, ``rate`` (fitted where
        the loss is between ``RATE_WINDOW`` fractions of loss(0); NaN when fewer than 3 steps are),
        ``neuron_distance`` max_r ||w_r(T) - w_r(0)|| (Du et al.'s R), ``relative_distance``
        ||W(T) - W(0)||_F / ||W(0)||_F, ``flips`` (the fraction of patterns 1{w_r^T x_i >= 0} that changed),
        ``R_prime`` and ``R_ratio``.
    """
    X, y = problem.X, problem.y
    rows = []
    runs = [(int(m), r) for m in widths for r in range(repeats)]
    for m, r in show_progress(runs, desc="GD vs width", enabled=progress, leave=False):
        net = TwoLayerNet(problem.d, m, generator=generator_for(seed, m, r), dtype=X.dtype, device=X.device)
        pr = {"neuron_distance": probes.max_neuron_distance(net),
              "relative_distance": probes.distance_from_init(net, relative=True),
              "flips": probes.activation_flips(net, X)}
        with torch.no_grad():
            loss0 = 0.5 * float(((net(X) - y) ** 2).sum())
        log = train(net, X, y, eta=eta, steps=steps, loss=LOSS, probes=pr, probe_every=max(steps, 1),
                    stop="absolute", tol=tol_fraction * loss0, progress=False)
        ratio = log.loss / log.loss[0]
        start = int(np.argmax(ratio <= RATE_WINDOW[0]))
        below = np.nonzero(ratio <= RATE_WINDOW[1])[0]
        stop = int(below[0]) + 1 if below.size else len(ratio)
        rate = linear_rate(log.loss, start, stop).rate if stop - start >= 3 else np.nan
        rows.append({"m": m, "repeat": r, "steps": log.steps_run, "converged": log.converged,
                     "loss0": float(log.loss[0]), "final_loss_ratio": float(ratio[-1]), "rate": rate,
                     **{k: float(v[-1]) for k, v in log.probes.items()}})
    runs = pd.DataFrame(rows)
    runs["R_prime"] = [du2019.neuron_radius_bound(problem.n, m, float(np.sqrt(2 * l0)), lambda0)
                       for m, l0 in zip(runs["m"], runs["loss0"])]
    runs["R_ratio"] = runs["neuron_distance"] / runs["R_prime"]
    by_width = runs.drop(columns=["repeat", "converged"]).groupby("m").mean()
    return LazyStudy(runs, by_width, loglog_slope(by_width.index, by_width["neuron_distance"]),
                     loglog_slope(by_width.index, by_width["flips"]))


# ------------------------------------------------------------------------------------------ real data
@dataclass(frozen=True, eq=False)
class Replication:
    """Steps 1, 2 and 4 on another data set, with ``worst_rate``, the largest fitted per-step factor
    over the repeats at the widest width, against Theorem 4.1's ``rho_theory``."""

    spectrum: Spectrum
    gram: GramStudy
    lazy: LazyStudy
    eta: float
    rho_theory: float
    worst_rate: float


def replicate(problem: Problem, *, gram_widths: Sequence[int], sweep_widths: Sequence[int],
              gram_repeats: int, sweep_repeats: int, steps: int, seed: int,
              progress: bool = True) -> Replication:
    """Theorem 3.1, Lemma 3.1, Theorem 4.1 and Lemma 4.1 of Du et al. (2019) on one more data set.

    The step size is eta = 1 / lambda_max(H∞), as in the chapter's synthetic steps; the rate of
    Theorem 4.1 is checked on the width sweep's runs at the widest width.

    Parameters
    ----------
    problem : Problem
    gram_widths, sweep_widths : sequence of int
        Widths of the Gram study and of the GD width sweep.
    gram_repeats, sweep_repeats, steps : int
        Networks per width in each, and the most GD steps per run.
    seed : int
        Root seed; the two studies draw from its sub-streams "gram" and "lazy".
    progress : bool
        Show progress bars on the pipeline's terminal.

    Returns
    -------
    Replication
    """
    spectrum = limit_spectrum(problem)
    eta = 1.0 / spectrum.lambda_max
    gram = gram_concentration(problem, gram_widths, repeats=gram_repeats, seed=derive_seed(seed, "gram"),
                              progress=progress)
    lazy = lazy_training(problem, sweep_widths, repeats=sweep_repeats, seed=derive_seed(seed, "lazy"),
                         eta=eta, lambda0=spectrum.lambda0, steps=steps, progress=progress)
    worst = float(lazy.runs.loc[lazy.runs["m"] == lazy.runs["m"].max(), "rate"].max())
    return Replication(spectrum, gram, lazy, eta, du2019.rate_bound(eta, spectrum.lambda0), worst)


def width_requirements(rows: Mapping[str, tuple[int, float, int | None]], p_fail: float) -> pd.DataFrame:
    """The widths Lemma 3.1 and Theorem 4.1 of Du et al. (2019) ask for (hidden constants 1) beside the
    narrowest width that trained.

    Parameters
    ----------
    rows : mapping
        Data set name -> (n, lambda0, narrowest width at which GD converged for every repeat, or None).
    p_fail : float
        Failure probability over the initialisation.

    Returns
    -------
    pandas.DataFrame
        Indexed by data set.
    """
    return pd.DataFrame([{"data": name, "n": n, "λ0": lam,
                          "Lemma 3.1 width n²log(n/p)/λ0²": du2019.gram_concentration_width(n, lam, p_fail),
                          "Thm 4.1 width n⁶/(λ0⁴p³)": du2019.width_requirement(n, lam, p_fail),
                          "narrowest width trained (all seeds converged)": narrowest}
                         for name, (n, lam, narrowest) in rows.items()]).set_index("data")
