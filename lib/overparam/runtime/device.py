"""Which torch device a run uses.

One place turns the ``device`` parameter of a chapter (``auto``, ``cpu``, ``cuda``, ``cuda:N``) into a
``torch.device``, so that ``auto`` means the same everywhere and a missing GPU fails with a message that
names the torch build instead of deep inside a kernel.
"""

from __future__ import annotations

import torch

__all__ = ["resolve_device"]


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn a device name into an available ``torch.device``.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"`` (CUDA when torch sees a GPU, else the CPU), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    Returns
    -------
    torch.device

    Raises
    ------
    RuntimeError
        A CUDA device was asked for and torch sees none (the message names the torch build).
    ValueError
        The name is not a device.
    """
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if isinstance(device, str) and device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"device={device!r} was asked for but torch sees no CUDA device "
                f"(torch {torch.__version__}); use device='cpu' or 'auto'"
            )
        return torch.device(device)
    raise ValueError(f"unknown device {device!r}; valid: auto, cpu, cuda, cuda:N")
