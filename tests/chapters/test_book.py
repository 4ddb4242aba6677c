"""The whole book renders from the executed notebooks with no Sphinx warning (-W -n)."""

import re

from overparam import pipeline

from .conftest import PATHS


def test_book_builds_without_warnings(executed):
    in_toc = set(pipeline.toc_chapters(PATHS))
    failed = {k: str(v) for k, v in executed.items() if v is not None and k in in_toc}
    assert not failed, f"chapters failed, the book cannot build: {failed}"
    index = pipeline.build(PATHS, strict=True, echo=lambda *_: None)
    assert index.exists()
    page = (PATHS.html / "chapters" / "ntk_primer.html").read_text()
    assert page.count('class="proof theorem') >= 4 or page.count("theorem") >= 4
    assert len(re.findall(r"<img [^>]*src=", page)) >= 4
    assert "Du et al." in page and "Jacot" in page  # citations resolved by sphinxcontrib-bibtex
    assert "{glue" not in page  # every glued number was resolved
