"""The book's generated pages: the claims ledger, the errata and the reproducibility record.

``write_generated_pages`` runs before every build (``pipeline.build``). It reads what the chapters
wrote, never the printed page: each chapter's ``results.json`` (its checks and ``meta``), the
pipeline's run record beside it (``_run.json``), the chapter source (its title, its paper's citation key
and its theorem boxes) and the executed notebook (which cell showed which verdict: the ``check-KEY``
anchor of ``display.check_anchor``). It writes three MyST pages into ``book/`` (gitignored):

- ``claims.md``: every check of every chapter of the table of contents in one sortable table, with
  counts per paper, kind and verdict above it;
- ``errata.md``: every check of kind ``erratum``, with the paper's words, the corrected statement
  (``corrected=`` of the check) and the evidence;
- ``reproducibility.md``: the commit and whether the tree was clean, the machines, the versions, and per
  chapter its profile, wall time, verdicts, the command that reproduces it and its slowest cells.

Nothing here is chapter-specific: a chapter joins the pages by being in the table of contents.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from .cache import Paths, chapter_state, library_digest, read_run_record, toc_chapters
from .display import check_anchor
from .page_text import MARK, SORTER, cell, num, tolerance_text
from .results import KINDS, VERDICTS, atomic_write_text

__all__ = ["GENERATED", "chapter_records", "claims_page", "errata_page", "reproducibility_page", "theorem_of",
           "tolerance_text", "write_generated_pages"]

GENERATED = ("claims", "errata", "reproducibility")
"""The generated pages, as files ``book/NAME.md`` (gitignored)."""

_BOX = re.compile(r"^[`:]{3,}\{prf:(\w+)\}[ \t]*(.*)\n:label:[ \t]*(\S+)", re.MULTILINE)
_NUMBERED = re.compile(r"\b(Theorem|Lemma|Corollary|Proposition|Assumption|Definition|Claim|Remark|Fact|"
                       r"Condition|Figure|Table)\s+([A-Z]?\d+(?:\.\d+)*)")
_CITE = re.compile(r"\{cite(?::\w+)?\}`([^`,]+)")


def _source_facts(path: Path) -> dict[str, Any]:
    """Title (first H1), paper (first citation key) and theorem boxes of a chapter source."""
    text = path.read_text() if path.exists() else ""
    h1 = re.search(r"^# (.+)$", text, re.MULTILINE)
    cite = _CITE.search(text)
    boxes = [{"kind": k, "title": t.strip(), "label": lab} for k, t, lab in _BOX.findall(text)]
    return {"title": h1.group(1).strip() if h1 else path.stem, "paper": cite.group(1) if cite else None,
            "boxes": boxes}


def _anchors(notebook: Path) -> dict[str, int]:
    """Which notebook cell (0-based index) shows each check's verdict anchor."""
    if not notebook.exists():
        return {}
    found = {}
    for i, nb_cell in enumerate(json.loads(notebook.read_text()).get("cells", [])):
        for out in nb_cell.get("outputs", []):
            text = "".join(out.get("data", {}).get("text/html", ""))
            for anchor in re.findall(r'<span id="(check-[A-Za-z0-9_-]+)">', text):
                found[anchor] = i
    return found


def chapter_records(paths: Paths) -> list[dict[str, Any]]:
    """What the generated pages need of every chapter of the table of contents that has results.

    Parameters
    ----------
    paths : Paths
        The book's folders.

    Returns
    -------
    list of dict
        In book order: ``name``, ``title``, ``paper`` (citation key or None), ``boxes`` (kind, title,
        label of each theorem box), ``results`` (results.json), ``run`` (the run record or None) and
        ``anchors`` (check anchor -> notebook cell index).
    """
    out = []
    for name in toc_chapters(paths):
        res = paths.out / name / "results.json"
        if not res.exists():
            continue
        out.append({"name": name, **_source_facts(paths.chapters / f"{name}.md"),
                    "results": json.loads(res.read_text()), "run": read_run_record(paths, name),
                    "anchors": _anchors(paths.out / f"{name}.ipynb")})
    return out


