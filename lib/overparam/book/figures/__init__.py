"""Each chapter's composite figures, one function per figure, built from the kinds in ``book.plotting``.

A chapter cell calls one of these and hands the returned figure to ``Chapter.figure``; the figure
functions draw, they never compute (the numbers come from ``overparam.experiments``).
"""
