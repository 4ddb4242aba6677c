"""Every page of the built book, opened in headless Chromium as a reader opens it (issue 13).

Per page: it loads with status 200; no console or page error; every ``<img>`` has loaded (naturalWidth >
0); no request leaves 127.0.0.1 (the context routes and records every request, and aborts the others);
where the page has math, MathJax (served from ``_build/html``) has rendered it: one ``mjx-container`` per
formula, no ``mjx-merror``, no raw ``\\(``, ``\\[`` or ``$$`` outside code; every theorem box of the
chapter's source is on the page. Each chapter page is also saved as a screenshot in
``_build/screenshots/`` for humans, with ``browser_report.json`` (what was found on each page).

``test_the_book_reads_from_its_files_with_no_network`` opens ``index.html`` as a file (no server, no
network), as the issue's reader on a train does; ``test_the_ledger_sorts_by_a_clicked_column`` clicks a
header of the claims ledger. ``test_a_broken_page_is_caught`` breaks an image, a formula, a theorem box and a request in a copy of the
built HTML and requires the same inspection to report each of them, so the inspection cannot pass
vacuously.
"""

from __future__ import annotations

import json
import re
import shutil
import time

import pytest
import yaml

from overparam.book import pages
from overparam.book.display import check_anchor

from .conftest import PATHS, SCREENSHOTS

_BOX = re.compile(r"^[`:]{3,}\{prf:\w+\}.*\n:label:[ \t]*(\S+)", re.MULTILINE)
_ANY_BOX = re.compile(r"^[`:]{3,}\{prf:\w+\}", re.MULTILINE)


