"""What a chapter shows under a cell: glued values for the prose and the verdict line of a check.

Under a kernel (a notebook, the pipeline) the verdict is Markdown with the kind, the paper's words and a
post-hoc mark beside it; in a script it is one plain line, so nothing prints an object's repr.
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue_value", "show_verdict"]


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


def show_verdict(title: str, entry: dict) -> None:
    """Show the verdict under the cell that computed it, so the page states it where it is measured.

    Parameters
    ----------
    title : str
        The check's title.
    entry : dict
        The check as ``Results.check`` recorded it.
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
    lines = [f"{mark} — *{title}*: {entry['reason']}"]
    # the kind and the paper's words beside the verdict (the verdict rules 1 and 2), and a rule chosen
    # after seeing the result marked as such (rule 5)
    if entry.get("source"):
        lines.append(f"<br>*{entry['kind']}* · {entry['source']}")
    if entry.get("post_hoc"):
        lines.append(f"<br>⚠️ *rule set after seeing the result:* {entry['post_hoc']}")
    display(Markdown("".join(lines)))
