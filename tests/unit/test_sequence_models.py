"""overparam.sequence_models: Table 5 / Table 8 shapes, patching by brute force, the leaky head, training."""

import math

import pytest
import torch

from overparam.nets.sequence import LeakyHead, LSTMClassifier, PatchTransformer, Table7CNN
from overparam.train import DivergenceError
from overparam.train.classifier import train_classifier


def test_table5_sizes():
    torch.manual_seed(0)
    net = PatchTransformer(alpha=-1.0)
    assert tuple(net.pos.shape) == (49, 64)
    assert len(net.blocks) == 6
    blk = net.blocks[0]
    assert tuple(blk.qkv.weight.shape) == (3 * 8 * 64, 64) and tuple(blk.fc1.weight.shape) == (8192, 64)
    assert tuple(net.head.fc1.weight.shape) == (8192, 64) and tuple(net.head.fc2.weight.shape) == (10, 8192)
    out = net(torch.randn(2, 784))
    assert out.shape == (2, 10) and torch.allclose(out.exp().sum(1), torch.ones(2), atol=1e-5)


def test_patches_by_brute_force():
    torch.manual_seed(0)
    net = PatchTransformer(dim=8, heads=2, dim_head=4, layers=1, mlp_dim=8, head_hidden=8)
    img = torch.randn(3, 28, 28)
    tok = net.tokens(img.reshape(3, 784)) - net.pos
    k = 0
    for i in range(7):
        for j in range(7):
            patch = img[:, 4 * i:4 * i + 4, 4 * j:4 * j + 4].reshape(3, 16)
            assert torch.allclose(tok[:, k], net.embed(patch), atol=1e-6)
            k += 1


def test_table8_sizes_and_forward():
    torch.manual_seed(0)
    net = LSTMClassifier(alpha=0.05)
    assert tuple(net.emb.weight.shape) == (1000, 64)
    assert net.lstm.hidden_size == 256 and net.lstm.num_layers == 2
    assert tuple(net.head.fc1.weight.shape) == (4096, 256) and tuple(net.head.fc2.weight.shape) == (1, 4096)
    net.eval()
    assert net(torch.randint(0, 1000, (3, 20))).shape == (3,)


@pytest.mark.parametrize("alpha", [-2.0, -1.0, 0.0, 0.05])
def test_leaky_head_formula_and_duality(alpha):
    torch.manual_seed(1)
    head = LeakyHead(5, 7, 2, alpha)
    x = torch.randn(4, 5)
    z = head.fc1(x)
    manual = head.fc2(torch.where(z >= 0, z, alpha * z) / math.sqrt(1 + alpha * alpha))
    assert torch.allclose(head(x), manual, atol=1e-6)
    if alpha < 0 and alpha != -1.0:  # alpha with fc1 and 1/alpha with -fc1: the same function
        dual = LeakyHead(5, 7, 2, 1 / alpha)
        dual.load_state_dict(head.state_dict())
        with torch.no_grad():
            dual.fc1.weight.neg_()
            dual.fc1.bias.neg_()
        assert torch.allclose(dual(x), head(x), atol=1e-6)


def test_training_loops_reduce_loss():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(64, 784, generator=g)
    y = (X[:, :392].sum(1) > X[:, 392:].sum(1)).long()
    torch.manual_seed(0)
    net = PatchTransformer(alpha=-1.0, dim=16, heads=2, dim_head=8, layers=1, mlp_dim=32, head_hidden=64)
    log = train_classifier(net, X, y, X[:16], y[:16], lr=0.05, epochs=8, batch_size=16, generator=g)
    assert log["train_loss"][-1] < 0.8 * log["train_loss"][0]
    assert len(log["epoch"]) == 9
    tokens = torch.randint(2, 50, (64, 12), generator=g)
    lab = (tokens[:, -1] < 25).float()
    torch.manual_seed(0)
    lstm = LSTMClassifier(alpha=-1.0, vocab=50, embed=8, hidden=16, head_hidden=32, dropout=0.0)
    # 40 epochs: in float32 (the chapters' precision) this LSTM stays on its initial plateau for ~25 of them
    log = train_classifier(lstm, tokens, lab, tokens[:16], lab[:16], lr=0.5, epochs=40, batch_size=16,
                           loss="bce", generator=g, momentum=0.9)
    assert log["train_loss"][-1] < 0.7 * log["train_loss"][0]
    with pytest.raises(ValueError):
        train_classifier(lstm, tokens, lab, tokens, lab, lr=0.1, epochs=1, batch_size=4, loss="mse")


def test_classifier_divergence_keeps_the_log_and_stopping_ends_early():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(32, 5, generator=g)
    y = (X[:, 0] > 0).float()

    class Logit(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(5, 1)

        def forward(self, x):
            return self.fc(x)[:, 0]

    torch.manual_seed(0)
    with pytest.raises(DivergenceError) as info:
        train_classifier(Logit(), X * 1e18, y, X, y, lr=1e30, epochs=5, batch_size=8, loss="bce", generator=g)
    log = info.value.log
    assert len(log["epoch"]) >= 1 and all(math.isfinite(v) for v in log["train_loss"])
    torch.manual_seed(0)
    log = train_classifier(Logit(), X, y, X, y, lr=1.0, epochs=200, batch_size=8, loss="bce", generator=g,
                           stop="absolute", tol=0.2)
    assert log["train_loss"][-1] <= 0.2 < log["train_loss"][-2] and log["epoch"][-1] < 200


def test_table7_cnn_sizes():
    net = Table7CNN(alpha=-1.0)
    assert tuple(net.head.fc1.weight.shape) == (512, 32768)  # "(32,768, 512)" in Table 7
    convs = [mod for mod in net.features if isinstance(mod, torch.nn.Conv2d)]
    assert len(convs) == 4 and all(c.out_channels == 512 for c in convs)
    small = Table7CNN(alpha=0.05, channels=4, hidden=8)
    out = small(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 10) and torch.allclose(out.exp().sum(1), torch.ones(2), atol=1e-5)