def theorem_of(check: dict, boxes: list[dict]) -> tuple[str, str] | None:
    """The theorem box a check tests: the first numbered result (``Theorem 3.1``, ``Lemma 4.1``, ...)
    named in its title, else in its source, whose box title names it too.

    Parameters
    ----------
    check : dict
        The check as recorded in results.json.
    boxes : list of dict
        The chapter's boxes (``title``, ``label``).

    Returns
    -------
    (str, str) or None
        The result's name as written (``"Lemma 3.1"``) and the box's label; None when no box matches.
    """
    for text in (check.get("title") or "", check.get("source") or ""):
        for kind, number in _NUMBERED.findall(text):
            name = f"{kind} {number}"
            for box in boxes:
                if re.search(rf"\b{kind}\s+{re.escape(number)}\b", box["title"]):
                    return name, box["label"]
    return None


def _paper(rec: dict) -> str:
    return f"{{cite:t}}`{rec['paper']}`" if rec["paper"] else cell(rec["title"])


def _cell_link(rec: dict, key: str) -> str:
    anchor = check_anchor(key)
    if anchor not in rec["anchors"]:
        return f"[page](chapters/{rec['name']}.ipynb)"
    return f'<a href="chapters/{rec["name"]}.html#{anchor}">cell {rec["anchors"][anchor]}</a>'


def _counts_table(rows: list[tuple[str, str]], label: str) -> list[str]:
    """A Markdown table of verdict counts per group (rows: (group, verdict) pairs, groups in order)."""
    groups = list(dict.fromkeys(g for g, _ in rows))
    lines = [f"| {label} | " + " | ".join(VERDICTS) + " | total |", "|---" * (len(VERDICTS) + 2) + "|"]
    for g in [*groups, "**all**"]:
        vs = [v for gg, v in rows if gg == g or g == "**all**"]
        lines.append(f"| {g} | " + " | ".join(str(vs.count(v)) for v in VERDICTS) + f" | {len(vs)} |")
    return lines


def claims_page(records: list[dict[str, Any]]) -> str:
    """The claims ledger: counts per paper, kind and verdict, then every check in one sortable table.

    Parameters
    ----------
    records : list of dict
        ``chapter_records``.

    Returns
    -------
    str
        The MyST page.
    """
    rows, by_paper, by_kind = [], [], []
    for rec in records:
        profile = rec["results"].get("meta", {}).get("profile", "—")
        for key, c in rec["results"].get("checks", {}).items():
            by_paper.append((_paper(rec), c["verdict"]))
            by_kind.append((c["kind"], c["verdict"]))
            thm = theorem_of(c, rec["boxes"])
            rows.append("| " + " | ".join([
                _paper(rec), f"{{prf:ref}}`{thm[0]} <{thm[1]}>`" if thm else "—",
                f"{cell(c['title'])} (`{key}`)", cell(c.get("source") or "—"), c["kind"],
                cell(num(c.get("measured"))), cell(num(c.get("predicted"))), cell(tolerance_text(c)),
                MARK.get(c["verdict"], c["verdict"]) + (" (rule set post hoc)" if c.get("post_hoc") else ""),
                profile, _cell_link(rec, key)]) + " |")
    by_kind.sort(key=lambda kv: KINDS.index(kv[0]) if kv[0] in KINDS else len(KINDS))
    head = [
        "# The claims ledger", "",
        "Every check of every chapter, read from the chapters' `results.json` when the book was built: what",
        "the paper says (its words in *source*), the kind of statement (`claim`, `bound`, `remark`, `beyond`,",
        "`erratum`; the rules are in the repository's `CONTRIBUTING.md`), what was measured against what the",
        "theory predicts with the tolerance fixed in advance, and the verdict. *cell* links to the cell that",
        "computed it; *theorem* to the statement's box. Click a column's header to sort by it.",
        "Errors of the papers shown by execution are collected on [the errata page](errata.md).", "",
        "## Counts", "", *_counts_table(by_paper, "paper"), "", *_counts_table(by_kind, "kind"), "",
        "## Every check", "",
    ]
    table = [("| paper | theorem | check | source | kind | measured | predicted | tolerance | verdict | "
             "profile | cell |"), "|---" * 11 + "|", *rows]
    if not rows:
        table = ["No chapter has recorded a check yet: run `python -m overparam run` and build again."]
    return "\n".join([*head, '<div class="sortable-table">', "", *table, "", "</div>", "", SORTER, ""])


