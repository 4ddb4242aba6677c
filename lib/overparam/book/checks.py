"""The verdict rules of the book: a check is one or more conditions, each recorded with its tolerance.

A chapter never passes a bare boolean. It states each condition as a rule on a measured number with
the tolerance fixed in advance::

    ch.check("gram_converges", within(fit.slope, -0.5, 0.1, interval=(fit.lo, fit.hi)), title=...)
    ch.check("gd_rate", {"rate": at_most(fit.hi, rho), "envelope": at_most(worst_ratio, 1 + 1e-9)}, ...)

The check passes when every condition holds and fails when one fails. ``exceeds`` is the one rule with a
third outcome: an ordering or a sign measured with noise is decided only when its whole confidence
interval lies on one side of the bound, and is otherwise *inconclusive at this scale*; a check with an
inconclusive condition and no failing one is inconclusive. Each condition is written to ``results.json`` with its
rule, the measured value and the tolerance, so a test (or a reader of the JSON) can re-decide the
verdict from the numbers alone, and a test that asserts a value against its tolerance can fail when the
number moves. A value that is not finite (JSON ``null``) never satisfies a condition.

Rules: ``within`` (|value - target| <= tol), ``band`` (lo <= value <= hi), ``at_most`` (value <= bound),
``at_least`` (value >= bound), ``exceeds`` (the interval of value lies above bound: pass; below: fail;
across it: inconclusive).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RULES", "Condition", "as_conditions", "at_least", "at_most", "band", "decide", "exceeds", "holds",
           "within"]

RULES = ("within", "band", "at_most", "at_least", "exceeds")


def _num(x: Any) -> float | None:
    """A plain float, or None when it is missing or not finite."""
    if x is None:
        return None
    if hasattr(x, "item"):
        x = x.item()
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Condition:
    """One rule on one measured number (build it with ``within``, ``band``, ``at_most``, ``at_least``).

    Attributes
    ----------
    rule : str
        One of ``RULES``.
    value : float or None
        The measured number (None when not finite: the condition fails).
    params : dict
        The tolerance: ``target`` and ``tol`` (within), ``lo`` and ``hi`` (band) or ``bound``.
    interval : tuple of float, optional
        A confidence interval of ``value``, recorded for the reader (it does not enter the rule).
    """

    rule: str
    value: float | None
    params: Mapping[str, float]
    interval: tuple[float, float] | None = None

    def holds(self) -> bool:
        """Whether the measured value satisfies the rule.

        Returns
        -------
        bool
            Decided from the JSON form (``holds``), so the record and the verdict cannot disagree;
            False when the value is not finite.
        """
        return holds(self.as_dict())

    def decide(self) -> str:
        """The condition's outcome: "pass", "fail" or, for ``exceeds`` only, "inconclusive".

        Returns
        -------
        str
        """
        return decide(self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        """The JSON form written to ``results.json``.

        Returns
        -------
        dict
            ``rule``, ``value`` and the tolerance keys, plus ``interval`` when one was given.
        """
        out = {"rule": self.rule, "value": self.value, **dict(self.params)}
        if self.interval is not None:
            out["interval"] = [_num(self.interval[0]), _num(self.interval[1])]
        return out

    def describe(self) -> str:
        """The rule in words with its numbers, e.g. ``-0.473 within ±0.1 of -0.5``.

        Returns
        -------
        str
            The text that ends a check's reason; a recorded interval is appended as "(95% CI [lo, hi])".
        """
        v = "not finite" if self.value is None else f"{self.value:.4g}"
        p = self.params
        if self.rule == "within":
            text = f"{v} within ±{p['tol']:.3g} of {p['target']:.4g}"
        elif self.rule == "band":
            text = f"{v} in [{p['lo']:.4g}, {p['hi']:.4g}]"
        elif self.rule == "at_most":
            text = f"{v} ≤ {p['bound']:.4g}"
        elif self.rule == "at_least":
            text = f"{v} ≥ {p['bound']:.4g}"
        else:
            outcome = {"pass": "above", "fail": "below", "inconclusive": "not decided against"}[self.decide()]
            text = f"{v} > {p['bound']:.4g}, its interval {outcome} the bound"
        if self.interval is not None:
            text += f" (95% CI [{self.interval[0]:.4g}, {self.interval[1]:.4g}])"
        return text

    def predicted(self) -> Any:
        """What the rule expects, for the summary table's "predicted" column.

        Returns
        -------
        float, list of float or str
            The target (within), ``[lo, hi]`` (band), or "≤ bound" / "≥ bound" as text.
        """
        p = self.params
        return {"within": lambda: p["target"], "band": lambda: [p["lo"], p["hi"]],
                "at_most": lambda: f"≤ {p['bound']:.4g}", "at_least": lambda: f"≥ {p['bound']:.4g}",
                "exceeds": lambda: f"> {p['bound']:.4g}"}[self.rule]()


def _finite_param(name: str, x: Any) -> float:
    v = _num(x)
    if v is None:
        raise ValueError(f"the tolerance {name}={x!r} of a check must be a finite number")
    return v


def within(value: Any, target: float, tol: float, *,
           interval: tuple[float, float] | None = None) -> Condition:
    """|value - target| <= tol.

    Parameters
    ----------
    value : float
        The measured number.
    target : float
        What the theory predicts.
    tol : float
        The tolerance, fixed before the run (non-negative).
    interval : (float, float), optional
        A confidence interval of ``value`` to record beside it.

    Returns
    -------
    Condition

    Raises
    ------
    ValueError
        ``target`` or ``tol`` is not finite, or ``tol`` is negative.
    """
    tol = _finite_param("tol", tol)
    if tol < 0:
        raise ValueError(f"tol must be non-negative, got {tol}")
    return Condition("within", _num(value), {"target": _finite_param("target", target), "tol": tol}, interval)


def band(value: Any, lo: float, hi: float, *, interval: tuple[float, float] | None = None) -> Condition:
    """lo <= value <= hi (a band fixed in advance; ``lo`` may be ``-inf`` only through ``at_most``).

    Parameters
    ----------
    value : float
        The measured number.
    lo, hi : float
        The band's ends, lo <= hi.
    interval : (float, float), optional
        A confidence interval of ``value`` to record beside it.

    Returns
    -------
    Condition

    Raises
    ------
    ValueError
        ``lo`` or ``hi`` is not finite (a one-sided band is ``at_most`` or ``at_least``), or lo > hi.
    """
    lo, hi = _finite_param("lo", lo), _finite_param("hi", hi)
    if lo > hi:
        raise ValueError(f"empty band [{lo}, {hi}]")
    return Condition("band", _num(value), {"lo": lo, "hi": hi}, interval)


def at_most(value: Any, bound: float, *, interval: tuple[float, float] | None = None) -> Condition:
    """value <= bound (an upper bound of the theory, or a count that must stay at zero).

    Parameters
    ----------
    value : float
        The measured number.
    bound : float
        The largest value that passes.
    interval : (float, float), optional
        A confidence interval of ``value`` to record beside it.

    Returns
    -------
    Condition

    Raises
    ------
    ValueError
        ``bound`` is not finite.
    """
    return Condition("at_most", _num(value), {"bound": _finite_param("bound", bound)}, interval)


def at_least(value: Any, bound: float, *, interval: tuple[float, float] | None = None) -> Condition:
    """value >= bound (a lower bound of the theory).

    Parameters
    ----------
    value : float
        The measured number.
    bound : float
        The smallest value that passes.
    interval : (float, float), optional
        A confidence interval of ``value`` to record beside it.

    Returns
    -------
    Condition

    Raises
    ------
    ValueError
        ``bound`` is not finite.
    """
    return Condition("at_least", _num(value), {"bound": _finite_param("bound", bound)}, interval)


def exceeds(value: Any, bound: float, *, interval: tuple[float, float]) -> Condition:
    """value > bound, decided against the value's uncertainty (an ordering, an argmin's margin, a sign).

    Passes when the whole interval lies above ``bound``, fails when it lies wholly below, and is
    inconclusive when it straddles the bound: the measurement cannot tell at this scale. For "A beats
    B" pass the margin A - B (paired over seeds) and bound 0.

    Parameters
    ----------
    value : float
        The estimate (e.g. the mean margin over seeds).
    bound : float
        What the claim says the value exceeds.
    interval : (float, float)
        A confidence interval of ``value`` (a paired bootstrap or a t-interval over at least 5 seeds).

    Returns
    -------
    Condition
    """
    lo, hi = _num(interval[0]), _num(interval[1])
    if lo is None or hi is None or lo > hi:
        raise ValueError(f"exceeds needs a finite interval lo <= hi, got {interval!r}")
    return Condition("exceeds", _num(value), {"bound": _finite_param("bound", bound)}, (lo, hi))


def decide(cond: Mapping[str, Any]) -> str:
    """The outcome of a condition from its JSON form: "pass", "fail" or "inconclusive".

    Parameters
    ----------
    cond : mapping
        ``{"rule": ..., "value": ..., <tolerance keys>}`` (``interval`` for ``exceeds``).

    Returns
    -------
    str
        "inconclusive" only for ``exceeds`` with an interval across its bound; a value that is not
        finite fails.
    """
    if cond["rule"] != "exceeds":
        return "pass" if holds(cond) else "fail"
    if cond.get("value") is None:
        return "fail"
    lo, hi = cond["interval"]
    if lo > cond["bound"]:
        return "pass"
    if hi < cond["bound"]:
        return "fail"
    return "inconclusive"


def holds(cond: Mapping[str, Any]) -> bool:
    """Decide a condition from its JSON form (what ``Condition.as_dict`` wrote).

    Parameters
    ----------
    cond : mapping
        ``{"rule": ..., "value": ..., <tolerance keys>}``.

    Returns
    -------
    bool
        False when the value is missing or not finite.

    Raises
    ------
    ValueError
        An unknown rule.
    """
    v = cond.get("value")
    if v is None:
        return False
    rule = cond["rule"]
    if rule == "within":
        return abs(v - cond["target"]) <= cond["tol"]
    if rule == "band":
        return cond["lo"] <= v <= cond["hi"]
    if rule == "at_most":
        return v <= cond["bound"]
    if rule == "at_least":
        return v >= cond["bound"]
    if rule == "exceeds":
        return decide(cond) == "pass"
    raise ValueError(f"unknown rule {rule!r}; valid: {', '.join(RULES)}")


def as_conditions(conditions: Condition | Mapping[str, Condition]) -> dict[str, Condition]:
    """Normalise what ``ch.check`` was given to named conditions.

    Parameters
    ----------
    conditions : Condition or mapping of str -> Condition
        One condition, or a non-empty mapping of named ones.

    Returns
    -------
    dict of str -> Condition
        The named conditions in their order; a single condition is named ``"value"``.

    Raises
    ------
    TypeError
        Anything else, a bare boolean or an empty mapping included: every verdict is decided by
        conditions recorded with their tolerances.
    """
    if isinstance(conditions, Condition):
        return {"value": conditions}
    if isinstance(conditions, Mapping) and conditions and all(isinstance(c, Condition) for c in conditions.values()):
        return dict(conditions)
    raise TypeError("a check needs a Condition (within, band, at_most, at_least, exceeds) or a non-empty mapping "
                    f"name -> Condition, got {conditions!r}")
