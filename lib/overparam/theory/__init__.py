"""Each paper's bounds and constants as plain functions, one module (or package) per paper, named by its
bibtex key.

A chapter compares what a theorem asks for (a width, a step size, a number of steps) and what it promises
(a rate, a radius) with what training does; the bounds live here, apart from the experiments, so that
each can be read against the paper's statement and unit-tested on its own. Hidden constants (the papers'
Omega/O) are explicit keyword arguments, defaulting to 1 unless the proof pins them down, so a chapter
can show how a bound moves with them instead of pretending they are known.

* ``du2019``: Du, Zhai, Póczos & Singh (ICLR 2019), the two-layer ReLU network (Sections 3 and 4).
* ``oymak2020``: Oymak & Soltanolkotabi (IEEE JSAIT 2020), moderate overparameterization (Sections 2,
  3 and 6).
* ``guo2024``: Guo, Li & Lerman (AISTATS 2024), deep leaky-ReLU networks (Section 3).
* ``allenzhu2019``: Allen-Zhu, Li & Song (ICML 2019), deep ReLU networks (Sections 7-13, Appendices A, C).
* ``zou2020``: Zou, Cao, Zhou & Gu (MLJ 2020), SGD on deep ReLU classifiers (Theorems 4.1, 4.5, 5.1, 5.3;
  the parameter ladder, reconstructed formulas marked).
* ``noy2021``: Noy et al. (2021), gated ReLU networks (Theorems 1-6, the step sizes, Table 1).

The modules are imported by name: ``from overparam.theory import oymak2020 as th``.
"""
