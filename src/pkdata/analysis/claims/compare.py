"""How a claim's value is compared with what the claim says: ``compare`` and ``expect`` (and ``tolerance``).

Comparisons: ``about`` (within ``tolerance``, a fraction of ``expect``; default 5%), ``at_least``,
``at_most``, ``more_than``, ``less_than``, ``equal`` (exactly). Ranks have their own (``equal`` with
ties, :mod:`.metrics.general`), as do the group comparisons (``more than each``: metric ``personnel_lead``).

>>> compare(2518.5, {"expect": 2500, "tolerance": 0.1})
(True, '2,500 ± 10% (2,250..2,750)', 'within 2,250..2,750')
>>> compare(3, {"expect": 1, "compare": "at_least"})[:2]
(True, 'at least 1')
"""

from __future__ import annotations

import math

from pkdata.analysis.claims.model import Params

#: The comparisons a claim file may name.
COMPARISONS = ("about", "at_least", "at_most", "more_than", "less_than", "equal")
#: ``about`` without a ``tolerance``: within 5%.
DEFAULT_TOLERANCE = 0.05


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.3g}" if abs(x) < 100 else f"{x:,.1f}"


def compare(value: float, p: Params) -> tuple[bool, str, str]:
    """Whether ``value`` is as claimed, the comparison as text, and a phrase for the evidence.

    >>> compare(10.24, {"expect": 10.3, "compare": "about", "tolerance": 0.01})
    (True, '10.3 ± 1% (10.2..10.4)', 'within 10.2..10.4')
    >>> compare(5.0, {"expect": 6, "compare": "more_than"})
    (False, 'more than 6', 'not more than 6')
    """
    how, expect = p.get("compare", "about"), float(p["expect"])
    if how == "about":
        tol = float(p.get("tolerance", DEFAULT_TOLERANCE))
        low, high = expect * (1 - tol), expect * (1 + tol)
        ok = low <= value <= high
        band = f"{_num(low)}..{_num(high)}" if expect >= 100 else f"{low:.3g}..{high:.3g}"
        return ok, f"{_num(expect)} ± {tol:.0%} ({band})", f"{'within' if ok else 'outside'} {band}"
    ok = {
        "at_least": value >= expect,
        "at_most": value <= expect,
        "more_than": value > expect,
        "less_than": value < expect,
        "equal": math.isclose(value, expect),
    }[how]
    words = how.replace("_", " ")
    text = f"{words} {_num(expect)}" if how != "equal" else f"equal to {_num(expect)}"
    return ok, text, text if ok else f"not {text}"
