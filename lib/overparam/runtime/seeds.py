"""Named random streams: independent seeds derived from one chapter seed and a name.

A chapter asks for ``ch.rng("figure2")`` or ``ch.generator("figure2")``; a library function that runs
many independent pieces (one per realization, one per chunk of a sweep) derives their seeds from the
seed it was given and the piece's key with ``derive_seed``. Both go through numpy's ``SeedSequence``,
whose outputs for different keys are independent streams, so no two names can collide the way integer
offsets (``seed * 1000 + 11``) can, and the same key gives the same stream in any process.

Library convention: a function that takes ``generator: torch.Generator | None`` draws from torch's
global generator when it is None (torch's own convention); every chapter passes a named generator.
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch

__all__ = ["derive_seed", "generator_for", "rng_for", "stable_seed"]


def _words(key: int | str) -> list[int]:
    """A key part as 32-bit words: integers as themselves (split when large), strings by SHA-256."""
    if isinstance(key, (bool, np.bool_)):
        raise TypeError("a seed key must be an integer or a string, not a bool")
    if isinstance(key, (int, np.integer)):
        k = int(key)
        if k < 0:
            raise ValueError(f"seed keys must be non-negative, got {k}")
        out = []
        while True:
            out.append(k & 0xFFFFFFFF)
            k >>= 32
            if not k:
                return out
    if isinstance(key, str):
        digest = hashlib.sha256(key.encode()).digest()
        return [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    raise TypeError(f"a seed key must be an integer or a string, got {type(key).__name__}")


def derive_seed(seed: int, *names: int | str) -> int:
    """A 63-bit seed for the stream named ``names`` under ``seed``.

    Parameters
    ----------
    seed : int
        The root seed (a chapter's ``seed`` parameter).
    *names : int or str
        The stream's name, e.g. ``("figure2", "relu", 3)``. Each part is hashed with a separator
        so that ``("ab",)`` and ``("a", "b")`` differ.

    Returns
    -------
    int
        A seed in [0, 2**63) for ``torch.Generator.manual_seed`` or ``numpy.random.default_rng``.

    Raises
    ------
    TypeError
        A part (or ``seed``) that is not an integer or a string; a bool is refused, since ``True``
        would silently mean 1.
    ValueError
        A negative integer.

    Notes
    -----
    ``seed`` is the entropy of a ``numpy.random.SeedSequence`` and the parts form its spawn key: each
    part as 32-bit words (an integer split into as many words as it needs, a string as the first
    128 bits of its SHA-256) preceded by its word count, so that ``1`` and ``"1"``, ``("ab",)`` and
    ``("a", "b")``, or ``2**32`` and ``(0, 1)`` name different streams.
    """
    entropy = _words(seed)
    spawn_key = []
    for part in names:
        w = _words(part)
        spawn_key += [len(w), *w]
    ss = np.random.SeedSequence(entropy, spawn_key=tuple(spawn_key))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def rng_for(seed: int, *names: int | str) -> np.random.Generator:
    """A numpy generator on the named stream.

    Parameters
    ----------
    seed : int
        The root seed.
    *names : int or str
        The stream's name (``derive_seed``).

    Returns
    -------
    numpy.random.Generator
        ``numpy.random.default_rng(derive_seed(seed, *names))``.

    Raises
    ------
    TypeError, ValueError
        As ``derive_seed``.
    """
    return np.random.default_rng(derive_seed(seed, *names))


def generator_for(seed: int, *names: int | str) -> torch.Generator:
    """A CPU torch generator on the named stream.

    Models sample on the CPU, then move to their device, so a seed gives the same weights on every
    device.

    Parameters
    ----------
    seed : int
        The root seed.
    *names : int or str
        The stream's name (``derive_seed``).

    Returns
    -------
    torch.Generator
        A CPU generator seeded with ``derive_seed(seed, *names)``.

    Raises
    ------
    TypeError, ValueError
        As ``derive_seed``.
    """
    return torch.Generator().manual_seed(derive_seed(seed, *names))


def stable_seed(*key: int) -> int:
    """A seed derived from integers with ``numpy.random.SeedSequence``.

    Stable across processes, unlike Python's salted ``hash``. Kept for the two-layer problem
    generators, whose streams it defines; new code uses ``derive_seed``.

    Parameters
    ----------
    *key : int
        Non-negative integers, used as the ``SeedSequence`` entropy.

    Returns
    -------
    int
        A seed in [0, 2**63).
    """
    return int(np.random.SeedSequence([int(x) for x in key]).generate_state(1, dtype=np.uint64)[0] >> 1)
