"""The book around the library: ``Chapter``, results and checks, plotting, the pipeline and the command line.

Everything that turns the library's experiments into pages lives here, apart from the experiments
themselves: ``book`` never imports ``overparam.experiments``; a chapter calls both.

- ``chapter.Chapter`` is what a chapter notebook touches: parameters, sizes, named seeds, outputs.
  ``params`` holds the valid profiles and devices, checked by it and by the pipeline.
- ``checks`` (the verdict rules ``within``, ``band``, ``at_most``, ``at_least``) and ``results``
  record what a chapter measured with the tolerance each verdict was decided by, in ``results.json``.
- ``plotting`` holds the shared figure kinds and re-exports ``style`` (the one style and
  ``save_figure``, which keeps every figure's numbers beside it); ``figures`` holds each chapter's
  composite figures.
- ``pipeline`` runs the chapters that changed and renders the book: ``cache`` decides what changed
  (content hashes, run records), ``execute`` runs one chapter with papermill and swaps its outputs in.
- ``cli`` is the ``overparam`` command (``python -m overparam``).
"""

__all__ = ["Chapter", "plotting"]


def __getattr__(name: str):
    # Loaded on first use (PEP 562): the command line imports book.cli and book.params without torch.
    import importlib

    if name == "Chapter":
        value = importlib.import_module(".chapter", __name__).Chapter
    elif name == "plotting":
        value = importlib.import_module(".plotting", __name__)
    else:
        raise AttributeError(f"module 'overparam.book' has no attribute {name!r}")
    globals()[name] = value
    return value
