"""Pure analytics over the NetworkX projection (``GraphStore.project()``).

Every function takes ``G`` (or arrays) first, does no I/O and returns a frozen
dataclass carrying a :class:`~stakegraph.analytics.stamp.Stamp`. See
``docs/analytics/structure.md`` and ``docs/analytics/risk.md`` for formulas,
variants and references. Functions named like their module (``concentration``,
``cofinancing``, ``debtrank``) are imported from the module, e.g.
``from stakegraph.analytics.concentration import concentration``, so the package
attribute stays the module.
"""

from stakegraph.analytics.cascade import threshold_cascade, threshold_cascade_graph
from stakegraph.analytics.clearing import clearing_graph, clearing_vector
from stakegraph.analytics.cofinancing import cofinancing_graph
from stakegraph.analytics.concentration import (
    bands,
    hhi,
    merger_delta,
    portfolio_concentration,
)
from stakegraph.analytics.debtrank import debtrank_each, debtrank_graph
from stakegraph.analytics.dependencies import (
    articulation_points_and_bridges,
    central_dependencies,
    centrality,
    funding_dominators,
    removal_impact,
)
from stakegraph.analytics.exposure import exposure_matrix
from stakegraph.analytics.groups import connected_groups, large_exposures
from stakegraph.analytics.health import HealthWeights, relationship_alerts, relationship_health
from stakegraph.analytics.kernels import betweenness, pagerank
from stakegraph.analytics.lifecycle import communities, lifecycle_stage, segmentation
from stakegraph.analytics.propagation import (
    EquityLoss,
    PartyDefault,
    RelationshipEnds,
    TargetMissed,
    k_damaging_paths,
    propagate,
)
from stakegraph.analytics.stamp import Stamp, to_jsonable

__all__ = [
    "EquityLoss", "HealthWeights", "PartyDefault", "RelationshipEnds", "Stamp", "TargetMissed",
    "articulation_points_and_bridges", "bands", "betweenness", "central_dependencies", "centrality",
    "clearing_graph", "clearing_vector", "cofinancing_graph", "communities",
    "connected_groups", "debtrank_each", "debtrank_graph",
    "exposure_matrix", "funding_dominators", "hhi", "k_damaging_paths", "large_exposures",
    "lifecycle_stage", "merger_delta", "pagerank", "portfolio_concentration", "propagate",
    "relationship_alerts", "relationship_health", "removal_impact", "segmentation",
    "threshold_cascade", "threshold_cascade_graph", "to_jsonable",
]
