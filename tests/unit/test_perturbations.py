import itertools
import math

import pytest
import torch

from overparam.measure.perturbations import random_perturbation, rank_one_adversarial, sign_flips
from overparam.measure.probes import sign_flip_fraction


@pytest.mark.parametrize("kind", ["spectral", "frobenius"])
def test_random_perturbation_reaches_its_norm(gen, kind):
    P = random_perturbation((30, 7), 0.37, gen, kind=kind)
    assert P.dtype == torch.float64 and P.shape == (30, 7)
    size = torch.linalg.matrix_norm(P, ord=2 if kind == "spectral" else "fro")
    assert math.isclose(float(size), 0.37, rel_tol=1e-12)
    assert torch.linalg.matrix_rank(P) == 7


def test_random_perturbation_batched_and_in_another_dtype(gen):
    P = random_perturbation((4, 10, 5), 2.0, gen, dtype=torch.float32)
    assert P.dtype == torch.float32 and P.shape == (4, 10, 5)
    torch.testing.assert_close(torch.linalg.matrix_norm(P.double(), ord=2), torch.full((4,), 2.0, dtype=torch.float64))
    assert not torch.allclose(P[0], P[1])


def test_random_perturbation_rejects_bad_arguments(gen):
    with pytest.raises(ValueError):
        random_perturbation((3, 3), 1.0, gen, kind="nuclear")
    with pytest.raises(ValueError):
        random_perturbation((3,), 1.0, gen)
    with pytest.raises(ValueError):
        random_perturbation((3, 3), -1.0, gen)


def _brute_force_most_flips(pre, h, norm):
    # the largest set S of units with sum_S pre_k^2 < norm^2 ||h||^2: any Delta with ||Delta||_2 <= norm
    # moves W h by at most norm ||h||, and must move each flipped unit past zero
    budget = norm**2 * float(h.norm()) ** 2
    best = 0
    for r in range(len(pre) + 1):
        if any(sum(float(pre[k]) ** 2 for k in S) < budget for S in itertools.combinations(range(len(pre)), r)):
            best = r
    return best


@pytest.mark.parametrize("norm", [0.0, 0.05, 0.2, 0.6, 3.0])
def test_rank_one_adversarial_is_rank_one_of_its_norm_and_flips_the_most(gen, norm):
    W = torch.randn(9, 4, generator=gen, dtype=torch.float64)
    h = torch.randn(4, generator=gen, dtype=torch.float64)
    pre = W @ h
    D = rank_one_adversarial(pre, h, norm)
    assert D.shape == (9, 4) and D.dtype == torch.float64
    assert math.isclose(float(torch.linalg.matrix_norm(D, ord=2)), norm, abs_tol=1e-12)
    assert int(torch.linalg.matrix_rank(D)) == (1 if norm > 0 else 0)
    flipped = sign_flips(pre, (W + D) @ h, count=True)
    assert flipped == _brute_force_most_flips(pre, h, norm)
    if norm == 3.0:
        assert flipped == 9  # a budget larger than ||W h|| flips every sign


def test_rank_one_adversarial_flips_the_smallest_first(gen):
    pre = torch.tensor([0.5, -0.01, 0.2, -0.03, 1.0], dtype=torch.float64)
    h = torch.tensor([0.0, 2.0], dtype=torch.float64)
    W = torch.outer(pre / 2.0, torch.tensor([0.0, 1.0], dtype=torch.float64))  # W h = pre
    # the budget moves W h by tau ||h|| = 0.2: 0.01^2 + 0.03^2 < 0.2^2, but adding 0.2^2 is over it
    after = (W + rank_one_adversarial(pre, h, 0.1)) @ h
    changed = (pre >= 0) != (after >= 0)
    assert changed.tolist() == [False, True, False, True, False]
    torch.testing.assert_close((after - pre).norm(), torch.tensor(0.2, dtype=torch.float64))


def test_rank_one_adversarial_below_the_first_flip_flips_nothing(gen):
    pre = torch.tensor([0.3, -0.5], dtype=torch.float64)
    h = torch.tensor([1.0, 0.0], dtype=torch.float64)
    D = rank_one_adversarial(pre, h, 0.1)
    assert sign_flips(pre, pre + D @ h, count=True) == 0
    assert math.isclose(float(torch.linalg.matrix_norm(D, ord=2)), 0.1)
    with pytest.raises(ValueError):
        rank_one_adversarial(pre, torch.zeros(2, dtype=torch.float64), 0.1)


def test_worst_case_beats_random_and_follows_the_two_thirds_law(gen):
    # He-initialised layer (variance 2/m) on a unit input: pre_k ~ N(0, 2/m), and flipping the smallest
    # fraction f costs (pi/3) f^3 of tau^2, so f = (3 tau^2 / pi)^{1/3} for large m
    m, d, tau = 20000, 10, 0.05
    W = torch.randn(m, d, generator=gen, dtype=torch.float64) * math.sqrt(2 / m)
    h = torch.randn(d, generator=gen, dtype=torch.float64)
    h = h / h.norm()
    pre = W @ h
    worst = sign_flips(pre, (W + rank_one_adversarial(pre, h, tau)) @ h)
    random = sign_flips(pre, (W + random_perturbation((m, d), tau, gen)) @ h)
    assert math.isclose(worst, (3 * tau**2 / math.pi) ** (1 / 3), rel_tol=0.05)
    assert random < worst / 5


def test_sign_flips_match_the_probe_and_reduce_over_dims(gen):
    X = torch.randn(12, 3, generator=gen, dtype=torch.float64)
    W0 = torch.randn(8, 3, generator=gen, dtype=torch.float64)
    W = W0 + 0.5 * torch.randn(8, 3, generator=gen, dtype=torch.float64)
    before, after = X @ W0.T, X @ W.T
    frac = sign_flips(before, after)
    assert isinstance(frac, float) and frac == sign_flip_fraction(W, W0, X)
    changed = ((before >= 0) != (after >= 0))
    assert sign_flips(before, after, count=True) == int(changed.sum())
    torch.testing.assert_close(sign_flips(before, after, dim=-1), changed.double().mean(dim=-1))
    torch.testing.assert_close(sign_flips(before, after, dim=0, count=True), changed.sum(dim=0))
    assert sign_flips(before, before) == 0.0
    with pytest.raises(ValueError):
        sign_flips(before, after[:, :2])


def test_sign_flips_count_a_zero_as_active():
    assert sign_flips(torch.tensor([0.0, -1.0]), torch.tensor([-1e-12, 0.0]), count=True) == 2
