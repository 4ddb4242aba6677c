"""A Sphinx extension with three fixes a reader's browser console needs (the browser test finds each).

- sphinx-thebe adds its configuration script (``const THEBE_JS_URL = ...``) to every page twice under
  Sphinx 7.4, so the second copy throws "Identifier 'THEBE_JS_URL' has already been declared": each
  page's scripts are made unique (same file and attributes, first copy kept).
- Sphinx loads MathJax only on pages whose body has math, but the sidebar shows chapter titles with
  math on every page (raw ``\\(r(\\alpha)\\)`` on the bibliography): assets are loaded on every page
  (``set_html_assets_policy("always")``; MathJax is local, so this costs no request outside).
- pydata-sphinx-theme logs "Got invalid theme mode" on a reader's first visit, because its default
  mode is empty: it is set to ``auto`` (follow the reader's system) unless the configuration sets one.

Listed in ``_config.yml`` under ``sphinx.extra_extensions``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["setup"]


def _unique_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        key = (str(getattr(js, "filename", js) or ""),  # an inline script's filename is "" or None
               tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def _default_mode(app: Any, config: Any) -> None:
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")
    config.html_context = context


def setup(app: Any) -> dict[str, Any]:
    """Register the three fixes.

    Parameters
    ----------
    app : sphinx.application.Sphinx

    Returns
    -------
    dict
        Extension metadata (safe for parallel reading and writing).
    """
    app.set_html_assets_policy("always")
    app.connect("config-inited", _default_mode)
    app.connect("html-page-context", _unique_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
