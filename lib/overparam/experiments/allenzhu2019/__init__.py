"""Experiments of the Allen-Zhu, Li & Song (ICML 2019) chapter: one function per theorem or lemma.

The theory part (Lemmas 7.1-7.5, Theorems 1-5, Lemma 8.2, the errata) lives in this package's modules; the
landscape section (Figures 1-7) has its own modules, ``landscape`` and ``landscape_sizes``.
"""

from .sizes import SIZES

__all__ = ["SIZES"]
