"""Building a drawing with pyvis: colour by party type, size by exposure, edge width by amount, a legend.

Every amount a drawing shows or sizes by is in the graph's reporting currency at the FX rates of
its as-of date (:func:`stakegraph.measures.money_context`): tooltips give a stated amount with its
currency and the converted one, legends name the currency (a missing rate raises
:class:`stakegraph.errors.MissingRate`, never a 1:1 width).

pyvis (0.3.2) holds the nodes, edges and vis-network options; its HTML
template is never used (see :mod:`stakegraph.viz.page`). Titles are plain text with line
breaks — never HTML.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
from pyvis.network import Network

from stakegraph.audit import display_name as display_name  # re-exported: one definition
from stakegraph.audit import fmt as fmt
from stakegraph.domain import MONEY_PROPS, RELATIONSHIP_KINDS
from stakegraph.measures import Money, edge_size, exposure, money_context, money_stamp, number
from stakegraph.money import normalise_currency
from stakegraph.viz.page import CANVAS_FONT, Graph, LegendEntry

#: Colour of each party kind (organisation type), grouped into families an analyst reads at a glance.
PARTY_COLOURS: Mapping[str, str] = {
    "bank": "#2563eb", "development_bank": "#1e40af", "policy_bank": "#3b82f6",
    "multilateral_agency": "#0ea5e9", "bilateral_agency": "#38bdf8", "trust_fund": "#7dd3fc",
    "fund": "#7c3aed", "institutional_investor": "#a78bfa",
    "corporate": "#059669", "epc_contractor": "#ea580c", "om_operator": "#f97316", "supplier": "#fb923c",
    "advisor": "#a3a3a3", "insurer": "#0d9488", "export_credit_agency": "#14b8a6",
    "government": "#9f1239", "local_contributor": "#be185d", "person": "#ec4899", "other": "#6b7280",
}
#: Colour, shape of the other node types.
TYPE_STYLE: Mapping[str, tuple[str, str]] = {
    "project": ("#eab308", "diamond"), "contract": ("#94a3b8", "triangle"),
    "interaction": ("#cbd5e1", "dot"), "signal": ("#dc2626", "star"),
}
PARTY_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("bank / lender", ("bank", "policy_bank")),
    ("development bank / agency", ("development_bank", "multilateral_agency", "bilateral_agency", "trust_fund")),
    ("fund / investor", ("fund", "institutional_investor")),
    ("corporate", ("corporate",)),
    ("EPC / O&M / supplier", ("epc_contractor", "om_operator", "supplier")),
    ("insurer / ECA", ("insurer", "export_credit_agency")),
    ("government", ("government", "local_contributor")),
    ("person", ("person",)),
    ("advisor / other", ("advisor", "other")),
)
EDGE_COLOURS: Mapping[str, str] = {
    "financing": "#3b82f6", "commercial": "#16a34a", "control": "#7c3aed", "contract": "#94a3b8",
    "people": "#ec4899", "event": "#cbd5e1", "other": "#9ca3af",
}
PLACEHOLDER_COLOUR = "#f1f5f9"
HIGHLIGHT = "#dc2626"

#: Numeric props shown in a node's tooltip, in order.
NODE_FACTS: tuple[str, ...] = (
    "name_en", "country", "sector", "status", "date", "credit_rating", "lifecycle_stage", "total_assets", "capital",
    "tier1_capital", "annual_revenue", "replaceability", "capacity_mw", "total_cost", "amount", "currency",
    "value", "severity", "channel", "note",
)
EDGE_FACTS: tuple[str, ...] = (
    "amount", "currency", "annual_revenue", "revenue_share_pct", "share_pct", "status", "start_date", "end_date",
    "role", "contract_id", "tenor_years", "rate", "recovery_rate", "cross_default_threshold", "guarantee_cap",
    "bet_on_target", "bet_on_buyback", "repayment_adjustment", "cover",
)


def node_colour(data: Mapping[str, Any]) -> str:
    t = data.get("type")
    if t == "party":
        return PARTY_COLOURS.get(str(data.get("kind")), PARTY_COLOURS["other"])
    return TYPE_STYLE.get(str(t), ("#9ca3af", "dot"))[0]


def node_shape(data: Mapping[str, Any]) -> str:
    t = data.get("type")
    return "dot" if t == "party" else TYPE_STYLE.get(str(t), ("", "dot"))[1]


def currency_of(G: nx.Graph) -> str:
    """The reporting currency every amount of a view of ``G`` is shown in."""
    return money_context(G).reporting


def money_text(value: float | None, currency: str) -> str:
    """An amount with its currency (``-`` when absent).

    >>> money_text(1500.0, "USD"), money_text(None, "USD")
    ('1,500 USD', '-')
    """
    return "-" if value is None else f"{fmt(value)} {currency}"


def money_note(G: nx.Graph) -> str:
    """What a view's amounts are in: the currency and, when any converts, the FX date and rule."""
    st = money_stamp(G)
    out = f"Amounts in {st['currency']}"
    if "fx_as_of" in st:
        out += f", converted at the FX rates in force on {st['fx_as_of']} ({st['fx_rule']})"
    return out + "."


