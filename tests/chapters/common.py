"""Assertions every executed chapter must satisfy (used by each chapter's test module)."""

from __future__ import annotations

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_no_errors(ch) -> None:
    for i, cell in enumerate(ch.notebook.cells):
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{ch.name}: cell {i} has an error output"
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                assert "Traceback" not in out.get("text", ""), f"{ch.name}: cell {i} printed a traceback"


def assert_figures(ch) -> None:
    figures = ch.results["figures"]
    assert figures, f"{ch.name}: results.json names no figure"
    shown = sum(1 for c in ch.notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    assert shown >= len(figures), f"{ch.name}: {len(figures)} figures saved but only {shown} shown on the page"
    for rel in figures:
        png = ch.dir / rel
        assert png.exists(), f"{ch.name}: missing figure {rel}"
        blob = png.read_bytes()
        assert blob.startswith(PNG_MAGIC) and len(blob) > 5_000, f"{ch.name}: {rel} is not a real image"
        for ext in ("svg", "csv"):
            sib = png.with_suffix(f".{ext}")
            assert sib.exists() and sib.stat().st_size > 0, f"{ch.name}: {rel} has no {ext} beside it"


KINDS = ("claim", "bound", "remark", "beyond", "erratum")


def decide(cond: dict) -> str:
    """Decide one recorded condition from its numbers: "pass", "fail" or "inconclusive". Written here
    again, not imported from the library, so that a wrong rule in ``overparam.book.checks`` cannot agree
    with itself."""
    v = cond.get("value")
    if v is None:
        return "fail"
    if cond["rule"] == "exceeds":
        lo, hi = cond["interval"]
        return "pass" if lo > cond["bound"] else "fail" if hi < cond["bound"] else "inconclusive"
    return "pass" if holds(cond) else "fail"


def holds(cond: dict) -> bool:
    """Whether a recorded pass/fail condition holds (see ``decide``)."""
    v = cond.get("value")
    if v is None:
        return False
    rule = cond["rule"]
    if rule == "within":
        return abs(v - cond["target"]) <= cond["tol"]
    if rule == "band":
        return cond["lo"] <= v <= cond["hi"]
    if rule == "at_most":
        return v <= cond["bound"]
    if rule == "at_least":
        return v >= cond["bound"]
    raise AssertionError(f"unknown rule {rule!r}")


def assert_checks_well_formed(ch) -> None:
    assert ch.checks, f"{ch.name}: no theorem-level checks recorded"
    for key, c in ch.checks.items():
        assert c["verdict"] in ("pass", "fail", "inconclusive"), f"{ch.name}.{key}: verdict {c['verdict']!r}"
        assert c["reason"] and c["title"], f"{ch.name}.{key}: check without title or reason"
        assert c["kind"] in KINDS, f"{ch.name}.{key}: kind {c['kind']!r}"
        assert c.get("source"), f"{ch.name}.{key}: no source (the paper's words the check tests)"
        assert "measured" in c and "predicted" in c
        assert c["conditions"], f"{ch.name}.{key}: no condition with a tolerance"


def assert_verdicts(ch, expected: dict[str, str]) -> None:
    """Every check of the chapter is listed in ``expected`` and its measured values, decided against
    the tolerances recorded with them, give the expected verdict (a measured value that moves across
    its tolerance fails this test, whatever verdict string the chapter wrote)."""
    assert set(ch.checks) == set(expected), (
        f"{ch.name}: checks not in the test: {sorted(set(ch.checks) - set(expected))}; "
        f"in the test but not run: {sorted(set(expected) - set(ch.checks))}")
    wrong = {}
    for key, want in expected.items():
        c = ch.checks[key]
        outcomes = [decide(cond) for cond in c["conditions"].values()]
        decided = "fail" if "fail" in outcomes else "inconclusive" if "inconclusive" in outcomes else "pass"
        assert c["verdict"] == decided, f"{ch.name}.{key}: verdict {c['verdict']} but the numbers say {decided}"
        if c["verdict"] != want:
            wrong[key] = f"expected {want}, measured {c['verdict']}: {c['reason']}"
    assert not wrong, wrong


def assert_meta(ch, profile: str = "quick") -> None:
    meta = ch.results["meta"]
    assert meta["chapter"] == ch.name and meta["profile"] == profile
    assert meta["wall_time_s"] > 0 and ch.results["config"]


def assert_clean_page(ch) -> None:
    """No stderr, warning or machine path on the page (those belong to the terminal that ran it)."""
    import re

    home = re.compile(r"(/root/|/home/|/tmp/|/work/|site-packages|\.venv)")
    for i, cell in enumerate(ch.notebook.cells):
        for out in cell.get("outputs", []):
            assert not (out.get("output_type") == "stream" and out.get("name") == "stderr"), (
                f"{ch.name}: cell {i} writes to stderr: {out.get('text', '')[:200]!r}")
            text = out.get("text", "") if out.get("output_type") == "stream" else "".join(
                str(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
            assert "Warning" not in text, f"{ch.name}: cell {i} shows a warning: {text[:200]!r}"
            assert not home.search(text), f"{ch.name}: cell {i} shows a machine path: {text[:200]!r}"
