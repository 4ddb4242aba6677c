"""overparam: the shared library of the companion book to five over-parameterization papers.

Small modules, one idea each: ``activations``, ``models``, ``train``, ``probes``, ``kernels``, ``fit``,
``data``, ``results``, ``plotting``, ``theory`` (one module per paper), ``chapter`` and ``pipeline``.
"""

__version__ = "0.1.0"

from .chapter import Chapter  # noqa: E402  (the one object a chapter touches)

__all__ = ["Chapter", "__version__"]
