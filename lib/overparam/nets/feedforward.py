"""The papers' fully connected networks, with their exact initialisation and scaling.

Both classes are plain ``nn.Module``s: the trained weights are ``nn.Parameter``s and everything the
papers keep fixed (output layer, input layer) is a buffer, so ``model.parameters()`` is exactly the set
that gradient descent moves and the set the NTK is taken over. Weights are drawn on the CPU from the
caller's ``torch.Generator`` and then moved, so one seed gives one network on every device.

* ``TwoLayerNet``: Du et al. (2019)'s one-hidden-layer ReLU network in the NTK scaling, the primer's
  network (Oymak & Soltanolkotabi's variant with a balanced output layer is ``nets.two_layer``).
* ``DeepFCNet``: the deep network with a fixed input layer A and output layer B of Allen-Zhu, Li & Song
  (2019), Section 2, and of Guo, Li & Lerman (2024), Algorithm 1.
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import nn

from . import activations

__all__ = ["DeepFCNet", "TwoLayerNet", "check_size"]


def check_size(name: str, value: int, minimum: int = 1) -> int:
    """Reject a non-integer or too-small size before any tensor is allocated.

    Parameters
    ----------
    name : str
        What the size is, for the message (e.g. "width m").
    value : int
        The size; any ``numbers.Integral`` (numpy integers too) but not ``bool``.
    minimum : int
        The smallest valid value.

    Returns
    -------
    int
        ``value`` as a Python int.

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If ``value < minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _normal(shape: tuple[int, ...], std: float, generator: torch.Generator | None, dtype: torch.dtype,
            device: str | torch.device) -> torch.Tensor:
    # Sample on the CPU with the given generator, then move: the same seed gives the same
    # network on every device (CUDA generators draw different streams).
    t = torch.randn(*shape, generator=generator, dtype=dtype) * std
    return t.to(device)


class TwoLayerNet(nn.Module):
    """One-hidden-layer network in the NTK scaling of Du et al. (2019).

    f(x) = sum_r v_r sigma(w_r^T x) with w_r ~ N(0, I_d) trained and v_r = a_r / sqrt(m) fixed, a_r
    uniform on {-1, +1} (Rademacher). With the loss 1/2 sum_i (f(x_i) - y_i)^2 this is Du et al.'s
    setting, whose Gram matrix is H_ij = x_i^T x_j (1/m) sum_r sigma'(w_r^T x_i) sigma'(w_r^T x_j)
    (``measure.ntk.two_layer_gram``), with limit H^infinity (``kernels.relu_ntk_infinite``).

    Parameters
    ----------
    d : int
        Input dimension.
    m : int
        Width (number of hidden units).
    activation : str
        A name of ``activations.NAMES``; the papers use "relu".
    alpha : float, optional
        Leaky ReLU slope, for ``activation="leaky_relu"`` only.
    generator : torch.Generator, optional
        Draws W, then the signs of v (None: torch's global generator).
    dtype : torch.dtype
        Of W and v.
    device : str or torch.device
        Where W and v live (drawn on the CPU first).

    Raises
    ------
    TypeError, ValueError
        For a non-integer or non-positive ``d`` or ``m`` (``check_size``), or an unknown activation.
    """

    def __init__(
        self,
        d: int,
        m: int,
        activation: str = "relu",
        alpha: float | None = None,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float64,
        device: str | torch.device = "cpu",
    ) -> None:
        super().__init__()
        self.d = check_size("input dimension d", d)
        self.m = check_size("width m", m)
        self.activation_name = activation
        self.sigma, self.sigma_prime = activations.get(activation, alpha)
        self.W = nn.Parameter(_normal((self.m, self.d), 1.0, generator, dtype, device))
        signs = torch.randint(0, 2, (self.m,), generator=generator).to(dtype) * 2 - 1
        self.register_buffer("v", (signs / math.sqrt(self.m)).to(device))

    def preactivations(self, X: torch.Tensor) -> torch.Tensor:
        """The pre-activations w_r^T x_i of the hidden layer.

        Parameters
        ----------
        X : torch.Tensor, shape (n, d)
            Inputs, one per row.

        Returns
        -------
        torch.Tensor, shape (n, m)
            X W^T.
        """
        return X @ self.W.T

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """The outputs f(x_i) = sum_r v_r sigma(w_r^T x_i).

        Parameters
        ----------
        X : torch.Tensor, shape (n, d)
            Inputs, one per row.

        Returns
        -------
        torch.Tensor, shape (n,)
        """
        return self.sigma(self.preactivations(X)) @ self.v


