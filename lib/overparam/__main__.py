"""``python -m overparam``: the pipeline's command line (``overparam.book.cli``)."""

import sys

from .book.cli import main

if __name__ == "__main__":
    sys.exit(main())
