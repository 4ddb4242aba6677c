"""What every role needs at run time: the device, named seeds and terminal progress.

These three sit below every other subpackage (it imports nothing of the library), so that a network,
a trainer, an experiment and a chapter all resolve devices, derive random streams and report progress
the same way: ``resolve_device`` (``device``), ``derive_seed``, ``rng_for``, ``generator_for``
(``seeds``), and ``progress`` with ``route_warnings_to_terminal`` (``progress``), which keep bars and
warnings off the book's pages. ``parallel.map`` is the sweep map: a plain loop by default, one Dask
task per chunk when a cluster is configured (Dask is imported only then).
"""

from . import parallel
from .device import resolve_device
from .progress import progress, route_warnings_to_terminal, terminal
from .seeds import derive_seed, generator_for, rng_for, stable_seed

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
