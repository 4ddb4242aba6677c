"""overparam: the shared library of the companion book to five over-parameterization papers.

Subpackages by role (each may import only those before it): ``runtime`` (devices, named seeds, terminal
progress), ``nets`` (the papers' networks and the activations), ``train`` (one loop, the ensemble
trainers and the training convention), ``kernels`` (analytic infinite-width kernels), ``data`` (samplers,
bundled and downloaded sets), ``measure`` (probes, empirical kernels, fits), ``theory`` (each paper's
bounds), ``experiments`` (one module per chapter) and ``book`` (``Chapter``, checks, plotting, pipeline).
"""

__version__ = "0.1.0"

__all__ = ["Chapter", "__version__", "at_least", "at_most", "band", "exceeds", "plotting", "within"]

# The names a chapter imports load on first use (PEP 562), so that ``python -m overparam`` can refuse an
# unknown chapter, profile, device or size name before torch is imported (well under a second).
_LAZY = {"Chapter": "book.chapter", "plotting": "book", "at_least": "book.checks", "at_most": "book.checks",
         "band": "book.checks", "exceeds": "book.checks", "within": "book.checks"}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'overparam' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
