"""Helpers shared by the loader tests: fixture paths and a full, canonical dump of a store."""

from __future__ import annotations

import json
from pathlib import Path

from stakegraph.store.base import GraphStore

DATA = Path(__file__).resolve().parents[1] / "data"
LOADERS = DATA / "loaders"
MALFORMED = DATA / "malformed"
CANONICAL = LOADERS / "canonical"


def dump(store: GraphStore) -> bytes:
    """Every node and edge with all properties, as canonical JSON bytes (for byte-for-byte comparison)."""
    nodes = sorted(([n.id, n.type, dict(n.props)] for n in store.iter_nodes()), key=lambda x: x[0])
    edges = sorted(([e.id, e.kind, e.source, e.target, dict(e.props)] for e in store.iter_edges()),
                   key=lambda x: x[0])
    return json.dumps({"nodes": nodes, "edges": edges}, sort_keys=True, ensure_ascii=False, default=str).encode()


def without_provenance(store: GraphStore) -> dict[str, dict]:
    """Nodes and edges keyed by id, provenance left out (to compare loads of differently named files)."""
    prov = {"source_file", "source_row", "load_id"}
    out: dict[str, dict] = {}
    for n in store.iter_nodes():
        out[n.id] = {"type": n.type, **{k: v for k, v in n.props.items() if k not in prov}}
    for e in store.iter_edges():
        out[e.id] = {"kind": e.kind, "source": e.source, "target": e.target,
                     **{k: v for k, v in e.props.items() if k not in prov}}
    return out