def errata_page(records: list[dict[str, Any]]) -> str:
    """Every check of kind ``erratum``: the paper's words, the corrected statement, the evidence.

    Parameters
    ----------
    records : list of dict
        ``chapter_records``.

    Returns
    -------
    str
        The MyST page.
    """
    lines = ["# Errata", "",
             "Statements of the papers that execution shows to be wrong as written: each is a check of kind",
             "`erratum` on its chapter's page, with the paper's words, the statement as it should read and the",
             "numbers that decided it. The [claims ledger](claims.md) lists every other check.", ""]
    n = 0
    for rec in records:
        for key, c in rec["results"].get("checks", {}).items():
            if c["kind"] != "erratum":
                continue
            n += 1
            thm = theorem_of(c, rec["boxes"])
            lines += [f"## {cell(c['title'])}", "",
                      f"{_paper(rec)}" + (f", {{prf:ref}}`{thm[0]} <{thm[1]}>`" if thm else "")
                      + f" — chapter [{cell(rec['title'])}](chapters/{rec['name']}.ipynb), "
                      + f"check `{key}`, {_cell_link(rec, key)}.", "",
                      "**The paper:**", "", f"> {cell(c.get('source') or '—')}", "",
                      "**Corrected:** " + (cell(c["corrected"]) if c.get("corrected")
                                           else "*the chapter does not state the corrected statement yet.*"), "",
                      (f"**Evidence:** {MARK.get(c['verdict'], c['verdict'])} under the "
                      f"`{rec['results'].get('meta', {}).get('profile', '—')}` profile; measured "
                      f"{cell(num(c.get('measured')))} against {cell(num(c.get('predicted')))}: "
                      f"{cell(c.get('reason') or '')}."), ""]
    if not n:
        lines += ["No chapter records an erratum yet.", ""]
    return "\n".join(lines)


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=20,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _pins(root: Path) -> list[tuple[str, str, str, str]]:
    """(name, pinned version, installed version, extra) of every pinned requirement of pyproject.toml
    (extra: "" for the main dependencies)."""
    from importlib import metadata

    try:
        import tomllib
    except ImportError:  # Python 3.10: no version table
        return []
    if not (root / "pyproject.toml").exists():
        return []
    project = tomllib.loads((root / "pyproject.toml").read_text()).get("project", {})
    reqs = [(r, "") for r in project.get("dependencies", [])]
    for extra, rs in project.get("optional-dependencies", {}).items():
        reqs += [(r, extra) for r in rs]
    out = []
    for req, extra in reqs:
        m = re.match(r"^\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*==\s*([^\s;]+)", req)
        if not m:
            continue
        try:
            installed = metadata.version(m.group(1))
        except metadata.PackageNotFoundError:
            installed = "not installed"
        out.append((m.group(1), m.group(2), installed, extra))
    return out


def _state(paths: Paths, name: str, profile: str, device: str, seed: int, digest: str,
           overrides: dict | None) -> str:
    """``cache.chapter_state`` of a chapter for the parameters of its last run ("unknown" if it cannot
    be judged)."""
    try:
        return chapter_state(paths, name, profile, device, seed, digest, **({"overrides": overrides} if overrides else {}))
    except (OSError, ValueError, TypeError):
        return "unknown"


