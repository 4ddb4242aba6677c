"""The one call into the two-layer ensemble trainer, with the paper's loss, SGD scaling and stopping rule.

Oymak & Soltanolkotabi (2020) train on the sum loss 1/2 sum_i (f(x_i; W) - y_i)^2 (eq. 2.1), their SGD (eq.
2.9) is the plain single-sample step without an n/b rescaling, and Figure 2 stops a run once its relative
error ||f - y|| / ||y|| falls below a threshold. All three are passed to the trainer explicitly, so that its
defaults never matter (the training convention in ``overparam.train``).
"""

from __future__ import annotations

from ...train import EnsembleResult, Problems, train_two_layer_ensemble

__all__ = ["train_networks"]


def train_networks(problems: Problems, activation: str, eta, steps: int, *, batch_size: int | None = None,
                   tol: float | None = None, **kw) -> EnsembleResult:
    """``train_two_layer_ensemble`` on the loss 1/2 ||f - y||^2; SGD (``batch_size``) with the plain sum step.

    Parameters
    ----------
    problems : Problems
        The networks (X, y, W0, v).
    activation : str
        "softplus" or "relu".
    eta : float or sequence of float
        The step size, one or one per network.
    steps : int
        Updates (GD steps, or SGD steps of ``batch_size`` samples).
    batch_size : int, optional
        None for full-batch GD; 1 for the paper's SGD (eq. 2.9).
    tol : float, optional
        Stop a network once ||f - y|| / ||y|| <= tol (Figure 2's rule); None runs every step.
    **kw
        Passed on to the trainer (``history``, ``device``, ``dtype``, ``seed``, ...); progress is off unless
        asked for.

    Returns
    -------
    EnsembleResult
    """
    kw.setdefault("progress", False)
    return train_two_layer_ensemble(problems, activation, eta, steps, loss="half_sum", batch_size=batch_size,
                                    sgd_scale="sum", stop=None if tol is None else "relative", tol=tol, **kw)
