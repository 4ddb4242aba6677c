"""What a chapter shows under a cell: glued values for the prose and the verdict line of a check.

Under a kernel (a notebook, the pipeline) the verdict is Markdown with the kind, the paper's words and a
post-hoc mark beside it; in a script it is one plain line, so nothing prints an object's repr.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["check_anchor", "glue_value", "show_verdict"]


def check_anchor(key: str) -> str:
    """The HTML id of a check's verdict line on its page (the claims ledger links to it).

    Parameters
    ----------
    key : str
        The check's key.

    Returns
    -------
    str
        ``check-KEY``, every character outside ``[A-Za-z0-9_-]`` replaced by ``-``.
    """
    return "check-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


def glue_value(key: str, value: Any) -> None:
    """Glue ``value`` under ``key`` for the prose (MyST-NB), without showing it under the cell.

    Parameters
    ----------
    key : str
    value : Any
    """
    try:
        from myst_nb import glue
    except ImportError:  # outside a notebook toolchain: gluing is only for the rendered book
        return
    glue(key, value, display=False)


def show_verdict(title: str, entry: dict, key: str | None = None) -> None:
    """Show the verdict under the cell that computed it, so the page states it where it is measured.

    Parameters
    ----------
    title : str
        The check's title.
    entry : dict
        The check as ``Results.check`` recorded it.
    key : str, optional
        The check's key: an empty ``<span id="check-KEY">`` (``check_anchor``) is shown just above the
        line, the target of the claims ledger's link to this cell.
    """
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        return
    # a kernel (a notebook, the pipeline) renders Markdown; a script or terminal IPython would print its
    # repr, and myst_nb's glue creates a shell there, so ask for a kernel rather than for any shell
    if getattr(get_ipython(), "kernel", None) is None:
        text = f"{entry['verdict'].upper()}: {title}: {entry['reason']}"
        print(text)
        return
    mark = {"pass": "✅ **PASS**", "fail": "❌ **FAIL**", "inconclusive": "❔ **INCONCLUSIVE**"}[entry["verdict"]]
    if key:  # the ledger's link target, an empty element just above the verdict line
        from IPython.display import HTML

        display(HTML(f'<span id="{check_anchor(key)}"></span>'))
    lines = [f"{mark} — *{title}*: {entry['reason']}"]
    # the kind and the paper's words beside the verdict (the verdict rules 1 and 2), and a rule chosen
    # after seeing the result marked as such (rule 5)
    if entry.get("source"):
        lines.append(f"<br>*{entry['kind']}* · {entry['source']}")
    if entry.get("post_hoc"):
        lines.append(f"<br>⚠️ *rule set after seeing the result:* {entry['post_hoc']}")
    display(Markdown("".join(lines)))
