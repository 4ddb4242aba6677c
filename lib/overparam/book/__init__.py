"""The book around the library: ``Chapter``, results and checks, plotting, the pipeline and the command line.

``chapter.Chapter`` is what a chapter notebook touches; ``results`` and ``checks`` record what it
measured with the tolerance each verdict was decided by; ``plotting`` holds the one style and the figure
kinds; ``pipeline`` executes the chapters with papermill and ``cli`` is ``python -m overparam``.
"""

from . import plotting
from .chapter import Chapter

__all__ = ["Chapter", "plotting"]