def reproducibility_page(paths: Paths, records: list[dict[str, Any]]) -> str:
    """The build's record: commit, machines, versions, and per chapter how to reproduce it.

    Parameters
    ----------
    paths : Paths
        The book's folders (the repository is asked for its commit and whether its tree is clean).
    records : list of dict
        ``chapter_records``.

    Returns
    -------
    str
        The MyST page.
    """
    import platform

    commit = _git(paths.root, "rev-parse", "HEAD")
    dirty = _git(paths.root, "status", "--porcelain", "--untracked-files=no")
    if commit is None:
        tree = "not a git checkout"
    elif dirty:
        tree = f"`{commit[:12]}` with {len(dirty.splitlines())} modified tracked file(s): not clean"
    else:
        tree = f"`{commit[:12]}`, clean working tree"
    lines = ["# Reproducibility", "",
             "Generated when the book was built, from each chapter's `results.json` and the pipeline's run",
             "record; nothing on this page is typed by hand. How to run everything yourself is on",
             "[Reproduce the book](reproduce.md).", "", "## This build", "",
             f"- built on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} from commit {tree}",
             f"- Python {platform.python_version()} on {platform.system()} {platform.machine()}", "",
             "## The chapters", "",
             "*commit*: the repository's commit when the chapter ran (and whether tracked files had changes);",
             "*current*: whether the chapter's source, the library and the parameters are still those of the run",
             "that produced the page (the pipeline's content hash); *command* reruns exactly that chapter.", "",
             ("| chapter | profile | device | seed | commit | finished | wall time (s) | checks | verdicts | "
              "current | command |"), "|---" * 11 + "|"]
    machines: dict[str, list[str]] = {}
    slow = []
    digest = library_digest(paths)
    for rec in records:
        meta, run = rec["results"].get("meta", {}), rec["run"] or {}
        verdicts = [c["verdict"] for c in rec["results"].get("checks", {}).values()]
        profile, seed = meta.get("profile", "quick"), meta.get("seed", 0)
        device = run.get("device") or meta.get("device_requested") or "auto"
        state = _state(paths, rec["name"], profile, device, seed, digest, run.get("overrides"))
        counts = ", ".join(f"{verdicts.count(v)} {v}" for v in VERDICTS if verdicts.count(v))
        cmd = run.get("command") or (f"python -m overparam run --chapter {rec['name']} --profile {profile} "
                                     f"--device {device} --seed {seed} --force")
        commit = (f"`{run['commit'][:10]}`" + ("" if run.get("tree_clean") else " (modified tree)")
                  if run.get("commit") else "—")
        lines.append(f"| [{cell(rec['title'])}](chapters/{rec['name']}.ipynb) | {profile} | {meta.get('device', '—')} "
                     f"| {seed} | {commit} | {run.get('finished', '—')} "
                     f"| {num(run.get('wall_time_s', meta.get('wall_time_s')))} | {len(verdicts)} | {counts or '—'} "
                     f"| {'yes' if state == 'fresh' else state} | `{cell(cmd)}` |")
        m = meta.get("machine") or {}
        v = meta.get("versions") or {}
        desc = " | ".join(cell(x) for x in (m.get("cpu", "—"), m.get("cpu_count", "—"), m.get("gpu") or "none",
                                              m.get("cuda") or "none", v.get("python", "—"), v.get("torch", "—"),
                                              v.get("numpy", "—"), meta.get("torch_threads", "—")))
        machines.setdefault(desc, []).append(rec["name"])
        for c in meta.get("slowest_cells") or []:
            code = cell(c.get("code", "")).replace("`", "'")
            slow.append(f"| {rec['name']} | {c.get('cell', '—')} | {num(c.get('seconds'))} | `{code}` |")
    lines += ["", "## Where they ran", "",
              "| CPU | cores | GPU | CUDA | Python | torch | numpy | torch threads | chapters |", "|---" * 9 + "|"]
    lines += [f"| {desc} | {', '.join(names)} |" for desc, names in machines.items()]
    lines += ["", "## The slowest cells", "",
              "The five slowest cells of each chapter (timed from the cell that builds the chapter's `Chapter`).",
              ""]
    lines += ["| chapter | cell | seconds | first line |", "|---" * 4 + "|", *slow] if slow else [
        "No chapter recorded cell times (they are recorded by `Chapter` since this page exists)."]
    pins = _pins(paths.root)
    lines += ["", "## Package versions", "",
              "Every pinned requirement of `pyproject.toml` and the version installed where the book was built.", ""]
    lines += ["| package | extra | pinned | installed | |", "|---" * 5 + "|"]
    for n, p, i, extra in pins:
        same = i.split("+")[0] == p  # a local build tag (torch's +cpu, +cu126) is the same release
        mark = "✅" if same else "not installed" if i == "not installed" and extra else "❌ differs"
        lines.append(f"| {n} | {extra or '—'} | {p} | {i} | {mark} |")
    return "\n".join(lines) + "\n"


def write_generated_pages(paths: Paths) -> list[Path]:
    """Write ``book/claims.md``, ``book/errata.md`` and ``book/reproducibility.md`` from the chapters'
    records (a file whose content is unchanged is left alone).

    Parameters
    ----------
    paths : Paths
        The book's folders.

    Returns
    -------
    list of Path
        The three pages.
    """
    records = chapter_records(paths)
    pages = {"claims": claims_page(records), "errata": errata_page(records),
             "reproducibility": reproducibility_page(paths, records)}
    written = []
    for name, text in pages.items():
        path = paths.book / f"{name}.md"
        if not path.exists() or path.read_text() != text:
            atomic_write_text(path, text)
        written.append(path)
    return written
