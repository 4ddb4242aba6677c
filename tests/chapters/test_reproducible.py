"""One seed on the CPU gives one results.json (DESIGN.md, "Determinism"; issue 8, "Clean pages").

The primer, the cheapest chapter (about 11 s under the quick profile), runs twice through the real
pipeline on the repository's paths; everything its results.json holds outside ``meta`` (where the wall
time lives), and the numbers its figures and tables save, must be the same bytes both times.
"""

import json

from overparam.book import pipeline

from .conftest import PATHS

NAME = "ntk_primer"


def _run() -> dict[str, bytes]:
    """Execute the chapter (no cache) and return its results.json and saved CSVs, by relative path."""
    pipeline.run(PATHS, profile="quick", device="cpu", chapters=[NAME], force=True, progress=False,
                 echo=lambda *args, **kw: None)
    out = PATHS.out / NAME
    return {str(p.relative_to(out)): p.read_bytes()
            for p in [out / "results.json", *sorted(out.glob("figures/*.csv")), *sorted(out.glob("tables/*.csv"))]}


def _without_meta(blob: bytes) -> tuple[dict, str]:
    doc = json.loads(blob)
    doc.pop("meta")
    return doc, json.dumps(doc, indent=2, allow_nan=False)


def test_same_seed_same_results(tmp_path):
    first = _run()
    (tmp_path / "results.json").write_bytes(first["results.json"])  # kept aside: the second run replaces it
    second = _run()

    a, text_a = _without_meta((tmp_path / "results.json").read_bytes())
    b, text_b = _without_meta(second["results.json"])
    assert a["checks"], "the primer recorded no checks"
    assert json.dumps(a["checks"], indent=2) == json.dumps(b["checks"], indent=2)
    assert text_a == text_b, [k for k in a if a[k] != b[k]]
    # The file itself: everything after the meta block is the same bytes.
    tail = [blob[blob.index(b'\n  "config"'):] for blob in ((tmp_path / "results.json").read_bytes(),
                                                            second["results.json"])]
    assert tail[0] == tail[1]

    assert first.keys() == second.keys() and len(first) > 1
    changed = [name for name in first if name != "results.json" and first[name] != second[name]]
    assert not changed, f"saved numbers differ between two runs of one seed: {changed}"
