"""The size profiles, devices and size overrides a chapter accepts, checked before any compute.

The pipeline injects ``profile``, ``device``, ``seed`` and ``out_dir`` into every chapter. The
pipeline (before it starts a kernel) and ``Chapter`` (also when a chapter is run by hand) both check
the first two with these functions, so a typo fails at once, before any compute, with one message that
lists the valid choices. Whether a named device is present is the question of
``overparam.runtime.resolve_device``.

Size overrides (``python -m overparam run --chapter NAME --set n=200 --set widths=[64,128]``) replace
entries of the active row of a chapter's size table. ``parse_set`` reads them, ``size_table_of`` finds the
chapter's table in its source without running anything (a dict literal in the chapter, or a module-level
dict of the experiments package it imports, read with ``ast``), and ``check_overrides`` validates them
against it: an unknown name or a value of another kind than the table's fails at once with the valid
names. The pipeline passes them to the kernel in ``$OVERPARAM_SET`` (JSON, ``SET_ENV``), where
``Chapter`` applies them (``apply_overrides``), shows them in its size table and records them in
``results.json`` (``meta.overrides``); they are part of the cache key.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["DEVICES", "PROFILES", "SET_ENV", "apply_overrides", "check_overrides", "overrides_from_env",
           "parse_set", "size_table_of", "validate_device", "validate_profile"]

SET_ENV = "OVERPARAM_SET"
"""Environment variable with a chapter's size overrides as a JSON object (set by the pipeline)."""

PROFILES = ("quick", "paper")
"""Size profiles: ``quick`` (CPU, minutes; the paper's protocol scaled down) and ``paper`` (GPU)."""
DEVICES = ("auto", "cpu", "cuda")
"""Device names; ``cuda:N`` is accepted too."""


