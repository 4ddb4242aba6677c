"""Each paper's bounds and constants as plain functions, one module per paper.

Hidden constants (the papers' Omega/O) are explicit keyword arguments defaulting to 1, so a chapter can
show how a bound moves with them instead of pretending they are known.
"""