def fact_line(key: str, data: Mapping[str, Any], money: Money | None = None) -> str:
    """``key: value``; a money property with its currency, and converted to the reporting currency.

    >>> from stakegraph.money import FxRate, FxTable
    >>> import datetime as dt
    >>> m = Money("USD", FxTable([FxRate(dt.date(2024, 1, 1), "CNY", 8.0, "USD")]), lambda: dt.date(2024, 6, 30))
    >>> fact_line("amount", {"amount": 800.0, "currency": "CNY"}, m), fact_line("amount", {"amount": 5}, m)
    ('amount: 800 CNY = 100 USD', 'amount: 5 USD')
    """
    value = data[key]
    field = MONEY_PROPS.get(key)
    x = number(value)
    if money is None or field is None or x is None:
        return f"{key}: {fmt(value)}"
    stated = normalise_currency(data.get(field))
    converted = money.of(data, key)
    if stated is None or stated == money.reporting:
        return f"{key}: {money_text(converted, money.reporting)}"
    return f"{key}: {fmt(x)} {stated} = {money_text(converted, money.reporting)}"


def node_title(node_id: str, data: Mapping[str, Any], extra: Iterable[str] = (), *,
               money: Money | None = None) -> str:
    """Plain-text tooltip: name, type · kind, the facts that are present (money with its currency when
    ``money`` is given), then ``extra`` lines."""
    lines = [str(data.get("name") or node_id), f"{data.get('type', '?')} · {data.get('kind') or '-'}"]
    for k in NODE_FACTS:
        if data.get(k) not in (None, ""):
            lines.append(fact_line(k, data, money))
    lines.append(f"id: {node_id}")
    lines.extend(extra)
    return "\n".join(lines)


def edge_title(data: Mapping[str, Any], src_name: str, dst_name: str, extra: Iterable[str] = (), *,
               money: Money | None = None) -> str:
    kind = str(data.get("kind"))
    lines = [f"{src_name} —{kind}→ {dst_name}"]
    for k in EDGE_FACTS:
        if data.get(k) not in (None, ""):
            lines.append(fact_line(k, data, money))
    if data.get("id"):
        lines.append(f"id: {data['id']}")
    lines.extend(extra)
    return "\n".join(lines)






def log_value(x: float | None) -> float:
    """A log-scaled size value (vis-network scales ``value`` between its min and max)."""
    return 1.0 + math.log10(1.0 + max(0.0, x or 0.0))


