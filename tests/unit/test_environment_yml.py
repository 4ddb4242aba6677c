"""environment.yml (conda, Binder) pins exactly what pyproject.toml pins (issue 13, item 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

tomllib = pytest.importorskip("tomllib")  # Python 3.11+ (the book's environment)

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==(\S+)$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _env() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _env_pip() -> list[str]:
    pip = [d["pip"] for d in _env()["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip) == 1, "environment.yml needs exactly one pip: section"
    return [str(x).strip() for x in pip[0]]


def test_every_pin_of_pyproject_is_in_environment_yml_and_nothing_else():
    project = _pyproject()
    wanted = {}
    for req in project["dependencies"] + project["optional-dependencies"]["test"]:
        m = PIN.match(req.replace(" ", ""))
        assert m, f"pyproject.toml: {req!r} is not an exact pin"
        wanted[_norm(m.group(1))] = m.group(3)
    listed = {}
    for line in _env_pip():
        if line.startswith("-"):  # pip options (an extra index), not packages
            assert line.startswith("--extra-index-url "), f"environment.yml: unexpected pip option {line!r}"
            continue
        m = PIN.match(line.replace(" ", ""))
        assert m, f"environment.yml: {line!r} is not an exact pin (a local path fails on Binder: use postBuild)"
        assert _norm(m.group(1)) not in listed, f"environment.yml lists {m.group(1)} twice"
        listed[_norm(m.group(1))] = m.group(3)
    missing = {k: v for k, v in wanted.items() if k not in listed}
    extra = {k: v for k, v in listed.items() if k not in wanted}
    differ = {k: (wanted[k], listed[k]) for k in wanted.keys() & listed.keys() if wanted[k] != listed[k]}
    assert not (missing or extra or differ), (
        f"environment.yml is out of step with pyproject.toml: missing {missing}, not in pyproject {extra}, "
        f"different versions (pyproject, environment.yml) {differ}")


def test_python_of_environment_yml_meets_requires_python():
    pythons = [d for d in _env()["dependencies"] if isinstance(d, str) and re.match(r"python\b", d)]
    assert len(pythons) == 1, "environment.yml must pin python once"
    version = tuple(int(x) for x in re.search(r"=\s*(\d+(?:\.\d+)*)", pythons[0]).group(1).split("."))
    floor = tuple(int(x) for x in re.search(r">=\s*(\d+(?:\.\d+)*)", _pyproject()["requires-python"]).group(1).split("."))
    assert version[:len(floor)] >= floor
    assert "pip" in _env()["dependencies"]


def test_binder_installs_the_library_after_the_environment():
    post = (ROOT / "postBuild").read_text()
    assert re.search(r"^pip install --no-deps -e \.$", post, re.MULTILINE)
    assert (ROOT / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
