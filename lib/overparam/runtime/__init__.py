"""What every role needs at run time: the device, named seeds and terminal progress."""

from .device import resolve_device
from .progress import progress, route_warnings_to_terminal, terminal
from .seeds import derive_seed, generator_for, rng_for, stable_seed

__all__ = ["derive_seed", "generator_for", "progress", "resolve_device", "rng_for", "route_warnings_to_terminal", "stable_seed",
           "terminal"]