class DeepFCNet(nn.Module):
    """Deep fully connected network with a fixed input layer A and a fixed output layer B.

    h_0 = relu(A x) (``input_layer="relu"``, Allen-Zhu, Li & Song 2019, Section 2) or h_0 = A x
    (``"linear"``, Guo, Li & Lerman 2024, Algorithm 1); h_l = sigma~_alpha(W_l h_{l-1}) for l = 1..L with
    the rescaled leaky ReLU (``activations.leaky_relu_scaled``; alpha = 0 is ReLU); y = B h_L. Only
    W_1..W_L are trained. Standard (He) parameterisation, no 1/sqrt(m) factors: A ~ N(0, 2/m) for a ReLU
    input layer (Allen-Zhu et al., Definition 2.3) and N(0, 1/m) for a linear one (Guo et al.,
    Algorithm 1), W_l ~ N(0, 2/m), B ~ N(0, 1/d_out). The NTK therefore grows like m and the step size
    must scale like 1/m.

    Parameters
    ----------
    d_in : int
        Input dimension (the papers' d for Allen-Zhu et al., p for Guo et al.).
    m : int
        Width of every hidden layer.
    depth : int
        Number L of trained hidden layers.
    d_out : int
        Output dimension (Guo et al.'s d).
    alpha : float
        Leaky ReLU slope of the hidden layers, alpha < 1.
    input_layer : str
        "relu" (Allen-Zhu et al.) or "linear" (Guo et al.).
    generator : torch.Generator, optional
        Draws A, then W_1..W_L, then B (None: torch's global generator).
    dtype : torch.dtype
        Of every weight.
    device : str or torch.device
        Where the weights live (drawn on the CPU first).

    Raises
    ------
    TypeError, ValueError
        For a bad size (``check_size``), an ``input_layer`` other than "relu" or "linear", or alpha >= 1.
    """

    def __init__(
        self,
        d_in: int,
        m: int,
        depth: int,
        d_out: int = 1,
        alpha: float = 0.0,
        input_layer: str = "relu",
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float64,
        device: str | torch.device = "cpu",
    ) -> None:
        super().__init__()
        self.d_in = check_size("input dimension d_in", d_in)
        self.m = check_size("width m", m)
        self.depth = check_size("depth L", depth)
        self.d_out = check_size("output dimension d_out", d_out)
        if input_layer not in ("relu", "linear"):
            raise ValueError(f"input_layer must be 'relu' or 'linear', got {input_layer!r}")
        self.alpha = float(alpha)
        self.input_layer = input_layer
        self.sigma, self.sigma_prime = activations.get("leaky_relu", self.alpha)
        a_var = 2.0 / self.m if input_layer == "relu" else 1.0 / self.m
        self.register_buffer("A", _normal((self.m, self.d_in), math.sqrt(a_var), generator, dtype, device))
        self.hidden = nn.ParameterList(
            nn.Parameter(_normal((self.m, self.m), math.sqrt(2.0 / self.m), generator, dtype, device))
            for _ in range(self.depth)
        )
        self.register_buffer(
            "B", _normal((self.d_out, self.m), math.sqrt(1.0 / self.d_out), generator, dtype, device)
        )

    @classmethod
    def allen_zhu(cls, d_in: int, m: int, depth: int, d_out: int = 1, **kw) -> DeepFCNet:
        """Allen-Zhu, Li & Song (2019), Section 2 and Definition 2.3: ReLU input and hidden layers.

        Parameters
        ----------
        d_in, m, depth, d_out : int
            As for ``DeepFCNet``.
        **kw
            ``generator``, ``dtype``, ``device``.

        Returns
        -------
        DeepFCNet
            With alpha = 0 and ``input_layer="relu"``.
        """
        return cls(d_in, m, depth, d_out, alpha=0.0, input_layer="relu", **kw)

    @classmethod
    def guo(cls, d_in: int, m: int, depth: int, d_out: int = 1, alpha: float = 0.0, **kw) -> DeepFCNet:
        """Guo, Li & Lerman (2024), Algorithm 1: linear input layer, rescaled leaky-ReLU hidden layers.

        Parameters
        ----------
        d_in, m, depth, d_out : int
            As for ``DeepFCNet``.
        alpha : float
            The leaky ReLU slope, alpha < 1.
        **kw
            ``generator``, ``dtype``, ``device``.

        Returns
        -------
        DeepFCNet
            With ``input_layer="linear"``.
        """
        return cls(d_in, m, depth, d_out, alpha=alpha, input_layer="linear", **kw)

    def _input(self, X: torch.Tensor) -> torch.Tensor:
        g = X @ self.A.T
        return torch.clamp_min(g, 0.0) if self.input_layer == "relu" else g

    def preactivations(self, X: torch.Tensor) -> list[torch.Tensor]:
        """Pre-activations g_l = W_l h_{l-1} of every trained layer l = 1..L.

        Their signs are the diagonal sign matrices D_{i,l} of Allen-Zhu et al. (2019), Definition 2.2.

        Parameters
        ----------
        X : torch.Tensor, shape (n, d_in)
            Inputs, one per row.

        Returns
        -------
        list of torch.Tensor
            L tensors, each (n, m).
        """
        h = self._input(X)
        out = []
        for W in self.hidden:
            g = h @ W.T
            out.append(g)
            h = self.sigma(g)
        return out

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """The outputs y = B h_L.

        Parameters
        ----------
        X : torch.Tensor, shape (n, d_in)
            Inputs, one per row.

        Returns
        -------
        torch.Tensor
            Shape (n,) when d_out = 1, else (n, d_out).
        """
        h = self.sigma(self.preactivations(X)[-1])
        y = h @ self.B.T
        return y[:, 0] if self.d_out == 1 else y
