import itertools

import numpy as np
import pytest

from overparam.measure.worst_case_gradient import project_simplex, simplex_qp


def _brute_force(G):
    # exact: on the optimal support S, G_SS a_S = lambda 1 (KKT), a_S >= 0, sum a_S = 1; take the best
    # feasible KKT point over all supports (singular blocks through lstsq on the bordered system)
    n = len(G)
    best = np.inf
    for r in range(1, n + 1):
        for S in itertools.combinations(range(n), r):
            S = list(S)
            A = np.zeros((r + 1, r + 1))
            A[:r, :r], A[:r, r], A[r, :r] = 2 * G[np.ix_(S, S)], -1.0, 1.0
            b = np.zeros(r + 1)
            b[r] = 1.0
            sol = np.linalg.lstsq(A, b, rcond=None)[0]
            a = np.zeros(n)
            a[S] = sol[:r]
            if a.min() >= -1e-12 and abs(a.sum() - 1) < 1e-9:
                a = np.clip(a, 0, None)
                best = min(best, float(a @ G @ a))
    return best


@pytest.mark.parametrize("rank", [1, 2, 5])
def test_simplex_qp_matches_brute_force(rank):
    rng = np.random.default_rng(rank)
    for _ in range(5):
        B = rng.standard_normal((5, rank)) * rng.choice([-1.0, 1.0], size=(5, 1))
        G = B @ B.T + 0.05 * np.diag(rng.random(5)) * (rank == 5)
        qp = simplex_qp(G)
        exact = _brute_force(G)
        assert qp.lower - 1e-9 <= exact <= qp.value + 1e-12
        assert qp.value == pytest.approx(exact, rel=1e-6, abs=1e-10)
        assert qp.a.min() >= 0 and qp.a.sum() == pytest.approx(1.0)


def test_simplex_qp_on_a_label_structured_gram_finds_the_cancelling_weights():
    # two opposite-label copies of one feature: y y^T x x^T = [[1, -1], [-1, 1]], the worst a = (1/2, 1/2) gives 0
    qp = simplex_qp(np.array([[1.0, -1.0], [-1.0, 1.0]]))
    assert qp.value < 1e-12 and np.allclose(qp.a, 0.5)
    # same-label duplicates change nothing: the duplicate's weight can be merged
    G = np.array([[1.0, 0.2], [0.2, 1.0]])
    Gd = np.array([[1.0, 0.2, 1.0], [0.2, 1.0, 0.2], [1.0, 0.2, 1.0]])
    assert simplex_qp(Gd).value == pytest.approx(simplex_qp(G).value, rel=1e-8)


def test_project_simplex():
    rng = np.random.default_rng(0)
    for _ in range(20):
        v = rng.standard_normal(7) * 3
        p = project_simplex(v)
        assert p.min() >= 0 and p.sum() == pytest.approx(1.0)
        # optimality: no simplex vertex mix is closer (check against random simplex points)
        for q in rng.dirichlet(np.ones(7), size=50):
            assert np.linalg.norm(v - p) <= np.linalg.norm(v - q) + 1e-12
