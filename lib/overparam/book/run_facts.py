"""Where and how long a chapter ran: the machine it ran on and the time of each of its cells.

Both go into ``results.json`` ``meta`` (which may differ between two runs of one seed) and are read by
the generated reproducibility page (``overparam.book.pages``): the CPU model, the GPU and the CUDA
version that torch sees, and the cells that took longest, each named by its first line of code.
"""

from __future__ import annotations

import os
import platform
import time
from typing import Any

__all__ = ["CellTimer", "machine"]


def _cpu_model() -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``; ``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine(device: Any = None) -> dict[str, Any]:
    """The facts of the machine a chapter runs on.

    Parameters
    ----------
    device : torch.device or str, optional
        The chapter's device; the GPU is named only when it is a CUDA device.

    Returns
    -------
    dict
        ``cpu`` (model name), ``cpu_count``, ``platform`` (OS and architecture), ``gpu`` (the CUDA
        device's name, or None), ``cuda`` (the CUDA version torch was built with, or None).
    """
    import torch

    gpu = None
    if device is not None and str(device).startswith("cuda") and torch.cuda.is_available():
        gpu = torch.cuda.get_device_name(torch.device(device))
    return {
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
        "gpu": gpu,
        "cuda": torch.version.cuda,
    }


class CellTimer:
    """Times every cell a kernel runs after ``start`` (IPython's pre/post_run_cell events).

    Outside a kernel (a script, a unit test) ``start`` does nothing and ``cells`` stays empty. Starting
    a new timer stops the previous one, so re-running a chapter's first cells in a notebook never stacks
    hooks.

    Attributes
    ----------
    cells : list of dict
        One entry per finished cell: ``cell`` (the kernel's execution count), ``seconds`` and ``code``
        (the cell's first non-blank line).
    """

    _active: CellTimer | None = None

    def __init__(self) -> None:
        self.cells: list[dict[str, Any]] = []
        self._t0: float | None = None
        self._shell = None

    def start(self) -> CellTimer:
        """Register the hooks with the running kernel, if any.

        Returns
        -------
        CellTimer
            ``self``.
        """
        try:
            from IPython import get_ipython
        except ImportError:
            return self
        shell = get_ipython()
        if getattr(shell, "kernel", None) is None or getattr(shell, "events", None) is None:
            return self
        if CellTimer._active is not None:
            CellTimer._active.stop()
        self._shell = shell
        shell.events.register("pre_run_cell", self._pre)
        shell.events.register("post_run_cell", self._post)
        CellTimer._active = self
        return self

    def stop(self) -> None:
        """Unregister the hooks (nothing happens when they were never registered)."""
        if self._shell is None:
            return
        for name, hook in (("pre_run_cell", self._pre), ("post_run_cell", self._post)):
            try:
                self._shell.events.unregister(name, hook)
            except ValueError:
                pass
        self._shell = None
        if CellTimer._active is self:
            CellTimer._active = None

    def _pre(self, info: Any = None) -> None:
        self._t0 = time.perf_counter()

    def _post(self, result: Any = None) -> None:
        if self._t0 is None:
            return
        seconds = time.perf_counter() - self._t0
        self._t0 = None
        raw = getattr(getattr(result, "info", None), "raw_cell", "") or ""
        first = next((line.strip() for line in raw.splitlines() if line.strip()), "")
        self.cells.append({"cell": getattr(result, "execution_count", None), "seconds": round(seconds, 2),
                           "code": first[:100]})

    def slowest(self, k: int = 5) -> list[dict[str, Any]]:
        """The ``k`` slowest cells timed so far, slowest first.

        Parameters
        ----------
        k : int
            How many.

        Returns
        -------
        list of dict
            Entries of ``cells``.
        """
        return sorted(self.cells, key=lambda c: -c["seconds"])[:k]
