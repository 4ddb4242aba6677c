"""Figures 1-7's experiment: the paper profile's code path end to end on tiny CIFAR fixtures, and the read-out."""

import pickle

import numpy as np
import pytest
import torch

from overparam.experiments.allenzhu2019 import landscape as lx
from overparam.experiments.allenzhu2019.landscape_sizes import SIZES
from overparam.measure.hessian import Objective


def _fixture(root, rng):
    def batch(n, key, classes):
        return {b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
                key: rng.integers(0, classes, size=n).tolist()}

    c10 = root / "cifar-10" / "cifar-10-batches-py"
    c10.mkdir(parents=True)
    for i in range(1, 6):
        (c10 / f"data_batch_{i}").write_bytes(pickle.dumps(batch(6, b"labels", 10)))
    (c10 / "test_batch").write_bytes(pickle.dumps(batch(4, b"labels", 10)))
    c100 = root / "cifar-100" / "cifar-100-python"
    c100.mkdir(parents=True)
    (c100 / "train").write_bytes(pickle.dumps(batch(30, b"fine_labels", 100)))
    (c100 / "test").write_bytes(pickle.dumps(batch(4, b"fine_labels", 100)))


def _paper_cfg(**over):
    cfg = {k: v["paper"] for k, v in SIZES.items()}
    cfg.update({"landscape_archs": ["resnet32"], "landscape_datasets": ["cifar10_noisy"],
                "landscape_width": 2, "landscape_epochs": 12, "landscape_batch": 10, "landscape_n_eval": 6,
                "landscape_n_hvp": 4, "landscape_chunk": 6, "landscape_grid": 3, "landscape_power_steps": 2,
                "landscape_oja_steps": 4, "landscape_oja_window": 2})
    cfg.update(over)
    return cfg


def test_crossover_interpolates_in_log_radius_and_censors():
    r = [1.0, 2.0, 5.0, 10.0]
    assert lx.crossover(r, [1, 2, 3, 4], [0, 0, 0, 0]) == (10.0, True)
    assert lx.crossover(r, [1, 2, 3, 4], [2, 3, 4, 5]) == (1.0, False)
    rs, cens = lx.crossover(r, [1, 2, 3, 4], [0, 1, 3, 5])  # D = -1, -1, 0: crossing at r = 5 exactly
    assert rs == pytest.approx(5.0) and not cens
    rs, _ = lx.crossover(r, [1, 2, 3, 4], [0, 1, 2.5, 5])  # D = -0.5 at 5, +1 at 10: one third of the way
    assert rs == pytest.approx(np.exp(np.log(5) + (np.log(10) - np.log(5)) / 3))


def test_paper_code_path_end_to_end_on_cifar_fixtures(tmp_path):
    torch.set_num_threads(1)
    _fixture(tmp_path, np.random.default_rng(0))
    cfg = _paper_cfg()
    res = lx.landscapes(cfg, seed=3, root=tmp_path)
    assert [(r.arch, r.dataset) for r in res.runs] == [("resnet32", "cifar10_noisy")]
    f = res.frame
    assert f.epoch.tolist() == [1, 3, 7, 9, 10, 12]
    assert np.isfinite(f[["F", "grad_norm", "rho", "lam_min", "u", "r_star_over_u"]].to_numpy(float)).all()
    assert (f.r_star_over_u >= cfg["landscape_radii"][0]).all() and (f.r_star_over_u <= 100).all()
    assert (f.oja_valid == (f.oja_converged & (f.lam_min < 0))).all()
    assert f.lr.tolist() == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.001, 0.001])  # the paper's schedule, scaled
    run = res.runs[0]
    assert run.log.shape[0] == 13 and run.panels[12].Z.shape == (3, 3)
    assert run.panels[12].Z.dtype == np.float64
    ro = lx.readout(run.frame, 10.0)
    assert ro["n_panels"] == 6 and ro["min_ratio"] == pytest.approx(run.frame.r_star_over_u.min())
    assert lx.readouts(res, 10.0).n_panels.tolist() == [6]
    # the 100-class head and the noisy labels came through
    X, y, _, _, classes = lx.load_data("cifar10_noisy", cfg, seed=3, root=tmp_path)
    _, y0, _, _, _ = lx.load_data("cifar10", cfg, seed=3, root=tmp_path)
    assert classes == 10 and int((y != y0).sum()) == 6 and X.shape == (30, 3, 32, 32)
    assert lx.load_data("cifar100", cfg, seed=3, root=tmp_path)[4] == 100


def test_panel_lines_are_f_along_the_directions():
    torch.set_num_threads(1)
    from overparam.nets.cifar_nets import cifar_net
    cfg = _paper_cfg(landscape_radii=[0.5, 1.0, 10.0], landscape_span=1.0)
    g = torch.Generator().manual_seed(0)
    net = cifar_net("resnet8", 3, in_channels=1, width=2, generator=g)
    X = torch.randn(12, 1, 8, 8, generator=g)
    y = torch.randint(0, 3, (12,), generator=g)
    p = lx.panel(net, X, y, lr=0.5, cfg=cfg, seed=1)
    F = Objective(net.double(), X.double(), y)
    grad = F.grad(F.theta0)
    u = 0.5 * float(grad.norm())
    assert p.row["u"] == pytest.approx(u, rel=1e-10) and p.row["F"] == pytest.approx(F.value(F.theta0), rel=1e-12)
    drops = [p.row["F"] - F.value(F.theta0 - r * u * grad / grad.norm()) for r in (0.5, 1.0, 10.0)]
    assert p.dF_g == pytest.approx(np.maximum.accumulate(drops), rel=1e-9, abs=1e-12)
    assert p.Z[1, 1] == pytest.approx(p.row["F"], rel=1e-12)  # the grid's centre is W_t
    assert p.Z[2, 1] == pytest.approx(F.value(F.theta0 - u * grad / grad.norm()), rel=1e-9)