def validate_profile(profile: str) -> str:
    """Check that ``profile`` is one of ``PROFILES``.

    Parameters
    ----------
    profile : str
        The size profile asked for.

    Returns
    -------
    str
        ``profile`` itself.

    Raises
    ------
    ValueError
        An unknown profile; the message lists the valid ones.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; valid profiles: {', '.join(PROFILES)}")
    return profile


def validate_device(device: str) -> str:
    """Check that ``device`` names a device (whether it is present is ``resolve_device``'s question).

    Parameters
    ----------
    device : str
        One of ``DEVICES`` or ``cuda:N``.

    Returns
    -------
    str
        ``device`` itself.

    Raises
    ------
    ValueError
        Not a device name; the message lists the valid ones.
    """
    if not (device in DEVICES or (isinstance(device, str) and device.startswith("cuda:"))):
        raise ValueError(f"unknown device {device!r}; valid devices: {', '.join(DEVICES)} (or cuda:N)")
    return device


def parse_set(items: list[str] | None) -> dict[str, Any]:
    """Parse ``--set NAME=VALUE`` items; VALUE is a Python literal (``200``, ``[64, 128]``, ``0.5``,
    ``None``) or, when it is not one, a plain string.

    Parameters
    ----------
    items : list of str, optional

    Returns
    -------
    dict
        NAME -> value, in the order given.

    Raises
    ------
    ValueError
        An item without ``=``, an empty or repeated name.
    """
    out: dict[str, Any] = {}
    for item in items or []:
        name, eq, raw = item.partition("=")
        name = name.strip()
        if not eq or not name.isidentifier():
            raise ValueError(f"--set {item!r}: expected NAME=VALUE, e.g. --set n=200")
        if name in out:
            raise ValueError(f"--set {name} is given twice")
        try:
            out[name] = ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError):
            out[name] = raw.strip()
    return out


def _kind(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


def _fits(value: Any, examples: list[Any]) -> bool:
    """Whether ``value`` is of a kind the table uses for this size (any profile's value)."""
    kinds = {_kind(v) for v in examples if v is not ...}
    if not kinds:
        return True
    k = _kind(value)
    if k == "number" and isinstance(value, float) and not isinstance(value, bool):
        ints_only = all(isinstance(v, int) and not isinstance(v, bool) for v in examples if _kind(v) == "number")
        if ints_only and not value.is_integer():
            return False
    if k == "list":
        inner = [x for v in examples if isinstance(v, (list, tuple)) for x in v]
        return "list" in kinds and all(_fits(x, inner) for x in value) if inner else "list" in kinds
    return k in kinds


def check_overrides(table: Mapping[str, Any], overrides: Mapping[str, Any], chapter: str = "the chapter") -> None:
    """Check overrides against a size table.

    Parameters
    ----------
    table : mapping
        NAME -> {profile: value} (a value may be ``...`` when it could not be read without running code).
    overrides : mapping
        NAME -> value.
    chapter : str
        For the message.

    Raises
    ------
    ValueError
        An unknown name (the message lists the valid ones) or a value of another kind than the table's
        (a number for a list, a fraction for a count, a string for a number).
    """
    unknown = [k for k in overrides if k not in table]
    if unknown:
        raise ValueError(f"unknown size(s) {', '.join(unknown)} for {chapter}; valid: {', '.join(table)}")
    for k, v in overrides.items():
        examples = list(table[k].values()) if isinstance(table[k], Mapping) else [table[k]]
        if not _fits(v, examples):
            shown = ", ".join(f"{p}={val!r}" for p, val in table[k].items()) if isinstance(table[k], Mapping) else ""
            raise ValueError(f"bad value for size {k} of {chapter}: {v!r} is not of the kind of its "
                             f"table entries ({shown})")


def apply_overrides(table: Mapping[str, Mapping[str, Any]], profile: str, overrides: Mapping[str, Any],
                    chapter: str = "the chapter") -> dict[str, Any]:
    """The active sizes: ``table``'s ``profile`` row with ``overrides`` in place (checked first).

    Parameters
    ----------
    table : mapping
        NAME -> {profile: value}.
    profile : str
    overrides : mapping
    chapter : str
        For the message.

    Returns
    -------
    dict
        NAME -> value.

    Raises
    ------
    ValueError
        As ``check_overrides``.
    """
    check_overrides(table, overrides, chapter)
    return {k: overrides.get(k, row[profile]) for k, row in table.items()}


def overrides_from_env() -> dict[str, Any]:
    """The overrides the pipeline passed to this kernel (``$OVERPARAM_SET``), or {}.

    Returns
    -------
    dict

    Raises
    ------
    TypeError
        The variable is not a JSON object.
    """
    raw = os.environ.get(SET_ENV)
    if not raw:
        return {}
    val = json.loads(raw)
    if not isinstance(val, dict):
        raise TypeError(f"${SET_ENV} must be a JSON object, got {raw!r}")
    return val


def _dict_literal(node: ast.AST) -> dict[str, Any] | None:
    """A dict display's string keys with each value as a literal, or ``...`` where it is not one."""
    if not isinstance(node, ast.Dict):
        return None
    out: dict[str, Any] = {}
    for k, v in zip(node.keys, node.values):
        if not (isinstance(k, ast.Constant) and isinstance(k.value, str)):
            return None
        row = {}
        if isinstance(v, ast.Dict):
            for pk, pv in zip(v.keys, v.values):
                if isinstance(pk, ast.Constant) and isinstance(pk.value, str):
                    try:
                        row[pk.value] = ast.literal_eval(pv)
                    except ValueError:
                        row[pk.value] = ...
        out[k.value] = row
    return out


def _assigned(tree: ast.AST, name: str) -> dict[str, Any] | None:
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == name for t in targets) and node.value is not None:
            found = _dict_literal(node.value)
            if found is not None:
                return found
    return None


def _parse(text: str) -> ast.AST | None:
    try:
        return ast.parse(text)
    except SyntaxError:
        return None


def size_table_of(source: Path, lib: Path) -> dict[str, Any] | None:
    """A chapter's size table read from its source, without running anything.

    Parameters
    ----------
    source : Path
        The chapter source (``chapters/NAME.md``).
    lib : Path
        The library's folder (``lib/overparam``), where ``sizes=ex.SIZES`` is looked up.

    Returns
    -------
    dict or None
        NAME -> {profile: value} (``...`` for a value that is not a literal); None when the table is
        neither a dict literal in the chapter nor one in the experiments package it names (the kernel's
        ``Chapter`` then checks the overrides when it starts).
    """
    text = source.read_text()
    m = re.search(r"Chapter\([^)]*?sizes\s*=\s*([A-Za-z_][\w.]*)", text, re.DOTALL)
    if not m:
        return None
    ref = m.group(1)
    cells = re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, re.DOTALL)
    code = "\n".join(re.sub(r"^:.*$", "", c, flags=re.MULTILINE) for c in cells)
    if "." not in ref:
        tree = _parse(code)
        return _assigned(tree, ref) if tree is not None else None
    alias, attr = ref.split(".", 1)
    imp = re.search(rf"from overparam\.experiments import (\w+) as {alias}\b", code) or \
        re.search(rf"import overparam\.experiments\.(\w+) as {alias}\b", code)
    if not imp:
        return None
    pkg = lib / "experiments" / imp.group(1)
    files = sorted(pkg.glob("*.py"), key=lambda f: (f.name != "sizes.py", f.name)) if pkg.is_dir() \
        else [pkg.with_suffix(".py")]
    for f in files:
        tree = _parse(f.read_text()) if f.exists() else None
        found = _assigned(tree, attr) if tree is not None else None
        if found is not None:
            return found
    return None