def toc_pages() -> list[str]:
    """Every page of the table of contents (``intro``, ``claims``, ``chapters/ntk_primer``, ...)."""
    toc = yaml.safe_load((PATHS.book / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(node) -> None:
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found


def _source(page: str) -> str:
    name = page.removeprefix("chapters/")
    src = PATHS.chapters / f"{name}.md" if page.startswith("chapters/") else PATHS.book / f"{page}.md"
    return src.read_text() if src.exists() else ""


def theorem_labels(page: str) -> list[str]:
    """The labels of the theorem boxes in a page's source (a chapter source, or a book page)."""
    return _BOX.findall(_source(page))


def box_count(page: str) -> int:
    """How many ``prf`` boxes (theorem, lemma, ..., labelled or not) a page's source opens."""
    return len(_ANY_BOX.findall(_source(page)))


_FACTS = """async (labels) => {
  const imgs = Array.from(document.images);
  for (const img of imgs) { img.loading = "eager"; }
  await Promise.all(imgs.map((img) => img.complete ? null : img.decode().catch(() => null)));
  let typeset = false;
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise; typeset = true;
  }
  const text = document.body.cloneNode(true);
  text.querySelectorAll("pre, code, script, style, textarea, mjx-container, .highlight").forEach((e) => e.remove());
  const raw = [];
  for (const token of ["\\\\(", "\\\\[", "$$"]) {
    const i = text.textContent.indexOf(token);
    if (i >= 0) raw.push(text.textContent.slice(Math.max(0, i - 40), i + 40).replace(/\\s+/g, " "));
  }
  return {
    images: imgs.length,
    broken: imgs.filter((img) => !(img.naturalWidth > 0)).map((img) => img.getAttribute("src")),
    math: document.querySelectorAll("span.math, div.math").length,
    mathjax: typeset,
    mjx: document.querySelectorAll("mjx-container").length,
    merror: Array.from(document.querySelectorAll("mjx-merror")).map((e) => e.getAttribute("data-mjx-error") || e.textContent),
    raw: raw,
    proofs: document.querySelectorAll("div.proof").length,
    boxes_missing: labels.filter((id) => { const e = document.getElementById(id); return !e || !e.classList.contains("proof"); }),
  };
}"""


def inspect(context, url: str, labels: list[str], screenshot=None, boxes: int = 0) -> dict:
    """Open ``url`` in a new tab and return what a reader would meet, with ``problems`` (empty when the
    page is as it should be)."""
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    outside_before = len(context.outside)
    t0 = time.time()
    try:
        response = page.goto(url, wait_until="load")
        facts = page.evaluate(_FACTS, labels)
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.close()
    facts.update(status=response.status if response else None, errors=errors,
                 outside=context.outside[outside_before:], seconds=round(time.time() - t0, 2))
    problems = []
    if facts["status"] != 200:
        problems.append(f"status {facts['status']}")
    problems += errors
    problems += [f"image not loaded: {src}" for src in facts["broken"]]
    problems += [f"request left 127.0.0.1: {u}" for u in facts["outside"]]
    if facts["math"]:
        if not facts["mathjax"]:
            problems.append("MathJax did not load: the formulas are raw TeX")
        elif facts["mjx"] < facts["math"]:
            problems.append(f"{facts['math'] - facts['mjx']} of {facts['math']} formulas not rendered by MathJax")
    problems += [f"MathJax error: {m}" for m in facts["merror"]]
    problems += [f"raw TeX outside code: ...{s}..." for s in facts["raw"]]
    problems += [f"theorem box missing: {label}" for label in facts["boxes_missing"]]
    if facts["proofs"] < boxes:
        problems.append(f"{boxes - facts['proofs']} of the source's {boxes} theorem boxes are not on the page")
    facts["problems"] = problems
    return facts


REPORT: dict[str, dict] = {}


@pytest.mark.parametrize("page", toc_pages())
def test_page_as_a_reader_meets_it(page, browser, book_url):
    labels = theorem_labels(page)
    shot = None
    if page.startswith("chapters/"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"{page.removeprefix('chapters/')}.png"
    facts = inspect(browser, f"{book_url}{page}.html", labels, shot, boxes=box_count(page))
    REPORT[page] = {k: v for k, v in facts.items() if k not in ("errors",)}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "browser_report.json").write_text(json.dumps(REPORT, indent=1) + "\n")
    assert not facts["problems"], f"{page}: " + "; ".join(facts["problems"])
    assert facts["boxes_missing"] == [] and len(labels) == len(set(labels))
    if page.startswith("chapters/"):
        assert labels, f"{page}: its source has no theorem box"
        assert facts["math"] and facts["images"], f"{page}: a chapter page without math or figures"


def test_ledger_links_reach_their_targets(built_book):
    """Every link of the generated pages to an anchor (a theorem box, a check's cell) finds its id."""
    checked = 0
    for name in pages.GENERATED:
        html = (built_book / f"{name}.html").read_text()
        for target, anchor in re.findall(r'href="([\w/.-]+\.html)#([\w-]+)"', html):
            assert f'id="{anchor}"' in (built_book / target).read_text(), f"{name}: {target}#{anchor} has no target"
            checked += 1
    assert checked >= 1, "the claims ledger links to no theorem box and no cell"
    # every check of every chapter links to the cell that showed its verdict (none falls back to the page)
    records = pages.chapter_records(PATHS)
    claims = (built_book / "claims.html").read_text()
    for rec in records:
        for key in rec["results"]["checks"]:
            assert f'href="chapters/{rec["name"]}.html#{check_anchor(key)}"' in claims, (
                f"{rec['name']}.{key}: the ledger has no link to the cell that computed it")


def _first_chapter_with_math_images_boxes(html) -> str:
    for page in toc_pages():
        if page.startswith("chapters/") and theorem_labels(page):
            text = (html / f"{page}.html").read_text()
            if re.search(r'<img [^>]*src="\.\./_images/', text) and 'class="math' in text:
                return page
    raise AssertionError("no chapter page with figures, math and theorem boxes to break")


def test_a_broken_page_is_caught(browser, built_book, serve, tmp_path):
    """Break one image, one formula (two ways), one theorem box and add an outside request in a copy of
    the built HTML, and load MathJax from a CDN on another page: the inspection must report every one."""
    copy = tmp_path / "html"
    shutil.copytree(built_book, copy)
    page = _first_chapter_with_math_images_boxes(copy)
    path = copy / f"{page}.html"
    text = path.read_text()
    label = theorem_labels(page)[0]
    image = re.search(r'<img [^>]*src="\.\./(_images/[^"]+)"', text).group(1)
    (copy / image).write_bytes(b"not a png")
    text, n = re.subn(rf'<div class="proof [^"]*" id="{label}">', '<div class="box-removed">', text, count=1)
    assert n == 1
    main = text.index("<main")
    text = text[:main] + re.sub(r'(<span class="math notranslate nohighlight">)\\\(.*?\\\)</span>',
                                r"\1\\(\\frac{1}\\)</span>", text[main:], count=1)  # \frac lacks an argument
    text = text.replace("</main>", "<p>\\(\\frac{1}{x\\) unbalanced, never typeset</p>"
                        '<img src="https://example.org/tracker.png" alt=""></main>', 1)
    path.write_text(text)
    facts = inspect(browser, f"{serve(copy)}{page}.html", theorem_labels(page), boxes=box_count(page))
    found = "\n".join(facts["problems"])
    assert f"image not loaded: ../{image}" in found
    assert f"theorem box missing: {label}" in found
    assert f"1 of the source's {box_count(page)} theorem boxes are not on the page" in found
    assert "MathJax error" in found
    assert "raw TeX outside code" in found
    assert "request left 127.0.0.1: https://example.org/tracker.png" in found

    # MathJax from a CDN, as the book had it before issue 13: blocked, and the formulas stay raw TeX
    intro = copy / "intro.html"
    html, n = re.subn(r'src="_static/mathjax/tex-chtml\.js[^"]*"',
                      'src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"', intro.read_text())
    assert n == 1, "intro.html does not load the book's own MathJax"
    intro.write_text(html)
    found = "\n".join(inspect(browser, f"{serve(copy)}intro.html", [])["problems"])
    assert "request left 127.0.0.1: https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js" in found
    assert "MathJax did not load" in found and "raw TeX outside code" in found


def test_the_ledger_sorts_by_a_clicked_column(browser, book_url):
    """The claims ledger's table sorts by the column whose header a reader clicks, up then down."""
    page = browser.new_page()
    try:
        page.goto(f"{book_url}claims.html", wait_until="load")
        table = page.locator("div.sortable-table table")
        headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
        col = headers.index("kind")

        def column() -> list[str]:
            return [t.strip() for t in table.locator(f"tbody tr td:nth-child({col + 1})").all_inner_texts()]

        before = column()
        assert len(before) >= 2 and len(set(before)) >= 2, "the ledger needs two kinds of check to sort"
        table.locator("thead th").nth(col).click()
        assert column() == sorted(before, key=str.lower)
        table.locator("thead th").nth(col).click()
        assert column() == sorted(before, key=str.lower, reverse=True)
    finally:
        page.close()


def test_the_book_reads_from_its_files_with_no_network(browser, built_book):
    """``_build/html/index.html`` opened as a file, as a reader on a train opens it: the redirect to the
    intro, every formula typeset with MathJax's own fonts, no error, and no request to any host."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    outside_before = len(browser.outside)
    chapter = next(p for p in toc_pages() if p.startswith("chapters/"))
    try:
        page.goto((built_book / "index.html").as_uri())
        page.wait_for_url("**/intro.html")
        for url in ((built_book / "intro.html").as_uri(), (built_book / f"{chapter}.html").as_uri()):
            page.goto(url, wait_until="load")
            facts = page.evaluate(_FACTS, theorem_labels(chapter) if chapter in url else [])
            fonts = page.evaluate("async () => { await document.fonts.ready; return Array.from(document.fonts)"
                                  ".filter((f) => f.family.startsWith('MJX') && f.status === 'loaded').length; }")
            assert facts["mathjax"] and facts["math"] and facts["mjx"] >= facts["math"], (url, facts)
            assert not facts["raw"] and not facts["merror"] and not facts["broken"], (url, facts)
            assert fonts >= 1, f"{url}: MathJax's fonts did not load from the book's files"
    finally:
        page.close()
    assert not errors, errors
    assert browser.outside[outside_before:] == []
