"""Figure 4 of Guo, Li & Lerman (2024): a patch Transformer (Table 5) and an LSTM (Table 8), each
ending in the paper's leaky head Linear -> LeakyReLU(alpha) -> Multiplier(1/sqrt(1+alpha^2)) -> Linear,
plus a small minibatch-SGD loop that records train and test loss per epoch.

Table 5 (captioned "IMDB" in the paper, but its 49 tokens of 4x4 patches make it the MNIST model): positional embedding
(49, 64) (28x28 images cut into 4x4 patches, no class token, so the encoder output is mean-pooled),
Transformer encoder with dim 64, 8 heads of dimension 64, 6 layers, MLP dim 8192; head Linear(64, 8192)
-> leaky -> Linear(8192, 10); NLL loss on log-softmax outputs. The activation inside the encoder's MLP
is not stated: ``encoder_activation="gelu"`` (the usual ViT choice) or ``"leaky"`` (the same alpha).
Table 8: Embedding(1000, 64), 2-layer LSTM with hidden 256, Dropout(0.3), head Linear(256, 4096) ->
leaky -> Linear(4096, 1); binary cross-entropy on the logit.
"""

from __future__ import annotations

import torch
from torch import nn

from .activations import leaky_relu_scaled

__all__ = ["LSTMClassifier", "LeakyHead", "PatchTransformer", "Table7CNN"]



class LeakyHead(nn.Module):
    """Linear(d_in, hidden) -> sigma~_alpha -> Linear(hidden, d_out) (the papers' read-out block)."""

    def __init__(self, d_in: int, hidden: int, d_out: int, alpha: float):
        super().__init__()
        self.alpha = float(alpha)
        self.fc1 = nn.Linear(d_in, hidden)
        self.fc2 = nn.Linear(hidden, d_out)

    def forward(self, x):
        return self.fc2(leaky_relu_scaled(self.fc1(x), self.alpha))


class _Block(nn.Module):
    def __init__(self, dim, heads, dim_head, mlp_dim, act, dropout):
        super().__init__()
        inner = heads * dim_head
        self.heads, self.dim_head = heads, dim_head
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * inner, bias=False)
        self.proj = nn.Linear(inner, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, mlp_dim)
        self.fc2 = nn.Linear(mlp_dim, dim)
        self.act = act
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        B, T, _ = x.shape
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        split = lambda t: t.reshape(B, T, self.heads, self.dim_head).transpose(1, 2)
        att = torch.nn.functional.scaled_dot_product_attention(split(q), split(k), split(v))
        x = x + self.drop(self.proj(att.transpose(1, 2).reshape(B, T, -1)))
        return x + self.drop(self.fc2(self.act(self.fc1(self.norm2(x)))))


class PatchTransformer(nn.Module):
    """Table 5's Transformer for 28x28 images (defaults = the paper's sizes).

    Input (n, 784) or (n, 1, 28, 28); output log-probabilities (n, n_classes)."""

    def __init__(self, alpha: float = 0.0, *, image_size: int = 28, patch: int = 4, dim: int = 64,
                 heads: int = 8, dim_head: int = 64, layers: int = 6, mlp_dim: int = 8192,
                 head_hidden: int = 8192, n_classes: int = 10, encoder_activation: str = "gelu",
                 dropout: float = 0.0):
        super().__init__()
        if image_size % patch:
            raise ValueError("image_size must be a multiple of patch")
        self.alpha, self.image_size, self.patch = float(alpha), image_size, patch
        self.n_tokens = (image_size // patch) ** 2
        self.embed = nn.Linear(patch * patch, dim)
        self.pos = nn.Parameter(torch.randn(self.n_tokens, dim) * 0.02)
        if encoder_activation == "gelu":
            act = nn.GELU()
        elif encoder_activation == "leaky":
            act = lambda z: leaky_relu_scaled(z, self.alpha)
        else:
            raise ValueError("encoder_activation must be 'gelu' or 'leaky'")
        self.blocks = nn.ModuleList(_Block(dim, heads, dim_head, mlp_dim, act, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.head = LeakyHead(dim, head_hidden, n_classes, alpha)

    def tokens(self, x):
        n, s, p = x.shape[0], self.image_size, self.patch
        x = x.reshape(n, s // p, p, s // p, p).permute(0, 1, 3, 2, 4).reshape(n, self.n_tokens, p * p)
        return self.embed(x) + self.pos

    def forward(self, x):
        h = self.tokens(x)
        for blk in self.blocks:
            h = blk(h)
        return torch.log_softmax(self.head(self.norm(h).mean(1)), dim=-1)


class LSTMClassifier(nn.Module):
    """Table 8's LSTM (defaults = the paper's sizes); input int tokens (n, T), output logits (n,)."""

    def __init__(self, alpha: float = 0.0, *, vocab: int = 1000, embed: int = 64, hidden: int = 256,
                 layers: int = 2, dropout: float = 0.3, head_hidden: int = 4096):
        super().__init__()
        self.alpha = float(alpha)
        self.emb = nn.Embedding(vocab, embed, padding_idx=0)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.head = LeakyHead(hidden, head_hidden, 1, alpha)

    def forward(self, tokens):
        _, (h, _) = self.lstm(self.emb(tokens))
        return self.head(self.drop(h[-1]))[:, 0]


class _Leaky(nn.Module):
    def __init__(self, alpha):
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, x):
        return leaky_relu_scaled(x, self.alpha)


class Table7CNN(nn.Module):
    """Table 7's CIFAR-10 network (Figure 1, right): 4 x [conv3-512, leaky, multiplier] with 2x2 max
    pooling after the 2nd and 4th, flatten (512*8*8 = 32,768, Table 7's "(32,768, 512)": so padding 1), Linear(32768, 512),
    leaky, Linear(512, 10); returns log-probabilities. ``channels`` scales the width for small runs."""

    def __init__(self, alpha: float = 0.0, *, channels: int = 512, hidden: int = 512, n_classes: int = 10,
                 image_size: int = 32):
        super().__init__()
        self.alpha = float(alpha)
        c = channels
        self.features = nn.Sequential(
            nn.Conv2d(3, c, 3, padding=1), _Leaky(alpha), nn.Conv2d(c, c, 3, padding=1), _Leaky(alpha),
            nn.MaxPool2d(2), nn.Conv2d(c, c, 3, padding=1), _Leaky(alpha), nn.Conv2d(c, c, 3, padding=1),
            _Leaky(alpha), nn.MaxPool2d(2), nn.Flatten())
        self.head = LeakyHead(c * (image_size // 4) ** 2, hidden, n_classes, alpha)

    def forward(self, x):
        return torch.log_softmax(self.head(self.features(x)), dim=-1)


