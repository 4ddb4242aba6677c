"""The step schedule, its proportional scaling, and train_classifier's CIFAR-recipe keywords."""

import pytest
import torch
from torch import nn

from overparam.train.classifier import train_classifier
from overparam.train.schedules import scale_schedule, step_lr


def test_step_lr_is_the_reference_codes_schedule():
    # [58]: lr x 0.1 at the start of 0-indexed epochs 81 and 122 (1-indexed 82 and 123)
    assert step_lr(0.1, 81, (81, 122)) == 0.1
    assert step_lr(0.1, 82, (81, 122)) == pytest.approx(0.01)
    assert step_lr(0.1, 122, (81, 122)) == pytest.approx(0.01)
    assert step_lr(0.1, 123, (81, 122)) == pytest.approx(0.001)
    assert step_lr(0.1, 5) == 0.1


def test_scale_schedule_keeps_the_paper_at_full_length_and_sides_of_milestones():
    assert scale_schedule(164) == {"milestones": [81, 122], "snapshots": [5, 40, 90, 120, 130, 160]}
    for epochs in (12, 16, 20, 30, 60):
        s = scale_schedule(epochs)
        lrs = [step_lr(1.0, e, s["milestones"]) for e in s["snapshots"]]
        paper = [step_lr(1.0, e, (81, 122)) for e in (5, 40, 90, 120, 130, 160)]
        assert lrs == pytest.approx(paper), epochs
    with pytest.raises(ValueError, match="too few"):
        scale_schedule(4)


def _data(seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(40, 5, generator=g)
    y = (X[:, 0] > 0).long() + (X[:, 1] > 0).long()
    return X, y


def test_defaults_leave_the_old_trainer_unchanged_and_new_keywords_work():
    X, y = _data()
    make = lambda: nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3), nn.LogSoftmax(1))
    torch.manual_seed(0)
    a = make()
    torch.manual_seed(0)
    b = make()
    la = train_classifier(a, X, y, X, y, lr=0.1, epochs=3, batch_size=8, generator=torch.Generator().manual_seed(1))
    lb = train_classifier(b, X, y, X, y, lr=0.1, epochs=3, batch_size=8, generator=torch.Generator().manual_seed(1),
                          weight_decay=0.0, milestones=(), augment=None, on_epoch=None)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert all((la[k] == lb[k]).all() for k in la)
    seen = []
    net = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))
    log = train_classifier(net, X, y, X, y, lr=0.2, epochs=4, batch_size=8, loss="ce", momentum=0.9,
                           weight_decay=5e-4, milestones=(2,), gamma=0.1, augment=lambda xb: xb * 1.0,
                           on_epoch=lambda e, m, lr: seen.append((e, lr, m.training)),
                           generator=torch.Generator().manual_seed(2))
    assert [s[0] for s in seen] == [0, 1, 2, 3, 4] and all(s[2] for s in seen)
    assert [s[1] for s in seen] == pytest.approx([0.2, 0.2, 0.2, 0.02, 0.02])
    assert log["train_loss"][-1] < log["train_loss"][0]
    with torch.no_grad():
        ce = float(nn.functional.cross_entropy(net.eval()(X), y))
    assert log["train_loss"][-1] == pytest.approx(ce, rel=1e-6)
