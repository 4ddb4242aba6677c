"""Text for the generated pages' Markdown tables (``overparam.book.pages``): cells, numbers, tolerances,
the verdict marks, and the script that makes a table sortable.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["MARK", "SORTER", "cell", "num", "tolerance_text"]

MARK = {"pass": "✅ pass", "fail": "❌ fail", "inconclusive": "❔ inconclusive"}
SORTER = """<script>
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("div.sortable-table table").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, col) {
      th.style.cursor = "pointer";
      th.title = "click to sort";
      th.addEventListener("click", function () {
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        var up = th.dataset.sort !== "up";
        th.dataset.sort = up ? "up" : "down";
        var key = function (row) {
          var text = row.cells[col].innerText.trim(), x = parseFloat(text);
          return isNaN(x) ? [1, text.toLowerCase()] : [0, x];
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var c = x[0] !== y[0] ? x[0] - y[0] : (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0);
          return up ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
});
</script>"""


def cell(text: Any) -> str:
    """Text for one cell of a Markdown table (no pipe, no newline)."""
    return re.sub(r"\s+", " ", str(text)).replace("|", "\\|").strip() or "—"


def num(v: Any) -> str:
    """A measured or predicted value, short: 4 significant digits, lists of up to 4 entries."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        inner = ", ".join(num(x) for x in v[:4])
        return f"[{inner}{', …' if len(v) > 4 else ''}]"
    if isinstance(v, dict):
        return "; ".join(f"{k}: {num(x)}" for k, x in v.items())
    return str(v)


def _tolerance(cond: dict) -> str:
    """One recorded condition's rule and tolerance in symbols (``checks.Condition.as_dict`` form)."""
    rule = cond.get("rule")
    if rule == "within":
        return f"±{num(cond['tol'])} of {num(cond['target'])}"
    if rule == "band":
        return f"in [{num(cond['lo'])}, {num(cond['hi'])}]"
    if rule == "at_most":
        return f"≤ {num(cond['bound'])}"
    if rule == "at_least":
        return f"≥ {num(cond['bound'])}"
    if rule == "exceeds":
        return f"95% CI above {num(cond['bound'])}"
    return str(rule)


def tolerance_text(check: dict) -> str:
    """Every condition of a check with its tolerance, named when there are several."""
    conds = check.get("conditions") or {}
    return "; ".join(_tolerance(c) if name == "value" else f"{name}: {_tolerance(c)}" for name, c in conds.items())
