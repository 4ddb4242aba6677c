"""What every role needs at run time: the device, named seeds and terminal progress.

These three sit below every other subpackage (it imports nothing of the library), so that a network,
a trainer, an experiment and a chapter all resolve devices, derive random streams and report progress
the same way: ``resolve_device`` (``device``), ``derive_seed``, ``rng_for``, ``generator_for``
(``seeds``), and ``progress`` with ``route_warnings_to_terminal`` (``progress``), which keep bars and
warnings off the book's pages. ``parallel.map`` is the sweep map: a plain loop by default, one Dask
task per chunk when a cluster is configured (Dask is imported only then).
"""

import importlib
from typing import Any

from . import parallel
from .progress import progress, route_warnings_to_terminal, terminal

# Devices and seeds import torch: loaded on first use (PEP 562), so that the command line can refuse a
# typo before torch is imported (``overparam.book.cli``); ``from overparam.runtime import derive_seed``
# works as before.
_LAZY = {"resolve_device": "device", "derive_seed": "seeds", "generator_for": "seeds", "rng_for": "seeds",
         "stable_seed": "seeds"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "derive_seed",
    "generator_for",
    "parallel",
    "progress",
    "resolve_device",
    "rng_for",
    "route_warnings_to_terminal",
    "stable_seed",
    "terminal",
]
