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


def assert_checks_well_formed(ch) -> None:
    assert ch.checks, f"{ch.name}: no theorem-level checks recorded"
    for key, c in ch.checks.items():
        assert c["verdict"] in ("pass", "fail"), f"{ch.name}.{key}: verdict {c['verdict']!r}"
        assert c["reason"] and c["title"], f"{ch.name}.{key}: check without title or reason"
        assert "measured" in c and "predicted" in c


def assert_meta(ch, profile: str = "quick") -> None:
    meta = ch.results["meta"]
    assert meta["chapter"] == ch.name and meta["profile"] == profile
    assert meta["wall_time_s"] > 0 and ch.results["config"]
