"""The Allen-Zhu, Li & Song chapter's size table (theory part): every size under quick and at the paper's scale.

The chapter builds its ``Chapter`` from ``SIZES`` (merged with the landscape section's own table when that
module exists) and shows it with ``ch.sizes_table()``. The paper runs no experiment for its theorems, so a
"paper" value is the scale the claims map asks for on a GPU (widths to 4,096), and the quick value keeps the
protocol at CPU size.
"""

from __future__ import annotations

__all__ = ["SIZES"]

SIZES = {  # name: {profile: value}
    "d_in": {"quick": 10, "paper": 10},                       # input dimension before padding (book's d)
    "n": {"quick": 8, "paper": 8},                            # training points
}
