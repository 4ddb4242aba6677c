"""The whole book renders from the executed notebooks with no Sphinx warning (-W -n)."""

import re

from overparam.book import pipeline

from .conftest import PATHS


def test_book_builds_without_warnings(executed):
    in_toc = set(pipeline.toc_chapters(PATHS))
    failed = {k: str(v) for k, v in executed.items() if v is not None and k in in_toc}
    assert not failed, f"chapters failed, the book cannot build: {failed}"
    index = pipeline.build(PATHS, strict=True, echo=lambda *_: None)
    assert index.exists()
    page = (PATHS.html / "chapters" / "ntk_primer.html").read_text()
    assert page.count('class="proof theorem') >= 4
    figures = re.findall(r'<img [^>]*src="\.\./_images/[^"]+\.png"', page)
    assert len(figures) >= 4, "the primer's figures are not on its page (were they displayed in the notebook?)"
    assert "Du et al." in page and "Jacot" in page  # citations resolved by sphinxcontrib-bibtex
    assert "{glue" not in page  # every glued number was resolved