def short(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class Builder:
    """Collects nodes and edges in a pyvis ``Network`` and turns them into a :class:`stakegraph.viz.page.Graph`."""

    def __init__(self, graph_id: str, *, directed: bool = True, height: int = 640) -> None:
        self.net = Network(height=f"{height}px", width="100%", directed=directed)
        self.graph_id = graph_id
        self.height = height
        self._ids: set[str] = set()
        self._edge_n = 0

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._ids

    def node(self, node_id: str, label: str, *, title: str, color: str, shape: str = "dot",
             value: float | None = None, size: float | None = None, placeholder: bool = False,
             border: str | None = None, border_width: int = 1, x: float | None = None, y: float | None = None,
             **extra: Any) -> None:
        """Add a node once (later calls with the same id are ignored)."""
        if node_id in self._ids:
            return
        self._ids.add(node_id)
        opts: dict[str, Any] = {"title": title, "shape": shape, "borderWidth": border_width,
                                "font": {"face": CANVAS_FONT}}
        opts["color"] = {"background": color, "border": border or _darker(color),
                         "highlight": {"background": color, "border": "#111827"}}
        if value is not None:
            opts["value"] = value
        if size is not None:
            opts["size"] = size
        if placeholder:
            opts["placeholder"] = True
        if x is not None and y is not None:
            opts.update(x=x, y=y)
        opts.update(extra)
        # pyvis asserts str|int ids and keeps its own list; colour passed inside opts
        self.net.add_node(node_id, label=label or node_id, **opts)

    def edge(self, source: str, target: str, *, title: str, color: str, value: float | None = None,
             width: float | None = None, label: str | None = None, dashes: bool = False,
             edge_id: str | None = None, **extra: Any) -> None:
        self._edge_n += 1
        opts: dict[str, Any] = {"title": title, "color": {"color": color, "highlight": "#111827"},
                                "id": edge_id or f"e{self._edge_n}", "font": {"face": CANVAS_FONT, "size": 10,
                                                                             "align": "middle"}}
        if value is not None:
            opts["value"] = value
        if width is not None:
            opts["width"] = width
        if label:
            opts["label"] = label
        if dashes:
            opts["dashes"] = True
        opts.update(extra)
        self.net.add_edge(source, target, **opts)

    def graph(self, *, physics: bool = True, legend: list[LegendEntry] | None = None,
              facts: list[tuple[str, str]] | None = None, notes: list[str] | None = None,
              hierarchical: bool = False, edge_labels: bool = False) -> Graph:
        """The vis-ready :class:`Graph`: pyvis options plus ours (physics off for precomputed layouts)."""
        if not physics:
            self.net.toggle_physics(False)
        nodes, edges, _heading, _h, _w, options_json = self.net.get_network_data()
        options: dict[str, Any] = json.loads(options_json)
        options["physics"] = (
            {"enabled": True, "solver": "forceAtlas2Based",
             "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110, "avoidOverlap": 0.4},
             "stabilization": {"enabled": True, "iterations": 400, "fit": True, "updateInterval": 50}}
            if physics else {"enabled": False, "stabilization": {"enabled": False}}
        )
        options["nodes"] = {"scaling": {"min": 8, "max": 40, "label": {"enabled": True, "min": 11, "max": 18,
                                                                       "drawThreshold": 8 if len(nodes) > 150 else 5}},
                            "font": {"face": CANVAS_FONT, "size": 12, "strokeWidth": 3, "strokeColor": "#ffffff"}}
        options["edges"] = {"scaling": {"min": 1, "max": 9, "label": {"enabled": False}},
                            "smooth": {"enabled": len(edges) < 1500, "type": "continuous"},
                            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
                            "font": {"face": CANVAS_FONT, "size": 10}}
        options["interaction"] = {"hover": True, "tooltipDelay": 120, "navigationButtons": False,
                                  "hideEdgesOnDrag": len(edges) > 1500, "multiselect": True}
        if hierarchical:
            options["layout"] = {"hierarchical": {"enabled": True, "direction": "LR", "sortMethod": "directed",
                                                  "levelSeparation": 220, "nodeSpacing": 120}}
            options["physics"] = {"enabled": False, "stabilization": {"enabled": False}}
        clean_nodes = [{k: v for k, v in n.items() if v is not None} for n in nodes]
        for n in clean_nodes:
            if not n.get("font", {}).get("color"):
                n.setdefault("font", {}).pop("color", None)
        clean_edges = [{k: v for k, v in e.items() if v is not None} for e in edges]
        if not edge_labels:
            for e in clean_edges:
                e.pop("label", None)
        return Graph(self.graph_id, clean_nodes, clean_edges, options, legend or [], facts or [], notes or [],
                     self.height)


def _darker(hex_colour: str) -> str:
    try:
        r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return "#374151"
    return "#{:02x}{:02x}{:02x}".format(*(int(c * 0.7) for c in (r, g, b)))


def type_legend(G: nx.MultiDiGraph, nodes: Iterable[Any]) -> list[LegendEntry]:
    """Legend entries for the party families and node types present among ``nodes``."""
    kinds: set[str] = set()
    types: set[str] = set()
    for n in nodes:
        d = G.nodes[n]
        types.add(str(d.get("type")))
        if d.get("type") == "party":
            kinds.add(str(d.get("kind")))
    out = []
    for label, members in PARTY_FAMILIES:
        present = [k for k in members if k in kinds]
        if present:
            out.append(LegendEntry(label, PARTY_COLOURS[present[0]]))
    for t, (colour, shape) in TYPE_STYLE.items():
        if t in types:
            out.append(LegendEntry(f"{t} ({shape})", colour))
    return out


def add_graph_node(b: Builder, G: nx.MultiDiGraph, n: Any, *, value: float | None = None,
                   extra: Iterable[str] = (), label: str | None = None, **opts: Any) -> None:
    """Add projection node ``n`` with the house style (colour by type, size by exposure unless ``value``).

    Money facts in the tooltip carry their currency and the reporting-currency amount; a node sized
    by exposure says so, in the reporting currency."""
    d = G.nodes[n]
    money = money_context(G)
    extra = list(extra)
    if "size" in opts:  # an explicit size wins over the exposure scaling
        value = None
    elif value is None:
        if d.get("type") in ("party", "project"):
            x = exposure(G, n)
            value = log_value(x)
            extra.insert(0, f"exposure: {money_text(x, money.reporting)} (node size)")
        else:
            value = 0.5
    b.node(str(n), short(label if label is not None else str(d.get("name") or n)),
           title=node_title(str(n), d, extra, money=money), color=opts.pop("color", node_colour(d)),
           shape=opts.pop("shape", node_shape(d)), value=value, **opts)


def add_graph_edge(b: Builder, G: nx.MultiDiGraph, u: Any, v: Any, d: Mapping[str, Any], *,
                   extra: Iterable[str] = (), **opts: Any) -> None:
    """Add projection edge ``u → v`` with the house style (colour by category, width by the amount in the
    reporting currency)."""
    kind = str(d.get("kind"))
    rk = RELATIONSHIP_KINDS.get(kind)
    colour = EDGE_COLOURS.get(rk.category if rk else "other", EDGE_COLOURS["other"])
    money = money_context(G)
    amount = edge_size(d, money=money)
    status = str(d.get("status") or "")
    b.edge(str(u), str(v), title=edge_title(d, str(G.nodes[u].get("name") or u), str(G.nodes[v].get("name") or v),
                                            extra, money=money),
           color=opts.pop("color", colour), value=opts.pop("value", log_value(amount) if amount else 0.5),
           label=opts.pop("label", kind), dashes=opts.pop("dashes", status in ("ended", "terminated", "recalled")),
           edge_id=str(d.get("id") or ""), **opts)


def edge_legend(kinds: Iterable[str], currency: str | None = None) -> list[LegendEntry]:
    """Legend entries for the relationship categories among ``kinds``; ``currency``: what widths are in."""
    cats = sorted({RELATIONSHIP_KINDS[k].category for k in kinds if k in RELATIONSHIP_KINDS})
    out = [LegendEntry(f"{c} relationship", EDGE_COLOURS[c], "line", 18) for c in cats]
    if out:
        unit = f"amount in {currency}" if currency else "amount"
        out.append(LegendEntry(f"width = {unit}; dashed = ended / recalled", "#9ca3af", "line", 18))
    return out
