"""Warnings a load reports without refusing it: ownership above 100 % and ownership/control cycles.

Both can be genuine (cross-holdings, double counting across sources) but usually mean a data
problem; the groups analysis would otherwise report two controllers above 50 % of one company.
Only the relationships of the load itself are looked at.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx

from stakegraph.domain import CONTROL_KINDS as DOMAIN_CONTROL_KINDS

_SHOWN = 10
#: the relationship kinds the checks read (the loader hands over only those), declared by the domain
CONTROL_KINDS = frozenset(DOMAIN_CONTROL_KINDS)


def structure_warnings(edges: Iterable[tuple[str, str, str, dict[str, Any]]]) -> list[str]:
    """Warnings for ``(kind, source, target, props)`` edges.

    >>> structure_warnings([("owns", "a", "c", {"share_pct": 60}), ("owns", "b", "c", {"share_pct": 60})])
    ['ownership of c adds up to 120% (owners: a, b); check the shares (one owner counted twice?)']
    """
    shares: dict[str, float] = defaultdict(float)
    owners: dict[str, list[str]] = defaultdict(list)
    g: nx.DiGraph = nx.DiGraph()
    for kind, src, tgt, props in edges:
        if kind not in CONTROL_KINDS:
            continue
        g.add_edge(src, tgt)
        share = props.get("share_pct")
        if kind == "owns" and isinstance(share, int | float):
            shares[tgt] += share
            owners[tgt].append(src)
    out: list[str] = []
    over = sorted(t for t, total in shares.items() if total > 100.0 + 1e-9)
    for t in over[:_SHOWN]:
        names = sorted(owners[t])
        who = ", ".join(names[:_SHOWN]) + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")
        out.append(f"ownership of {t} adds up to {shares[t]:g}% (owners: {who}); "
                   "check the shares (one owner counted twice?)")
    if len(over) > _SHOWN:
        out.append(f"… ownership above 100% for {len(over) - _SHOWN} more companies")
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    cycles += [[n] for n in nx.nodes_with_selfloops(g)]
    for c in sorted(cycles)[:_SHOWN]:
        out.append(f"ownership/control cycle among {', '.join(c[:_SHOWN])}"
                   + (f" and {len(c) - _SHOWN} more" if len(c) > _SHOWN else "")
                   + "; check the direction of the owns/controls rows")
    if len(cycles) > _SHOWN:
        out.append(f"… {len(cycles) - _SHOWN} more ownership/control cycles")
    return out
