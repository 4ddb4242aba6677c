"""overparam: the shared library of the companion book to five over-parameterization papers.

Subpackages by role (each may import only those before it): ``runtime`` (devices, named seeds, terminal
progress), ``nets`` (the papers' networks and the activations), ``train`` (one loop, the ensemble
trainers and the training convention), ``kernels`` (analytic infinite-width kernels), ``data`` (samplers,
bundled and downloaded sets), ``measure`` (probes, empirical kernels, fits), ``theory`` (each paper's
bounds), ``experiments`` (one module per chapter) and ``book`` (``Chapter``, checks, plotting, pipeline).
"""

__version__ = "0.1.0"

from .book import Chapter, plotting
from .book.checks import at_least, at_most, band, exceeds, within

__all__ = ["Chapter", "__version__", "at_least", "at_most", "band", "exceeds", "plotting", "within"]
